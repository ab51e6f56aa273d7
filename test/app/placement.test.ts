import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { InProcessBus } from '../../src/adapters/cluster/in-process-bus.js'
import type { OpenedDatabase } from '../../src/adapters/storage/opened-database.js'
import { SqlConfigStore } from '../../src/adapters/storage/sql-config-store.js'
import { SqlContactQueries } from '../../src/adapters/storage/sql-contact-queries.js'
import { SqlOwnership } from '../../src/adapters/storage/sql-ownership.js'
import { SqlRoutingStore } from '../../src/adapters/storage/sql-routing-store.js'
import { systemClock, timerScheduler } from '../../src/adapters/time/system-clock.js'
import { Switchboard } from '../../src/app/switchboard.js'
import type { TenantDoc } from '../../src/config/document.js'
import { agentState } from '../../src/core/commands.js'
import { databases } from '../support/databases.js'
import { demoDocs } from '../support/harness.js'

const TENANTS = ['t1', 't2', 't3', 't4']
const docs = (): TenantDoc[] => {
  const [demo] = demoDocs()
  return TENANTS.map((id) => ({ ...demo!, id }))
}

/** Polls a condition the nodes reach by themselves (rounds run on real time). */
async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

for (const harness of databases()) {
  describe(`${harness.name}: tenants placed on cluster nodes`, () => {
    let opened: OpenedDatabase
    let bus: InProcessBus
    const nodes: Switchboard[] = []
    beforeEach(async () => {
      opened = await harness.open()
      bus = new InProcessBus()
    })
    afterEach(async () => {
      for (const n of nodes.splice(0)) await n.stop()
      await bus.close()
      await opened.close()
    })

    async function node(nodeId: string, leaseMs = 60_000): Promise<Switchboard> {
      const sb = new Switchboard({
        configs: new SqlConfigStore(opened.db, () => systemClock.now()),
        queries: new SqlContactQueries(opened.db),
        store: new SqlRoutingStore(opened.db),
        clock: systemClock,
        scheduler: timerScheduler(systemClock),
        newId: () => `${nodeId}-${Math.random().toString(36).slice(2)}`,
        cluster: { nodeId, ownership: new SqlOwnership(opened.db), bus, leaseMs },
      })
      nodes.push(sb)
      await sb.start(docs())
      return sb
    }
    const owners = (t: string) => nodes.filter((n) => n.isRunning(t)).length
    const counts = () => nodes.map((n) => TENANTS.filter((t) => n.isRunning(t)).length)
    const spread = (want: number[]) => () =>
      TENANTS.every((t) => owners(t) === 1) && counts().join() === want.join()

    it('spreads the tenants over the nodes, each run by exactly one, and hands them over on stop', async () => {
      const a = await node('a')
      expect(counts()).toEqual([4])
      await node('b')
      await until('two nodes share the tenants 2 and 2', spread([2, 2]))
      await node('c')
      await until(
        'each of three nodes holds at most two',
        () => TENANTS.every((t) => owners(t) === 1) && counts().every((n) => n >= 1 && n <= 2),
      )
      // A node that stops hands its tenants over now, not when their leases (a minute) run out.
      const before = Date.now()
      await a.stop()
      nodes.splice(nodes.indexOf(a), 1)
      await until('the two nodes left run every tenant', spread([2, 2]))
      expect(Date.now() - before).toBeLessThan(30_000)
    })

    it("refuses a paused owner's write once another node has the tenant, and the owner lets go", async () => {
      const a = await node('a')
      const ownership = new SqlOwnership(opened.db)
      const lease = (await ownership.holder('t1'))!
      expect(lease.owner).toBe('a')
      await a.runtime('t1').run(agentState('agent1', 'chat', 'ready', 'agent1'))
      // Node a stalls past its lease (as a SIGSTOP would): node z takes t1 over.
      await ownership.release(lease)
      expect(await ownership.acquire('t1', 'z', 60_000)).toMatchObject({ epoch: lease.epoch + 1 })
      const late = await a
        .runtime('t1')
        .run(agentState('agent1', 'chat', 'not_ready', 'agent1'))
        .catch((e: unknown) => e)
      expect(late).toMatchObject({ code: 'SERVICE_NOT_RUNNING' })
      expect(String((late as Error).message)).toMatch(/moved to another node; nothing was changed/)
      expect(a.isRunning('t1')).toBe(false)
      expect(a.leases().map((l) => l.tenantId)).not.toContain('t1')
      // What was stored is the last write a held: agent1 ready.
      const snap = await new SqlRoutingStore(opened.db).load('t1')
      expect(
        snap.agents.find((x) => x.agentId === 'agent1')?.channels.find((c) => c.channel === 'chat')?.state,
      ).toBe('ready')
    })
  })
}
