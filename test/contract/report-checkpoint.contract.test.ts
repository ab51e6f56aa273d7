import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { OpenedDatabase } from '../../src/adapters/storage/opened-database.js'
import { SqlReportStore } from '../../src/adapters/storage/sql-report-store.js'
import type { ReportChanges } from '../../src/app/report-ports.js'
import { CheckpointMoved } from '../../src/app/report-ports.js'
import { databases } from '../support/databases.js'

const none: ReportChanges = {
  queueIntervals: [],
  agentQueueIntervals: [],
  agentIntervals: [],
  contacts: [],
  activities: [],
  lasting: [],
  closedBefore: 0,
  closedUpTo: 0,
  foldedSince: 0,
}

for (const harness of databases()) {
  describe(`${harness.name}: two folds of one tenant`, () => {
    let opened: OpenedDatabase
    beforeEach(async () => {
      opened = await harness.open()
    })
    afterEach(async () => {
      await opened.close()
    })

    it('keeps the fold that saved first and refuses the one that started from the same checkpoint', async () => {
      const store = new SqlReportStore(opened.db)
      await store.save('t1', none, 10, { n: 'first' }, undefined, 0)
      // The tenant's previous owner, finishing a fold it began at 0, saves too late.
      await expect(store.save('t1', none, 12, { n: 'late' }, undefined, 0)).rejects.toBeInstanceOf(
        CheckpointMoved,
      )
      expect(await store.checkpoint('t1')).toEqual({ lastSeq: 10, state: { n: 'first' } })
      await store.save('t1', none, 14, { n: 'next' }, undefined, 10)
      expect(await store.checkpoint('t1')).toEqual({ lastSeq: 14, state: { n: 'next' } })
    })
  })
}
