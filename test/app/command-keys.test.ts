import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Command } from '../../src/core/commands.js'
import { agentState } from '../../src/core/commands.js'
import { databases } from '../support/databases.js'
import type { Harness } from '../support/harness.js'
import { startHarness } from '../support/harness.js'

const admit = {
  type: 'admitContact',
  contact: { contactId: 'k1', entryPointId: '1000', customer: { name: 'Kim' }, subject: null },
} satisfies Command

for (const db of databases()) {
  describe(`${db.name}: a command sent with a key is applied once`, () => {
    let h: Harness
    beforeEach(async () => {
      h = await startHarness(db)
    })
    afterEach(async () => {
      await h.close()
    })

    const queued = async (harness: Harness) =>
      (await harness.sb.queries.events('demo', { afterSeq: 0, limit: 1000 })).filter(
        (e) => e.type === 'ContactQueued',
      ).length

    it('answers a retry, at once or after a restart, with the first answer and applies nothing more', async () => {
      const runtime = h.sb.runtime('demo')
      await runtime.run(agentState('agent1', 'chat', 'ready', 'agent1'))
      const [first, concurrent] = await Promise.all([
        runtime.run(admit, 'key-1'),
        runtime.run(admit, 'key-1'),
      ])
      expect(concurrent).toEqual(first)
      expect(await runtime.run(admit, 'key-1')).toEqual(first)
      expect(await queued(h)).toBe(1)
      // The node that applied it died; the retry reaches the tenant's next owner, here a restart.
      h = await h.restart()
      expect(await h.sb.runtime('demo').run(admit, 'key-1')).toEqual(JSON.parse(JSON.stringify(first)))
      expect(await queued(h)).toBe(1)
      // Another key is another command.
      await h.sb.runtime('demo').run({ ...admit, contact: { ...admit.contact, contactId: 'k2' } }, 'key-2')
      expect(await queued(h)).toBe(2)
    })
  })
}
