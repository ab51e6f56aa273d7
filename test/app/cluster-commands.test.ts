import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { InProcessBus } from '../../src/adapters/cluster/in-process-bus.js'
import { NatsBus } from '../../src/adapters/cluster/nats-bus.js'
import type { OpenedDatabase } from '../../src/adapters/storage/opened-database.js'
import { SqlContactQueries } from '../../src/adapters/storage/sql-contact-queries.js'
import type { EventBus } from '../../src/app/cluster-ports.js'
import type { Switchboard } from '../../src/app/switchboard.js'
import type { TenantDoc } from '../../src/config/document.js'
import { agentState } from '../../src/core/commands.js'
import { attachmentLimit } from '../../src/app/chat-files.js'
import { DomainError } from '../../src/core/errors.js'
import { databases } from '../support/databases.js'
import { demoTenants, startClusterNode, until } from '../support/cluster-node.js'
import { natsUrl } from '../support/nats.js'

const TENANTS = ['t1', 't2']
const docs = (): TenantDoc[] => demoTenants(TENANTS)

const url = natsUrl()
const buses: { name: string; open: () => Promise<(nodeId: string) => Promise<EventBus>> }[] = [
  {
    name: 'in-process bus',
    open: async () => {
      const bus = new InProcessBus()
      return async () => bus
    },
  },
  ...(url
    ? [
        {
          name: 'NATS',
          open: async () => {
            const cluster = `commands-${Math.random().toString(36).slice(2)}`
            return (nodeId: string) => NatsBus.connect(url, nodeId, cluster)
          },
        },
      ]
    : []),
]

// One database engine is enough here: the storage suites cover both.
const [harness] = databases().slice(-1)

