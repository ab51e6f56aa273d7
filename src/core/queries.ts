import type { AgentChannelState } from './agent.js'
import type { QueueStats } from './availability.js'
import { contactWait, queueStats } from './availability.js'
import type { Channel } from './channel.js'
import type { Contact, ContactState } from './contact.js'
import type { FloorSnapshot } from './floor.js'
import { floorSnapshot } from './floor.js'
import type { PooledAgent } from './routing/agent-pool.js'
import type { Router } from './routing/router.js'
import type { AgentProfile, EntryPoint } from './tenant-config.js'

/**
 * Every read of a tenant's router by name, answered with plain JSON: like a command, a query can
 * be asked of the router in this process or of the tenant's owner on another node.
 */
export type Query =
  | { readonly type: 'contact'; readonly contactId: string }
  | { readonly type: 'agent'; readonly agentId: string }
  | { readonly type: 'agents' }
  /** A queued contact's place in line and expected wait. */
  | { readonly type: 'contactWait'; readonly contactId: string }
  | { readonly type: 'queueStats'; readonly queueId: string }
  | { readonly type: 'floor' }
  | { readonly type: 'entryPoint'; readonly entryPointId: string }
  /** Open contacts, narrowed by any of: the agent who has or is offered them, channel, state. */
  | {
      readonly type: 'contacts'
      readonly agentId?: string
      readonly channel?: Channel
      readonly state?: ContactState
    }
  /** The contact an offer is for. */
  | { readonly type: 'offer'; readonly offerId: string }
  /** Whether the entry point's calendar has it open now (an unknown entry point counts as open). */
  | { readonly type: 'openNow'; readonly entryPointId: string }
  /** Every queue's statistics, with its name. */
  | { readonly type: 'queues' }

/** An agent and its state on each channel it works. */
export interface AgentSnapshot {
  readonly profile: AgentProfile
  readonly channels: Readonly<Partial<Record<Channel, AgentChannelState>>>
}

export interface QueryResults {
  readonly contact: Contact | null
  readonly agent: AgentSnapshot | null
  readonly agents: readonly AgentSnapshot[]
  readonly contactWait: { readonly position: number; readonly estimatedWaitMs: number | null } | null
  readonly queueStats: QueueStats | null
  readonly floor: FloorSnapshot
  readonly entryPoint: EntryPoint | null
  readonly contacts: readonly Contact[]
  readonly offer: Contact | null
  readonly openNow: boolean
  readonly queues: readonly (QueueStats & { readonly name: string })[]
}

export type AnswerOf<Q extends Query> = QueryResults[Q['type']]

const snapshot = (a: PooledAgent): AgentSnapshot => ({
  profile: a.profile,
  channels: Object.fromEntries(a.channels),
})

type Answers = {
  readonly [K in Query['type']]: (
    router: Router,
    query: Extract<Query, { readonly type: K }>,
    now: number,
  ) => QueryResults[K]
}

const ANSWERS: Answers = {
  contact: (r, q) => r.contacts.get(q.contactId) ?? null,
  agent: (r, q) => {
    const a = r.pool.agents.get(q.agentId)
    return a ? snapshot(a) : null
  },
  agents: (r) => [...r.pool.agents.values()].map(snapshot),
  contactWait: (r, q, now) => contactWait(r, q.contactId, now) ?? null,
  queueStats: (r, q, now) => queueStats(r, q.queueId, now) ?? null,
  floor: (r, _, now) => floorSnapshot(r, now),
  entryPoint: (r, q) => r.model.entryPoints.get(q.entryPointId) ?? null,
  contacts: (r, q) =>
    [...r.contacts.values()].filter(
      (c) =>
        (q.agentId === undefined || c.agentId === q.agentId || c.offer?.agentId === q.agentId) &&
        (q.channel === undefined || c.channel === q.channel) &&
        (q.state === undefined || c.state === q.state),
    ),
  offer: (r, q) => {
    const contactId = r.offers.get(q.offerId)
    return (contactId !== undefined && r.contacts.get(contactId)) || null
  },
  openNow: (r, q, now) => {
    const ep = r.model.entryPoints.get(q.entryPointId)
    return !ep || r.openNow(ep.calendarId, now).open
  },
  queues: (r, _, now) =>
    [...r.queues.values()].flatMap((queue) => {
      const stats = queueStats(r, queue.config.id, now)
      return stats ? [{ ...stats, name: queue.config.name }] : []
    }),
}

/** Answers one query from the router's memory. */
export function answerQuery<Q extends Query>(router: Router, query: Q, now: number): AnswerOf<Q> {
  // One answer per query type (Answers checks each): TypeScript cannot pair them up by itself.
  const answer = ANSWERS[query.type] as unknown as (r: Router, q: Q, now: number) => AnswerOf<Q>
  return answer(router, query, now)
}
