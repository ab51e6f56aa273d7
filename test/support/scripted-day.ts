import { agentState } from '../../src/core/commands.js'
import type { DomainEvent } from '../../src/core/events.js'
import { isDomainError } from '../../src/core/errors.js'
import { exponential, mulberry32 } from '../../src/core/random.js'
import type { AgentStateKind } from '../../src/core/agent.js'
import type { Channel } from '../../src/core/channel.js'
import type { Command } from '../../src/core/commands.js'
import type { Harness } from './harness.js'

/**
 * A working day on the demo tenant in fake time, from a seed: agents log in, take breaks, accept,
 * miss or reject offers, talk, transfer, wrap up and log out; customers arrive on both chat
 * entry points, some give up waiting. Everything goes through the router as the API would.
 */
export interface DayOptions {
  readonly seed: number
  readonly start: number
  readonly hours: number
  readonly arrivalsPerHour: number
  /** Called every simulated `everyMs` (the test folds reports while the day runs). */
  readonly every?: { readonly ms: number; readonly run: () => Promise<unknown> }
}

interface Action {
  readonly at: number
  readonly command: Command
}

const AGENTS = ['agent1', 'agent2', 'agent3', 'agent4'] as const
const MIN = 60_000

export async function scriptedDay(h: Harness, o: DayOptions): Promise<{ arrivals: number }> {
  const rng = mulberry32(o.seed)
  const end = o.start + o.hours * 3600_000
  const actions: Action[] = []
  const at = (t: number, command: Command): void => {
    actions.push({ at: Math.round(t), command })
  }
  const runtime = h.sb.runtime('demo')

  // The router's own decisions (offers, connections, ends) come back as events: react to them.
  const unsubscribe = h.sb.feed.subscribe('demo', {}, (events: DomainEvent[]) => {
    for (const e of events) react(e)
  })
  const react = (e: DomainEvent): void => {
    if (e.type === 'ContactOffered') {
      const roll = rng()
      if (roll < 0.08) return // missed: the offer times out
      const delay = 2000 + rng() * 8000
      if (roll < 0.14)
        at(e.at + delay, { type: 'rejectOffer', offerId: e.offerId, agentId: e.agentId, reason: 'busy' })
      else at(e.at + delay, { type: 'acceptOffer', offerId: e.offerId, agentId: e.agentId })
    } else if (e.type === 'ContactConnected') {
      const talk = 30_000 + exponential(rng, 4 * MIN)
      const roll = rng()
      if (roll < 0.06)
        at(e.at + talk / 2, {
          type: 'transfer',
          contactId: e.contactId,
          agentId: e.agentId,
          target: { queueId: 'sales' },
        })
      else if (roll < 0.36)
        at(e.at + talk, { type: 'endContact', contactId: e.contactId, by: 'customer', agentId: null })
      else at(e.at + talk, { type: 'endContact', contactId: e.contactId, by: 'agent', agentId: e.agentId })
    } else if (e.type === 'ContactEnded' && e.state === 'wrap_up' && e.agentId) {
      const agentId = e.agentId
      // Some agents leave wrap-up to its timer (120 s on support); the rest finish sooner.
      if (rng() < 0.7)
        at(e.at + 5000 + rng() * 60_000, {
          type: 'wrapUp',
          contactId: e.contactId,
          agentId,
          code: 'resolved',
          notes: null,
        })
    }
  }

  // Shifts: staggered logins, one break each, logout at the end.
  AGENTS.forEach((agentId, i) => {
    const channels: Channel[] = agentId === 'agent3' ? ['chat'] : ['chat', 'email']
    const login = o.start + i * 7 * MIN
    const state = (channel: Channel, s: AgentStateKind, reason: string | null = null): Command =>
      agentState(agentId, channel, s, agentId, reason)
    for (const ch of channels) at(login, state(ch, 'ready'))
    const breakAt = o.start + (1.5 + i + rng()) * 3600_000
    at(breakAt, state('chat', 'not_ready', 'Break'))
    at(breakAt + 15 * MIN, state('chat', 'ready'))
    const logout = end - (i + 1) * 5 * MIN
    for (const ch of channels) at(logout, state(ch, 'logged_out'))
  })

  // Customers: Poisson arrivals, two thirds on support; each has a patience.
  let arrivals = 0
  for (let t = o.start + exponential(rng, 3600_000 / o.arrivalsPerHour); t < end - 30 * MIN;) {
    const id = `day-${++arrivals}`
    const entryPointId = rng() < 0.67 ? '1000' : '1001'
    // One in ten gives up within seconds (a short abandon, which service levels leave out).
    const patience = rng() < 0.1 ? 3000 + rng() * 6000 : 20_000 + exponential(rng, 3 * MIN)
    at(t, {
      type: 'admitContact',
      contact: { contactId: id, entryPointId, customer: { name: `Customer ${arrivals}` }, subject: null },
    })
    at(t + patience, { type: 'stopWaiting', contactId: id })
    t += exponential(rng, 3600_000 / o.arrivalsPerHour)
  }

  let nextEvery = o.start + (o.every?.ms ?? Infinity)
  try {
    for (;;) {
      actions.sort((a, b) => a.at - b.at)
      const next = actions.shift()
      if (!next) break
      if (o.every && next.at >= nextEvery) {
        await h.advance(nextEvery - h.time.now())
        await o.every.run()
        nextEvery += o.every.ms
      }
      await h.advance(Math.max(0, next.at - h.time.now()))
      await runtime.run(next.command).catch((e: unknown) => {
        // The day races like a real one: a customer leaves while the agent clicks accept.
        if (!isDomainError(e)) throw e
      })
    }
    await h.advance(Math.max(0, end - h.time.now()))
  } finally {
    unsubscribe()
  }
  return { arrivals }
}
