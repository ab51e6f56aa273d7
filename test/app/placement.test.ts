import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { InProcessBus } from '../../src/adapters/cluster/in-process-bus.js'
import type { OpenedDatabase } from '../../src/adapters/storage/opened-database.js'
import { SqlRoutingStore } from '../../src/adapters/storage/sql-routing-store.js'
import type { Switchboard } from '../../src/app/switchboard.js'
import { agentState } from '../../src/core/commands.js'
import { SqlOwnership } from '../../src/adapters/storage/sql-ownership.js'
import { databases } from '../support/databases.js'
import { demoTenants, startClusterNode, until } from '../support/cluster-node.js'

const TENANTS = ['t1', 't2', 't3', 't4']

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

    async function node(nodeId: string): Promise<Switchboard> {
      const sb = await startClusterNode(opened, bus, nodeId, demoTenants(TENANTS))
      nodes.push(sb)
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
