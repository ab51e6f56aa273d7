import { describe, expect, it } from 'vitest'
import { demoLike, group, queue } from '../../../test/support/tenant-builder.js'
import type { AgentChannelState } from '../agent.js'
import type { Contact } from '../contact.js'
import { TERMINAL_STATES } from '../contact.js'
import type { DomainEvent } from '../events.js'
import type { TenantConfig } from '../tenant-config.js'
import { Router } from './router.js'

const T0 = Date.UTC(2026, 10, 2, 10, 0, 0)

/**
 * A router and what storage would hold after each batch: what a rebuild starts from. Time moves
 * as the runtime's clock does: each timer fires at its own instant.
 */
class Run {
  router: Router
  private readonly contacts = new Map<string, Contact>()
  private readonly agents = new Map<string, AgentChannelState[]>()
  readonly events: DomainEvent[] = []
  private n = 0

  constructor(private config: TenantConfig) {
    this.router = this.fresh(T0, 0)
  }

  private fresh(now: number, lastSeq: number): Router {
    return new Router({ tenantId: 't1', config: this.config, now, lastSeq, newId: () => `id${++this.n}` })
  }

  /** One command (or tick) and its commit. */
  act(run: (r: Router) => unknown): void {
    run(this.router)
    const changes = this.router.drain()
    this.events.push(...changes.events)
    for (const c of changes.contacts)
      if (TERMINAL_STATES.has(c.state)) this.contacts.delete(c.id)
      else this.contacts.set(c.id, c)
    for (const a of changes.agents) this.agents.set(a.agentId, a.channels)
  }

  until(to: number): void {
    for (let at = this.router.nextTimerAt(); at !== undefined && at <= to; at = this.router.nextTimerAt())
      this.act((r) => r.tick(at))
    this.act((r) => r.tick(to))
  }

  /** A restart, a configuration change or a storage recovery: memory rebuilt from storage. */
  rebuild(now: number, config = this.config): void {
    this.config = config
    const lastSeq = this.router.lastSeq
    this.router = this.fresh(now, lastSeq)
    const agents = [...this.agents].map(([agentId, channels]) => ({ agentId, channels }))
    this.act((r) => r.restore(agents, [...this.contacts.values()], now))
  }

  /** What a user of the router sees happen, and when: ids of offers differ between runs. */
  timeline(): string[] {
    return this.events
      .filter((e) => e.type !== 'RouterRestored')
      .map((e) => {
        const who = 'agentId' in e && e.agentId ? ` ${e.agentId}` : ''
        const what = 'contactId' in e ? ` ${e.contactId}` : ''
        const state =
          e.type === 'AgentStateChanged' ? ` ${e.state}${e.notResponding ? ' not responding' : ''}` : ''
        return `+${(e.at - T0) / 1000}s ${e.type}${what}${who}${state}`
      })
  }
}

/** The same story twice: straight through, and with rebuilds at the given instants. */
function twins(config: TenantConfig, story: (run: Run) => void, rebuildAt: number[], end: number) {
  const straight = new Run(config)
  story(straight)
  straight.until(end)
  const rebuilt = new Run(config)
  story(rebuilt)
  for (const at of rebuildAt) {
    rebuilt.until(at)
    rebuilt.rebuild(at)
  }
  rebuilt.until(end)
  return { straight: straight.timeline(), rebuilt: rebuilt.timeline() }
}

