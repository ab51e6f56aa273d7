import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { InProcessOwnership } from '../../src/adapters/cluster/in-process-ownership.js'
import type { OpenedDatabase } from '../../src/adapters/storage/opened-database.js'
import { SqlOwnership } from '../../src/adapters/storage/sql-ownership.js'
import { SqlRoutingStore } from '../../src/adapters/storage/sql-routing-store.js'
import type { TenantOwnership } from '../../src/app/cluster-ports.js'
import { FencedOut } from '../../src/app/cluster-ports.js'
import { Router } from '../../src/core/routing/router.js'
import { databases } from '../support/databases.js'
import { demoLike } from '../support/tenant-builder.js'

interface Opened {
  readonly ownership: TenantOwnership
  readonly db?: OpenedDatabase
  close(): Promise<void>
}

const adapters: { name: string; open: () => Promise<Opened> }[] = [
  {
    name: 'in-process',
    open: async () => ({
      ownership: new InProcessOwnership({ now: () => Date.now() }),
      close: async () => {},
    }),
  },
  ...databases().map((harness) => ({
    name: `sql on ${harness.name}`,
    open: async (): Promise<Opened> => {
      const db = await harness.open()
      return { ownership: new SqlOwnership(db.db), db, close: () => db.close() }
    },
  })),
]

const LONG = 60_000

/** Polls until the lease has run out: the test waits for the expiry itself, not a guessed delay. */
async function expired(ownership: TenantOwnership, tenantId: string): Promise<void> {
  while ((await ownership.holder(tenantId)) !== null) await new Promise((r) => setTimeout(r, 20))
}

for (const adapter of adapters) {
  describe(`${adapter.name}: tenant ownership contract`, () => {
    let opened: Opened
    let own: TenantOwnership
    beforeEach(async () => {
      opened = await adapter.open()
      own = opened.ownership
    })
    afterEach(async () => {
      await opened.close()
    })

    it('gives a free tenant to the first node, and not to a second while the lease runs', async () => {
      const a = await own.acquire('t1', 'node-a', LONG)
      expect(a).toMatchObject({ tenantId: 't1', owner: 'node-a', epoch: 1 })
      expect(await own.acquire('t1', 'node-b', LONG)).toBeNull()
      expect(await own.holder('t1')).toEqual(a)
      // Another tenant is free all the same.
      expect(await own.acquire('t2', 'node-b', LONG)).toMatchObject({ owner: 'node-b', epoch: 1 })
      expect((await own.holders()).map((l) => [l.tenantId, l.owner]).sort()).toEqual([
        ['t1', 'node-a'],
        ['t2', 'node-b'],
      ])
    })

    it('renews a held lease in the same epoch, and refuses a stale one', async () => {
      const a = (await own.acquire('t1', 'node-a', LONG))!
      const renewed = await own.renew(a, LONG * 2)
      expect(renewed).toMatchObject({ epoch: a.epoch, owner: 'node-a' })
      expect(renewed!.expiresAt).toBeGreaterThan(a.expiresAt)
      expect(await own.renew({ ...a, epoch: a.epoch + 1 }, LONG)).toBeNull()
      expect(await own.renew({ ...a, owner: 'node-b' }, LONG)).toBeNull()
    })

    it('hands a released tenant to the next node at once, one epoch on', async () => {
      const a = (await own.acquire('t1', 'node-a', LONG))!
      await own.release(a)
      expect(await own.holder('t1')).toBeNull()
      const b = await own.acquire('t1', 'node-b', LONG)
      expect(b).toMatchObject({ owner: 'node-b', epoch: a.epoch + 1 })
      // The old holder learns it lost the tenant on its next renew; its release changes nothing.
      expect(await own.renew(a, LONG)).toBeNull()
      await own.release(a)
      expect(await own.holder('t1')).toEqual(b)
    })

    it('lets another node take an expired lease; the old owner can no longer renew', async () => {
      const a = (await own.acquire('t1', 'node-a', 150))!
      await expired(own, 't1')
      const b = await own.acquire('t1', 'node-b', LONG)
      expect(b).toMatchObject({ owner: 'node-b', epoch: 2 })
      expect(await own.renew(a, LONG)).toBeNull()
    })

    it('starts a new epoch when the same node takes its tenant again (a restart)', async () => {
      const first = (await own.acquire('t1', 'node-a', LONG))!
      const again = await own.acquire('t1', 'node-a', LONG)
      expect(again).toMatchObject({ owner: 'node-a', epoch: first.epoch + 1 })
      expect(await own.renew(first, LONG)).toBeNull()
    })

    it('gives a contested tenant to exactly one of many nodes', async () => {
      const tries = await Promise.all(
        Array.from({ length: 12 }, (_, i) => own.acquire('t1', `node-${i}`, LONG)),
      )
      const winners = tries.filter((l) => l !== null)
      expect(winners).toHaveLength(1)
      expect(await own.holder('t1')).toEqual(winners[0])
    })

    if (adapter.name.startsWith('sql'))
      it("refuses, in the commit's own transaction, a batch whose epoch is not the tenant's", async () => {
        const store = new SqlRoutingStore(opened.db!.db)
        const router = new Router({
          tenantId: 't1',
          config: demoLike(),
          now: 1,
          lastSeq: 0,
          newId: () => 'x',
        })
        const a = (await own.acquire('t1', 'node-a', LONG))!
        router.setAgentState('agent1', 'chat', 'ready', null, null, 2)
        await store.commit('t1', {
          ...router.drain(),
          outbox: [],
          fence: { owner: 'node-a', epoch: a.epoch },
        })
        expect((await store.load('t1')).lastSeq).toBe(1)
        // Node A is paused past its lease; B takes the tenant over.
        await own.release(a)
        const b = (await own.acquire('t1', 'node-b', LONG))!
        router.setAgentState('agent1', 'chat', 'not_ready', null, null, 3)
        const late = router.drain()
        await expect(
          store.commit('t1', { ...late, outbox: [], fence: { owner: 'node-a', epoch: a.epoch } }),
        ).rejects.toBeInstanceOf(FencedOut)
        const after = await store.load('t1')
        expect(after.lastSeq).toBe(1)
        expect(after.agents.find((x) => x.agentId === 'agent1')?.channels[0]?.state).toBe('ready')
        // The new owner's epoch writes; the old one's, once more, does not.
        await store.commit('t1', { ...late, outbox: [], fence: { owner: 'node-b', epoch: b.epoch } })
        expect((await store.load('t1')).lastSeq).toBe(2)
      })
  })
}