for (const kind of buses) {
  describe(`${kind.name}: commands reach the tenant's owner from any node`, () => {
    let opened: OpenedDatabase
    let busFor: (nodeId: string) => Promise<EventBus>
    const nodes: { sb: Switchboard; bus: EventBus }[] = []
    beforeEach(async () => {
      opened = await harness!.open()
      busFor = await kind.open()
    })
    afterEach(async () => {
      const left = nodes.splice(0)
      for (const n of left) await n.sb.stop()
      for (const bus of new Set(left.map((n) => n.bus))) await bus.close()
      await opened.close()
    })

    async function node(nodeId: string): Promise<Switchboard> {
      const bus = await busFor(nodeId)
      const sb = await startClusterNode(opened, bus, nodeId, docs())
      nodes.push({ sb, bus })
      return sb
    }
    const ownerOf = (t: string) => nodes.find((n) => n.sb.isRunning(t))!.sb
    const other = (t: string) => nodes.find((n) => !n.sb.isRunning(t))!.sb

    it('applies a command sent through a node that does not own the tenant, and answers reads', async () => {
      await node('a')
      await node('b')
      await until(
        'each node owns one tenant',
        () =>
          TENANTS.every((t) => nodes.filter((n) => n.sb.isRunning(t)).length === 1) &&
          nodes.every((n) => n.sb.leases().length === 1),
      )
      for (const t of TENANTS) {
        const via = other(t)
        // What customers see of their agent, on a node that does not run the router.
        expect(via.agentName(t, 'agent1')).toBe('Alice Agent')
        const state = await via.tenant(t).run(agentState('agent1', 'chat', 'ready', 'agent1'))
        expect(state).toMatchObject({ channel: 'chat', state: 'ready' })
        expect(ownerOf(t).runtime(t).query({ type: 'agent', agentId: 'agent1' })?.channels.chat?.state).toBe(
          'ready',
        )
        expect((await via.tenant(t).ask({ type: 'agent', agentId: 'agent1' }))?.channels.chat?.state).toBe(
          'ready',
        )
        // The owner's refusal arrives as the same domain error, for the dialect to map as usual.
        const refused = await via
          .tenant(t)
          .run({ type: 'acceptOffer', offerId: 'no-such-offer', agentId: 'agent1' })
          .catch((e: unknown) => e)
        expect(refused).toBeInstanceOf(DomainError)
        expect(refused).toMatchObject({ code: 'OFFER_NOT_FOUND' })
        // A file for a chat is checked against its entry point through the owner.
        await via.tenant(t).run({
          type: 'admitContact',
          contact: { contactId: `chat-${t}`, entryPointId: '1000', customer: { name: 'Ann' }, subject: null },
        })
        expect(await attachmentLimit(via.tenant(t), `chat-${t}`)).toBe(5 * 1024 * 1024)
        // Ready for the load balancer: every router runs, here or on its owner.
        await until(`${t}'s owner heard`, () => via.routerState(t) === 'running_elsewhere')
        expect(ownerOf(t).routerState(t)).toBe('running')
      }
    })

    it("tells every node the owner's entry-point status and events: in order, each once, across a handover", async () => {
      const a = await node('a')
      const b = await node('b')
      await until('each node owns one tenant', () => nodes.every((n) => n.sb.leases().length === 1))
      const t = a.leases()[0]!.tenantId
      // b's clients listen to everything of t, from the start of its log.
      const heard: number[] = []
      b.feed.subscribe(t, {}, (events) => heard.push(...events.map((e) => e.seq)))
      await until("b has a's status for entry point 1000", () => b.entryPointStatus(t, '1000') !== undefined)
      expect(b.entryPointStatus(t, '1000')).toMatchObject({ agentsAvailable: 0, allowed: false })
      await b.tenant(t).run(agentState('agent1', 'chat', 'ready', 'agent1'))
      await until(
        'b sees the agent ready in the status',
        () => b.entryPointStatus(t, '1000')?.agentsAvailable === 1,
      )
      expect(b.entryPointStatus(t, 'no-such-entry-point')?.reason).toBe('invalid_entry_point')
      for (let i = 0; i < 20; i++)
        await b.tenant(t).run({
          type: 'admitContact',
          contact: { contactId: `s${i}`, entryPointId: '1000', customer: { name: `S${i}` }, subject: null },
        })
      await a.stop()
      await until('b runs the tenant', () => b.isRunning(t))
      for (let i = 20; i < 40; i++)
        await b.tenant(t).run({
          type: 'admitContact',
          contact: { contactId: `s${i}`, entryPointId: '1000', customer: { name: `S${i}` }, subject: null },
        })
      const stored = await new SqlContactQueries(opened.db).events(t, { afterSeq: 0, limit: 10_000 })
      const last = stored.at(-1)!.seq
      await until('b heard the last event', () => heard.at(-1) === last)
      // What b's clients heard is the log from their first event on: no gap, no repeat.
      const first = heard[0]!
      expect(heard).toEqual(stored.filter((e) => e.seq >= first).map((e) => e.seq))
    })

    it('puts a configuration changed on one node in force on every node, and places a new tenant', async () => {
      const a = await node('a')
      const b = await node('b')
      await until('each node owns one tenant', () => nodes.every((n) => n.sb.leases().length === 1))
      const t = a.leases()[0]!.tenantId
      const [demo] = docs()
      const before = a.storedConfig(t).version
      // Changed through b (the admin API's path): the queue of entry point 1000 holds 1 at most.
      const changed: TenantDoc = {
        ...demo!,
        id: t,
        queues: demo!.queues.map((q, i) => (i === 0 ? { ...q, maxDepth: 1 } : q)),
      }
      await b.applyDocument(changed, before)
      await until(
        "a's router runs the new version",
        () => a.isRunning(t) && a.runtime(t).config.queues[0]?.maxDepth === 1,
      )
      expect(a.storedConfig(t).version).toBe(before + 1)
      await b.applyDocument({ ...demo!, id: 't3' })
      await until('t3 is run by one node', () => nodes.filter((n) => n.sb.isRunning('t3')).length === 1)
    })

    it('tells every node who is typing, and when they stopped (the other party may wait anywhere)', async () => {
      const a = await node('a')
      const b = await node('b')
      a.typing.typing('t1', 'c1', 'customer', null, a.now())
      await until('b knows the customer types', () => b.typing.isTyping('t1', 'c1', b.now()).customer)
      a.typing.stopped('t1', 'c1', 'customer')
      await until('b knows the customer stopped', () => !b.typing.isTyping('t1', 'c1', b.now()).customer)
    })

    it('applies each command once while the owner hands the tenant over mid-stream', async () => {
      const a = await node('a')
      const b = await node('b')
      await until('each node owns one tenant', () => nodes.every((n) => n.sb.leases().length === 1))
      const t = a.leases()[0]!.tenantId
      // 150 new chats sent one after another through b; at the 50th, a starts handing the tenant
      // over, and the rest wait for b to take it.
      let stopping: Promise<void> | undefined
      const results = []
      for (let i = 0; i < 150; i++) {
        if (i === 50) stopping = a.stop()
        results.push(
          await b.tenant(t).run({
            type: 'admitContact',
            contact: { contactId: `c${i}`, entryPointId: '1000', customer: { name: `C${i}` }, subject: null },
          }),
        )
      }
      await stopping
      expect(results.every((r) => r.admitted || r.reason)).toBe(true)
      await until('b runs the tenant', () => b.isRunning(t))
      const stored = await new SqlContactQueries(opened.db).events(t, { afterSeq: 0, limit: 10_000 })
      const queued = stored.filter((e) => e.type === 'ContactQueued' || e.type === 'ContactRefused')
      const ids = queued.map((e) => ('contactId' in e ? e.contactId : ''))
      expect(new Set(ids).size).toBe(150)
      expect(ids).toHaveLength(150)
      // b rebuilt the router from storage between the first and the last of them.
      const seqOf = (id: string) => queued.find((e) => 'contactId' in e && e.contactId === id)!.seq
      const rebuilt = stored.filter((e) => e.type === 'RouterRestored').at(-1)!.seq
      expect(rebuilt).toBeGreaterThan(seqOf('c0'))
      expect(rebuilt).toBeLessThan(seqOf('c149'))
    })
  })
}