describe('item 2: every router timer fires when it would have without a rebuild', () => {
  const ready = (run: Run, agentId: string, at: number) =>
    run.act((r) => r.setAgentState(agentId, 'chat', 'ready', null, agentId, at))
  const admit = (run: Run, id: string, at: number, ep = '1000') =>
    run.act((r) =>
      r.admitContact({ contactId: id, entryPointId: ep, customer: { name: id }, subject: null }, at),
    )
  const offerOf = (run: Run, id: string) => run.router.contacts.get(id)?.offer
  // Ready with every slot taken: the queue admits contacts and holds them.
  const busy = (run: Run, agentId: string, at: number) => {
    ready(run, agentId, at)
    for (const n of [1, 2, 3]) {
      admit(run, `${agentId}-${n}`, at)
      run.act((r) => r.acceptOffer(offerOf(run, `${agentId}-${n}`)!.offerId, agentId, at))
    }
  }

  it('offer timeout: the offer stays pending across the rebuild and times out at its instant', () => {
    const { straight, rebuilt } = twins(
      demoLike(),
      (run) => {
        ready(run, 'agent1', T0)
        admit(run, 'c1', T0 + 1000)
      },
      [T0 + 10_000],
      T0 + 40_000,
    )
    expect(straight).toContain('+31s OfferTimedOut c1 agent1')
    expect(rebuilt).toEqual(straight)
  })

  it('decline hold: the agent who declined gets the contact back when the hold ends, oldest first', () => {
    const { straight, rebuilt } = twins(
      demoLike(),
      (run) => {
        ready(run, 'agent1', T0)
        admit(run, 'c1', T0 + 1000)
        admit(run, 'c2', T0 + 2000)
        for (const id of ['c1', 'c2'])
          run.act((r) => r.rejectOffer(offerOf(run, id)!.offerId, 'agent1', 'busy', T0 + 5000))
        admit(run, 'c3', T0 + 6000)
      },
      [T0 + 20_000, T0 + 64_000],
      T0 + 70_000,
    )
    // Held away from agent1 until +65 s; the newer c3 is offered meanwhile, then c1 and c2 return.
    expect(straight).toContain('+6s ContactOffered c3 agent1')
    expect(straight).toContain('+65s ContactOffered c1 agent1')
    expect(straight).toContain('+65s ContactOffered c2 agent1')
    expect(rebuilt).toEqual(straight)
  })

  it('wrap-up: the after-contact work ends at its instant', () => {
    const config = demoLike({
      queues: [queue('support', ['chat-support'], { wrapUpSeconds: 20 }), queue('sales', ['chat-sales'])],
    })
    const { straight, rebuilt } = twins(
      config,
      (run) => {
        ready(run, 'agent1', T0)
        admit(run, 'c1', T0 + 1000)
        run.act((r) => r.acceptOffer(offerOf(run, 'c1')!.offerId, 'agent1', T0 + 2000))
        run.act((r) => r.endContact('c1', 'customer', null, T0 + 3000))
      },
      [T0 + 10_000],
      T0 + 30_000,
    )
    expect(straight).toContain('+23s ContactClosed c1 agent1')
    expect(rebuilt).toEqual(straight)
  })

  it('max wait and overflow: the contact overflows, then times out, at its instants', () => {
    const config = demoLike({
      queues: [
        queue('support', ['chat-support'], { maxWaitSeconds: 60, overflowQueueId: 'sales' }),
        queue('sales', ['chat-sales'], { maxWaitSeconds: 60 }),
      ],
    })
    const { straight, rebuilt } = twins(
      config,
      (run) => {
        busy(run, 'agent1', T0)
        admit(run, 'c1', T0 + 1000)
      },
      [T0 + 30_000, T0 + 90_000],
      T0 + 130_000,
    )
    expect(straight).toContain('+61s ContactOverflowed c1')
    expect(straight).toContain('+121s ContactTimedOut c1')
    expect(rebuilt).toEqual(straight)
  })

  it('max wait that passes during an offer applies when the offer is declined', () => {
    const config = demoLike({
      queues: [queue('support', ['chat-support'], { maxWaitSeconds: 40 }), queue('sales', ['chat-sales'])],
    })
    const { straight, rebuilt } = twins(
      config,
      (run) => {
        busy(run, 'agent1', T0)
        admit(run, 'c1', T0 + 1000)
        run.until(T0 + 20_000)
        ready(run, 'agent2', T0 + 20_000)
      },
      [T0 + 30_000],
      T0 + 60_000,
    )
    expect(straight).toContain('+50s OfferTimedOut c1 agent2')
    expect(straight).toContain('+50s ContactTimedOut c1')
    expect(rebuilt).toEqual(straight)
  })

  it('tier relaxation: the second tier opens at its instant', () => {
    const config = demoLike({
      skillGroups: [group('chat-support', { agent1: 5 }), group('chat-sales', { agent3: 5 })],
      queues: [queue('support', [['chat-support'], ['chat-sales']]), queue('sales', ['chat-sales'])],
    })
    const { straight, rebuilt } = twins(
      config,
      (run) => {
        ready(run, 'agent3', T0)
        admit(run, 'c1', T0 + 1000)
      },
      [T0 + 10_000],
      T0 + 40_000,
    )
    expect(straight).toContain('+31s ContactOffered c1 agent3')
    expect(rebuilt).toEqual(straight)
  })

  it('not responding: an agent who missed its offers stays off routing after the rebuild', () => {
    const { straight, rebuilt } = twins(
      demoLike(),
      (run) => {
        ready(run, 'agent1', T0)
        admit(run, 'c1', T0 + 1000)
        admit(run, 'c2', T0 + 1000)
      },
      [T0 + 40_000],
      T0 + 200_000,
    )
    expect(straight).toContain('+31s AgentStateChanged agent1 ready not responding')
    expect(straight.filter((l) => l.includes('ContactOffered'))).toHaveLength(2)
    expect(rebuilt).toEqual(straight)
  })
})

describe('a rebuild under a configuration without the queue', () => {
  it("ends the queue's waiting contacts with an event, so reports and webhooks close them too", () => {
    const run = new Run(demoLike())
    run.act((r) => r.setAgentState('agent3', 'chat', 'ready', null, 'agent3', T0))
    run.act((r) =>
      r.admitContact({ contactId: 'c1', entryPointId: '1001', customer: { name: 'c1' }, subject: null }, T0),
    )
    run.act((r) => r.rejectOffer(r.contacts.get('c1')!.offer!.offerId, 'agent3', 'busy', T0 + 1000))
    const without = demoLike()
    run.rebuild(T0 + 2000, {
      ...without,
      queues: without.queues.filter((q) => q.id !== 'sales'),
      entryPoints: without.entryPoints.filter((e) => e.queueId !== 'sales'),
    })
    expect(run.timeline()).toContain('+2s ContactTimedOut c1')
    expect(run.router.contacts.has('c1')).toBe(false)
  })
})
