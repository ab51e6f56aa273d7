import type { OpenState } from './calendar.js'
import type { RouterState } from './routing/router-state.js'
import type { QueueRuntime } from './routing/waiting-room.js'

/** Why an entry point refuses new contacts. The ECE dialect folds outside_business_hours into "other". */
export type GateReason =
  | 'invalid_entry_point'
  | 'entry_point_inactive'
  | 'outside_business_hours'
  | 'agent_not_available'
  | 'queue_depth_reached'
  | 'service_not_running'

/**
 * ECE checkEligibility: 0 the queue can take a new contact, 1 no agent is logged in and ready to
 * ever serve it, 2 the queue is at its max depth.
 */
export type Eligibility = 0 | 1 | 2

export interface QueueAvailability {
  /** Ready, routable agents of the queue's skill groups (every tier) with a free slot now. */
  readonly agentsAvailable: number
  /** Ready, routable agents of those groups, free or not. */
  readonly agentsReady: number
  /** Agents of those groups logged in (ready or not) with at least one contact. */
  readonly agentsBusy: number
  /** Σ (max − active) over the ready agents that can take a contact now. */
  readonly availableSlots: number
  readonly staffedSlots: number
}

export interface EntryPointStatus {
  readonly entryPointId: string
  readonly queueId: string | null
  readonly active: boolean
  readonly open: boolean
  readonly nextOpenAt: number | null
  readonly agentsAvailable: number
  readonly availableSlots: number
  readonly queueDepth: number
  /** Null: nobody can serve the queue now, so no wait can be promised. */
  readonly estimatedWaitMs: number | null
  readonly eligibility: Eligibility
  readonly allowed: boolean
  readonly reason: GateReason | null
  /** The answer may change by itself (time passes) at this instant at the latest. */
  readonly validUntil: number
}

/** Counted over the skill groups of the queue, never over the whole channel (the ECE 11.6 defect). */
export function queueAvailability(router: RouterState, queueId: string): QueueAvailability {
  const q = router.queues.get(queueId)
  const seen = new Set<string>()
  let agentsAvailable = 0
  let agentsBusy = 0
  let availableSlots = 0
  let staffedSlots = 0
  if (!q) return { agentsAvailable, agentsReady: 0, agentsBusy, availableSlots, staffedSlots }
  const channel = q.config.channel
  for (const gid of router.model.groupsOf(queueId)) {
    for (const agentId of router.pool.readyMembers(gid)) {
      if (seen.has(agentId)) continue
      seen.add(agentId)
      const agent = router.pool.agents.get(agentId)
      const s = agent?.channels.get(channel)
      if (!agent || !s) continue
      staffedSlots += s.maxTasks
      // Slots of an agent held by an exclusive task (a call) on another channel are not free.
      if (router.pool.canTakeNew(agent, channel)) {
        agentsAvailable++
        availableSlots += s.maxTasks - s.activeTasks
      }
    }
  }
  // Busy agents may be not ready (finishing work), so they are counted over members, not ready sets.
  const members = new Set<string>()
  for (const gid of router.model.groupsOf(queueId)) {
    for (const agentId of Object.keys(router.model.groups.get(gid)?.members ?? {})) members.add(agentId)
  }
  for (const agentId of members) {
    const s = router.pool.agents.get(agentId)?.channels.get(channel)
    if (s && s.state !== 'logged_out' && s.activeTasks > 0) agentsBusy++
  }
  return { agentsAvailable, agentsReady: seen.size, agentsBusy, availableSlots, staffedSlots }
}

const STALE_MS = 1000

export interface Gate {
  readonly reason: GateReason | null
  readonly eligibility: Eligibility
  readonly queue: QueueRuntime | undefined
  readonly hours: OpenState
}

/**
 * May a new contact come in? Cheap enough for every arrival: O(skill groups of the queue), no
 * walk over agents. The rules, in order: unknown entry point; inactive; outside business hours;
 * no ready agent in any skill group of the queue (eligibility 1); queue at max depth (2).
 */
export function gate(router: RouterState, entryPointId: string, now: number): Gate {
  const ep = router.model.entryPoints.get(entryPointId)
  const queue = ep ? router.queues.get(ep.queueId) : undefined
  if (!ep || !queue)
    return {
      reason: 'invalid_entry_point',
      eligibility: 1,
      queue: undefined,
      hours: { open: false, nextChangeAt: null },
    }
  const hours = router.openNow(ep.calendarId, now)
  const someoneReady = router.model
    .groupsOf(queue.config.id)
    .some((g) => router.pool.readyMembers(g).size > 0)
  const maxDepth = queue.config.maxDepth
  const reason: GateReason | null = !ep.active
    ? 'entry_point_inactive'
    : !hours.open
      ? 'outside_business_hours'
      : !someoneReady
        ? 'agent_not_available'
        : maxDepth !== null && queue.waiting.size >= maxDepth
          ? 'queue_depth_reached'
          : null
  return { reason, eligibility: eligibilityOf(reason), queue, hours }
}

