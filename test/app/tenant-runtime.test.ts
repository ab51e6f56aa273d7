import { agentState } from '../../src/core/commands.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { OpenedDatabase } from '../../src/adapters/storage/opened-database.js'
import { SqlContactQueries } from '../../src/adapters/storage/sql-contact-queries.js'
import { SqlRoutingStore } from '../../src/adapters/storage/sql-routing-store.js'
import { EventFeed } from '../../src/app/event-feed.js'
import type { CommitBatch, RouterSnapshot, RoutingStore } from '../../src/app/ports.js'
import { TenantRuntime } from '../../src/app/tenant-runtime.js'
import { databases } from '../support/databases.js'
import { FakeTime } from '../support/harness.js'
import { demoLike } from '../support/tenant-builder.js'

/** The real store, with failures injected on demand (database down, connection killed). */
class FlakyStore implements RoutingStore {
  failCommits = 0
  failLoads = 0
  constructor(private readonly inner: RoutingStore) {}
  async load(tenantId: string): Promise<RouterSnapshot> {
    if (this.failLoads > 0 && this.failLoads--) throw new Error('connection refused')
    return this.inner.load(tenantId)
  }
  async commit(tenantId: string, batch: CommitBatch): Promise<void> {
    if (this.failCommits > 0 && this.failCommits--) throw new Error('connection terminated')
    return this.inner.commit(tenantId, batch)
  }
}

for (const db of databases()) {
  describe(`${db.name}: tenant runtime under storage failures`, () => {
    let opened: OpenedDatabase
    let store: FlakyStore
    let time: FakeTime
    let runtime: TenantRuntime
    let failures: unknown[]
    beforeEach(async () => {
      opened = await db.open()
      store = new FlakyStore(new SqlRoutingStore(opened.db))
      time = new FakeTime(Date.UTC(2026, 10, 2, 10))
      failures = []
      let n = 0
      runtime = await TenantRuntime.start(demoLike(), {
        store,
        clock: time,
        scheduler: time,
        feed: new EventFeed(new SqlContactQueries(opened.db)),
        newId: () => `id${++n}`,
        onFailure: (e) => failures.push(e),
      })
    })
    afterEach(async () => {
      await runtime.stop()
      await opened.close()
    })

    const admit = (id: string) =>
      runtime.run({
        type: 'admitContact',
        contact: { contactId: id, entryPointId: '1000', customer: { name: id }, subject: null },
      })
    const settle = async () => {
      for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5))
    }

    it('refuses a batch it could not store, keeps nothing of it, and recovers when storage is back', async () => {
      await runtime.run(agentState('agent1', 'chat', 'ready', null))
      store.failCommits = 1
      store.failLoads = 1
      await expect(admit('lost')).rejects.toMatchObject({ code: 'INTERNAL' })
      expect(runtime.running).toBe(false)
      await expect(admit('refused')).rejects.toMatchObject({ code: 'SERVICE_NOT_RUNNING' })

      time.advance(0) // first rebuild attempt: the database is still down
      await settle()
      expect(runtime.running).toBe(false)
      time.advance(1000) // the retry succeeds
      await settle()
      expect(runtime.running).toBe(true)
      expect(failures).toHaveLength(2)

      // Nothing of the failed batch survived; what was committed before it did.
      expect(runtime.query({ type: 'contact', contactId: 'lost' }) !== null).toBe(false)
      expect(runtime.query({ type: 'agent', agentId: 'agent1' })?.channels.chat?.state).toBe('ready')
      const ok = await admit('after')
      expect(ok).toMatchObject({ admitted: true, contact: { state: 'offered' } })
    })

    it('settles every accepted command before it reports stopped', async () => {
      await runtime.run(agentState('agent1', 'chat', 'ready', null))
      const pending = [admit('a'), admit('b'), admit('c')]
      await runtime.stop()
      await expect(Promise.all(pending)).resolves.toHaveLength(3)
      const snap = await new SqlRoutingStore(opened.db).load('t1')
      expect(snap.contacts.map((c) => c.id).sort()).toEqual(['a', 'b', 'c'])
      await expect(admit('late')).rejects.toMatchObject({ code: 'SERVICE_NOT_RUNNING' })
    })
  })
}
