import type { RoutingDecision } from '../src/core/routing/decision.js'
import type { Dispatcher, RouterInit } from '../src/core/routing/router-state.js'
import { offerTo } from '../src/core/routing/offers.js'
import { Router } from '../src/core/routing/router.js'
import { mulberry32 } from '../src/core/random.js'
import { STRATEGIES } from '../src/core/tenant-config.js'
import type { TenantConfig } from '../src/core/tenant-config.js'
import { CHAT, demoLike, queue } from '../test/support/tenant-builder.js'
import type { BenchResult } from './stats.js'
import { fmt, percentile, verdict } from './stats.js'

const AGENTS = 2000
const GROUPS = 30
const WAITING = 10_000
const SLOTS = 3
const DECISIONS = 100_000
const WARMUP = 10_000

function config(): TenantConfig {
  const rng = mulberry32(7)
  const members: Record<string, number>[] = Array.from({ length: GROUPS }, () => ({}))
  const agents = Array.from({ length: AGENTS }, (_, i) => {
    const id = `a${String(i).padStart(4, '0')}`
    ;(members[i % GROUPS] as Record<string, number>)[id] = 1 + Math.floor(rng() * 10)
    ;(members[(i * 7 + 3) % GROUPS] as Record<string, number>)[id] = 1 + Math.floor(rng() * 10)
    return { id, name: id, channels: { chat: { maxTasks: SLOTS, exclusive: false } } }
  })
  return demoLike({
    id: 'bench',
    agents,
    skillGroups: members.map((m, g) => ({
      id: `g${g}`,
      name: `g${g}`,
      channel: 'chat' as const,
      members: m,
    })),
    queues: members.map((_, q) =>
      queue(`q${q}`, [[`g${q}`], [`g${(q + 1) % GROUPS}`]], {
        strategy: STRATEGIES[q % STRATEGIES.length] ?? 'longest_available',
        priority: q % 3,
        offerTimeoutSeconds: 3600,
        wrapUpSeconds: 0,
        notRespondingAfter: 3,
      }),
    ),
    entryPoints: members.map((_, q) => ({
      id: `e${q}`,
      name: `e${q}`,
      channel: 'chat' as const,
      queueId: `q${q}`,
      active: true,
      calendarId: null,
      chat: CHAT,
      leaveMessageQueueId: null,
    })),
  })
}

/** The operations the harness drives; the real router and a no-op matcher both provide them. */
interface Matcher {
  arrive(contactId: string, entryPoint: string, now: number): void
  /** Closes a connected contact: the freed agent takes the next contact (the decision timed). */
  complete(contactId: string, agentId: string, now: number): void
  /** Offers made since the last call, accepted by the harness. */
  takeOffers(now: number): { contactId: string; agentId: string }[]
}

class RealMatcher implements Matcher {
  private n = 0
  readonly router: Router
  constructor(make: (init: RouterInit) => Router = (init) => new Router(init)) {
    this.router = make({
      tenantId: 'bench',
      config: config(),
      now: 0,
      lastSeq: 0,
      newId: () => `o${++this.n}`,
    })
    for (let i = 0; i < AGENTS; i++)
      this.router.setAgentState(`a${String(i).padStart(4, '0')}`, 'chat', 'ready', null, null, i)
    this.router.drain()
  }
  arrive(contactId: string, entryPoint: string, now: number): void {
    this.router.admitContact(
      { contactId, entryPointId: entryPoint, customer: { name: 'x' }, subject: null },
      now,
    )
  }
  complete(contactId: string, agentId: string, now: number): void {
    this.router.wrapUp(contactId, agentId, null, null, now)
  }
  takeOffers(now: number): { contactId: string; agentId: string }[] {
    const out: { contactId: string; agentId: string }[] = []
    for (const e of this.router.drain().events) {
      if (e.type === 'ContactOffered') {
        this.router.acceptOffer(e.offerId, e.agentId, now)
        out.push({ contactId: e.contactId, agentId: e.agentId })
      }
    }
    this.router.drain()
    return out
  }
}

/**
 * The router with its decision replaced by a no-op: the first free agent of the queue's first
 * skill group, or the first waiting contact of the first queue an agent serves. Everything else
 * (offers, events, agent states, indexes) is the same: the ratio is what deciding well costs.
 */
const noDecision = (agentId: string): RoutingDecision => ({
  trigger: 'contact_arrived',
  strategy: 'first_free',
  tier: 1,
  rule: 'no-op',
  candidates: [],
  chosenAgentId: agentId,
  waitedMs: 0,
})

