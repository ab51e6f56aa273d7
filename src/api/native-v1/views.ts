import type { AgentSnapshot } from '../../core/queries.js'
import type { AgentChannelState } from '../../core/agent.js'
import { isRoutable } from '../../core/agent.js'
import type { EntryPointStatus, QueueStats } from '../../core/availability.js'
import type { Contact } from '../../core/contact.js'
import type { DomainEvent } from '../../core/events.js'

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())
const seconds = (ms: number): number => Math.round(ms / 1000)

/**
 * An estimated wait as the native API gives it: seconds, or null with the reason when nobody
 * can serve the queue (any number would be a promise nobody keeps).
 */
export function waitView(ms: number | null): {
  estimatedWaitSeconds: number | null
  estimatedWaitReason: 'nobody_can_serve' | null
} {
  return ms === null
    ? { estimatedWaitSeconds: null, estimatedWaitReason: 'nobody_can_serve' }
    : { estimatedWaitSeconds: Math.max(0, Math.round(ms / 1000)), estimatedWaitReason: null }
}

export function channelView(s: AgentChannelState) {
  return {
    state: s.state,
    reason: s.reason,
    routable: isRoutable(s),
    notResponding: s.notResponding,
    // A voice channel's phone is registered (always true where no device is needed).
    reachable: s.reachable,
    activeTasks: s.activeTasks,
    maxTasks: s.maxTasks,
    since: iso(s.since),
  }
}

export function agentView({ profile, channels }: AgentSnapshot) {
  return {
    id: profile.id,
    name: profile.name,
    channels: Object.fromEntries(Object.entries(channels).map(([ch, s]) => [ch, channelView(s)])),
  }
}

const TIME_FIELDS = new Set(['at', 'expiresAt', 'enqueuedAt', 'wrapUpUntil'])

function isoTimes(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(isoTimes)
  if (v === null || typeof v !== 'object') return v
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v))
    out[k] = TIME_FIELDS.has(k) && typeof x === 'number' ? iso(x) : isoTimes(x)
  return out
}

/** Events as the API shows them: epoch fields as ISO-8601, at any depth. */
export function eventView(e: DomainEvent): Record<string, unknown> {
  const { tenantId: _tenant, ...rest } = e
  return isoTimes(rest) as Record<string, unknown>
}

/** What a customer may see of their own contact's events: no routing internals, agents by name. */
export function customerEventView(
  e: DomainEvent,
  agentName: (id: string | null) => string | null,
): Record<string, unknown> | undefined {
  const base = { seq: e.seq, type: e.type, at: iso(e.at) }
  switch (e.type) {
    case 'ContactQueued':
    case 'ContactRequeued':
    case 'ContactOverflowed':
    case 'ContactTimedOut':
      return base
    case 'ContactConnected':
      return { ...base, agentName: agentName(e.agentId) }
    case 'MessagePosted':
      return {
        ...base,
        messageId: e.messageId,
        messageSeq: e.messageSeq,
        from: e.from,
        agentName: e.from === 'agent' ? agentName(e.agentId) : null,
        text: e.text,
        // Events stored before attachments existed have neither field.
        attachment: e.attachment ?? null,
        clientMessageId: e.clientMessageId ?? null,
      }
    case 'MessagesRead':
      return { ...base, by: e.by, upToSeq: e.upToSeq }
    case 'ContactEnded':
      return { ...base, by: e.by }
    case 'ContactTransferred':
      return base
    // Routing internals and agent state stay inside the contact center.
    case 'AgentStateChanged':
    case 'ContactClosed':
    case 'ContactOffered':
    case 'ContactRefused':
    case 'OfferRejected':
    case 'OfferRescinded':
    case 'OfferTimedOut':
    case 'RouterRestored':
      return undefined
  }
}

export function contactView(c: Contact) {
  return {
    id: c.id,
    channel: c.channel,
    state: c.state,
    entryPointId: c.entryPointId,
    queueId: c.queueId,
    priority: c.priority,
    customer: c.customer,
    subject: c.subject,
    agentId: c.agentId,
    offer: c.offer && {
      offerId: c.offer.offerId,
      agentId: c.offer.agentId,
      expiresAt: iso(c.offer.expiresAt),
    },
    createdAt: iso(c.createdAt),
    enqueuedAt: iso(c.enqueuedAt),
    offeredAt: iso(c.offeredAt),
    connectedAt: iso(c.connectedAt),
    endedAt: iso(c.endedAt),
    endedBy: c.endedBy,
    wrapUpUntil: iso(c.wrapUpUntil),
    closedAt: iso(c.closedAt),
    outcomeReason: c.outcomeReason,
    wrapUp:
      c.wrapUpCode === null && c.wrapUpNotes === null ? null : { code: c.wrapUpCode, notes: c.wrapUpNotes },
    transfers: c.transfers,
    overflows: c.overflows,
    relatedContactId: c.relatedContactId,
  }
}

export function statusView(s: EntryPointStatus) {
  return {
    allowed: s.allowed,
    reason: s.reason,
    agentsAvailable: s.agentsAvailable,
    availableSlots: s.availableSlots,
    queueDepth: s.queueDepth,
    ...waitView(s.estimatedWaitMs),
    open: s.open,
    nextOpenAt: iso(s.nextOpenAt),
  }
}

/** The status while the tenant's router is not running: nothing can be promised. */
export function notRunningView(): ReturnType<typeof statusView> {
  return {
    allowed: false,
    reason: 'service_not_running',
    agentsAvailable: 0,
    availableSlots: 0,
    queueDepth: 0,
    ...waitView(null),
    open: false,
    nextOpenAt: null,
  }
}

export function queueStatsView(s: QueueStats) {
  return {
    queueId: s.queueId,
    waiting: s.waiting,
    oldestWaitSeconds: seconds(s.oldestWaitMs),
    agentsReady: s.agentsReady,
    agentsBusy: s.agentsBusy,
    availableSlots: s.availableSlots,
    ...waitView(s.estimatedWaitMs),
    serviceLevel: s.serviceLevel,
  }
}