/**
 * ECE's responseType, from the one reason that also answers chatAllowed: 0 only when a chat may
 * start, 2 at the queue's max depth, and 1 (no new chat will be handled) for every other refusal,
 * an inactive or closed entry point included.
 */
export function eligibilityOf(reason: GateReason | null): Eligibility {
  return reason === null ? 0 : reason === 'queue_depth_reached' ? 2 : 1
}

/**
 * Someone could serve the queue's contacts: a member of its skill groups ready on its channel,
 * or busy there (a contact in hand ends). Agents all signed out or away give no basis for a wait.
 */
export function someoneServes(router: RouterState, queueId: string): boolean {
  const channel = router.queues.get(queueId)?.config.channel
  for (const gid of router.model.groupsOf(queueId)) {
    if (router.pool.readyMembers(gid).size > 0) return true
    for (const agentId of Object.keys(router.model.groups.get(gid)?.members ?? {})) {
      const s = channel && router.pool.agents.get(agentId)?.channels.get(channel)
      if (s && s.state !== 'logged_out' && s.activeTasks > 0) return true
    }
  }
  return false
}

/**
 * Expected wait (ms) of a contact with `ahead` contacts in front of it in this queue; null when
 * nobody can serve it (no finite wait can be promised).
 */
export function estimateWait(
  router: RouterState,
  q: QueueRuntime,
  ahead: number,
  now: number,
  freeNow: boolean,
): number | null {
  if (!someoneServes(router, q.config.id)) return null
  const oldest = q.oldestEnqueuedAt()
  return q.estimator.estimate(
    ahead,
    now,
    freeNow,
    oldest === null ? null : now - oldest,
    () => queueAvailability(router, q.config.id).staffedSlots,
  )
}

/** What the status of an entry point the tenant does not have says. */
export function unknownEntryPointStatus(entryPointId: string): EntryPointStatus {
  return {
    entryPointId,
    queueId: null,
    active: false,
    open: false,
    nextOpenAt: null,
    agentsAvailable: 0,
    availableSlots: 0,
    queueDepth: 0,
    estimatedWaitMs: 0,
    eligibility: 1,
    allowed: false,
    reason: 'invalid_entry_point',
    validUntil: Number.POSITIVE_INFINITY,
  }
}

export function entryPointStatus(router: RouterState, entryPointId: string, now: number): EntryPointStatus {
  const g = gate(router, entryPointId, now)
  const q = g.queue
  if (!q) return unknownEntryPointStatus(entryPointId)
  const avail = queueAvailability(router, q.config.id)
  return {
    entryPointId,
    queueId: q.config.id,
    active: g.reason !== 'entry_point_inactive',
    open: g.hours.open,
    nextOpenAt: g.hours.open ? null : g.hours.nextChangeAt,
    agentsAvailable: avail.agentsAvailable,
    availableSlots: avail.availableSlots,
    queueDepth: q.waiting.size,
    estimatedWaitMs: rounded(estimateWait(router, q, q.waiting.size, now, avail.agentsAvailable > 0)),
    eligibility: g.eligibility,
    allowed: g.reason === null,
    reason: g.reason,
    validUntil: Math.min(now + STALE_MS, g.hours.nextChangeAt ?? Number.POSITIVE_INFINITY),
  }
}

export interface QueueStats {
  readonly queueId: string
  readonly waiting: number
  readonly oldestWaitMs: number
  readonly agentsReady: number
  readonly agentsBusy: number
  readonly availableSlots: number
  readonly estimatedWaitMs: number | null
  /** Today's share answered within the threshold, of those answered, abandoned past the short threshold or timed out; null before any contact. */
  readonly serviceLevel: number | null
}

export function queueStats(router: RouterState, queueId: string, now: number): QueueStats | undefined {
  const q = router.queues.get(queueId)
  if (!q) return undefined
  const avail = queueAvailability(router, queueId)
  const oldest = q.oldestEnqueuedAt()
  const oldestWaitMs = oldest === null ? 0 : now - oldest
  const t = router.countToday(q, now)
  const counted = t.answered + t.abandoned - t.abandonedShort + t.timedOut
  return {
    queueId,
    waiting: q.waiting.size,
    oldestWaitMs,
    agentsReady: avail.agentsReady,
    agentsBusy: avail.agentsBusy,
    availableSlots: avail.availableSlots,
    estimatedWaitMs: rounded(estimateWait(router, q, q.waiting.size, now, avail.agentsAvailable > 0)),
    serviceLevel: counted > 0 ? t.answeredInTime / counted : null,
  }
}

/** A waiting contact's place in line and expected remaining wait. */
export function contactWait(
  router: RouterState,
  contactId: string,
  now: number,
): { readonly position: number; readonly estimatedWaitMs: number | null } | undefined {
  const c = router.contacts.get(contactId)
  const q = c && c.state === 'queued' ? router.queues.get(c.queueId) : undefined
  if (!c || !q) return undefined
  const position = q.position(contactId)
  return { position, estimatedWaitMs: rounded(estimateWait(router, q, position - 1, now, false)) }
}

export const rounded = (ms: number | null): number | null => (ms === null ? null : Math.round(ms))