const firstFree: Dispatcher = {
  routeContact(router, contactId, _trigger, now) {
    const c = router.contacts.get(contactId)
    if (!c || c.state !== 'queued') return false
    const q = router.queueOf(c)
    const group = q.config.tiers[0]?.skillGroups[0]
    const agentId = group === undefined ? undefined : router.pool.firstFree(group, q.config.strategy)
    if (agentId === undefined) return false
    offerTo(router, c, agentId, noDecision(agentId), now)
    return true
  },
  serveAgent(router, agentId, _trigger, now) {
    const agent = router.pool.agents.get(agentId)
    if (!agent) return
    for (const m of agent.memberships.get('chat') ?? []) {
      for (const use of router.model.queuesOfGroup(m.groupId)) {
        const q = router.queues.get(use.queueId)
        while (q && router.pool.canTakeNew(agent, 'chat')) {
          const id = q.waiting.first()
          const c = id === undefined ? undefined : router.contacts.get(id)
          if (!c) break
          offerTo(router, c, agentId, noDecision(agentId), now)
        }
      }
    }
  },
}

class NoopMatcher extends RealMatcher {
  constructor() {
    super((init) => new Router({ ...init, dispatcher: firstFree }))
  }
}

interface Run {
  readonly perSecond: number
  readonly p50: number
  readonly p99: number
}

function drive(m: Matcher, heavy: boolean, decisions: number): Run {
  const rng = mulberry32(11)
  const connected: { contactId: string; agentId: string }[] = []
  let now = 1_000_000
  let c = 0
  const arrive = () => m.arrive(`c${++c}`, `e${Math.floor(rng() * GROUPS)}`, now++)
  // Fill every slot, then (heavy) leave WAITING contacts in line.
  for (let i = 0; i < AGENTS * SLOTS + (heavy ? WAITING : 0); i++) arrive()
  connected.push(...m.takeOffers(now))
  const samples = new Float64Array(decisions)
  let total = 0
  for (let i = 0; i < WARMUP + decisions; i++) {
    const k = Math.floor(rng() * connected.length)
    const done = connected[k] as { contactId: string; agentId: string }
    connected[k] = connected[connected.length - 1] as { contactId: string; agentId: string }
    connected.pop()
    let t0 = 0
    if (heavy) {
      // A contact ends: its agent takes the best waiting contact across the queues it serves.
      t0 = performance.now()
      m.complete(done.contactId, done.agentId, now++)
    } else {
      // Light load: a slot is free; a new contact finds the best free agent.
      m.complete(done.contactId, done.agentId, now++)
      t0 = performance.now()
      arrive()
    }
    const dt = performance.now() - t0
    if (i >= WARMUP) {
      samples[i - WARMUP] = dt
      total += dt
    }
    connected.push(...m.takeOffers(now))
    if (heavy) arrive() // keep the line at WAITING
    connected.push(...m.takeOffers(now))
  }
  samples.sort()
  return {
    perSecond: (decisions / total) * 1000,
    p50: percentile(samples, 0.5) * 1000,
    p99: percentile(samples, 0.99) * 1000,
  }
}

export function routingBench(): BenchResult[] {
  const results: BenchResult[] = []
  for (const heavy of [true, false]) {
    const label = heavy ? 'agent freed, 10,000 waiting' : 'contact arrives, agents free'
    process.stdout.write(`routing (${label}): baseline… `)
    const base = drive(new NoopMatcher(), heavy, DECISIONS)
    process.stdout.write('router… ')
    const real = drive(new RealMatcher(), heavy, DECISIONS)
    console.log('done')
    const goalP99 = real.p99 <= 1000
    const goalRate = real.perSecond >= 20_000
    results.push(
      verdict({
        name: `routing-${heavy ? 'agent-freed' : 'contact-arrived'}`,
        ratio: real.perSecond / base.perSecond,
        threshold: 0.25,
        details: [
          [
            'workload',
            `${fmt(AGENTS)} agents × ${SLOTS} chats, ${GROUPS} skill groups, 30 queues with 2 tiers, all 5 strategies; ${label}`,
          ],
          ['router decisions/s', fmt(real.perSecond)],
          ['router p50 / p99 (µs)', `${fmt(real.p50, 1)} / ${fmt(real.p99, 1)}`],
          [
            'no-op decision in the same router (first free agent / first waiting contact), decisions/s',
            fmt(base.perSecond),
          ],
          ['no-op p50 / p99 (µs)', `${fmt(base.p50, 1)} / ${fmt(base.p99, 1)}`],
          ['goal p99 ≤ 1 ms', goalP99 ? 'PASS' : 'FAIL'],
          ['goal ≥ 20,000 decisions/s', goalRate ? 'PASS' : 'FAIL'],
        ],
      }),
    )
  }
  return results
}
