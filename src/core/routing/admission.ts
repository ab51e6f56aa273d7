import type { GateReason } from '../availability.js'
import { estimateWait, gate, rounded } from '../availability.js'
import type { Contact, Customer } from '../contact.js'
import type { ErrorCode } from '../errors.js'
import { DomainError } from '../errors.js'
import type { PostedMessage } from './chat-work.js'
import { postMessage } from './chat-work.js'
import type { RoutingDecision } from './decision.js'
import { offerTo } from './offers.js'
import { blankContact, enqueue } from './queueing.js'
import type { RouterState } from './router-state.js'
import type { QueueRuntime } from './waiting-room.js'

export interface NewContact {
  readonly contactId: string
  readonly entryPointId: string
  readonly customer: Customer
  readonly subject: string | null
  readonly priority?: number
  /**
   * When the customer first lined up, when this contact continues an earlier one (a call from a
   * chat): it keeps that place in the line. Never later than now.
   */
  readonly enqueuedAt?: number
  /** Offered first to this agent when it can take the contact (the agent who has the chat). */
  readonly preferredAgentId?: string
  /** The contact this one continues (the chat a call was asked from); it must be this tenant's. */
  readonly relatedContactId?: string
}

export type ContactAdmission =
  | {
      readonly admitted: true
      readonly contact: Contact
      readonly position: number
      readonly estimatedWaitMs: number | null
    }
  | { readonly admitted: false; readonly contact: Contact; readonly reason: GateReason }

// Every reason an entry point refuses has its error code: a new reason fails compilation here.
const REFUSAL_CODES: Record<GateReason, ErrorCode> = {
  invalid_entry_point: 'ENTRY_POINT_NOT_FOUND',
  entry_point_inactive: 'ENTRY_POINT_INACTIVE',
  outside_business_hours: 'OUTSIDE_BUSINESS_HOURS',
  agent_not_available: 'NO_AGENT_AVAILABLE',
  queue_depth_reached: 'QUEUE_FULL',
  service_not_running: 'SERVICE_NOT_RUNNING',
}

export function refusalError(reason: GateReason): DomainError {
  return new DomainError(REFUSAL_CODES[reason], `the entry point does not take new contacts now: ${reason}`)
}

// How contacts come in: through an entry point's gate, or as a message left for later.

export function admitContact(router: RouterState, input: NewContact, now: number): ContactAdmission {
  const g = gate(router, input.entryPointId, now)
  const ep = router.model.entryPoints.get(input.entryPointId)
  if (!ep || g.reason !== null) {
    const reason = g.reason ?? 'invalid_entry_point'
    if (!ep) throw refusalError(reason)
    // Refusals are recorded as contacts too: reports count the customers turned away.
    const contact = router.saveContact({
      ...blankContact(input, ep.queueId, ep.channel, now),
      state: 'rejected',
      closedAt: now,
      outcomeReason: reason,
    })
    router.emit({ type: 'ContactRefused', contactId: contact.id, entryPointId: ep.id, reason }, now)
    return { admitted: false, contact, reason }
  }
  const queue = router.queues.get(ep.queueId) as QueueRuntime
  const blank = blankContact(input, ep.queueId, ep.channel, now, queue.config.priority)
  const contact =
    input.preferredAgentId === undefined
      ? queueNew(router, blank, now)
      : queueForAgent(router, blank, input.preferredAgentId, now)
  const position = contact.state === 'queued' ? queue.position(contact.id) : 0
  if (position > 0) queue.estimator.noteArrival(contact.id, position, now)
  return {
    admitted: true,
    contact,
    position,
    estimatedWaitMs: position > 0 ? rounded(estimateWait(router, queue, position - 1, now, false)) : 0,
  }
}

/**
 * A message left while the entry point does not take chats: it becomes a contact in the entry
 * point's leave-a-message queue, which agents take when they are free. The gate is not asked:
 * closed and unavailable are exactly when this is used.
 */
export function leaveMessage(
  router: RouterState,
  input: NewContact,
  text: string,
  now: number,
): { contact: Contact; message: PostedMessage } {
  const ep = router.model.entryPoints.get(input.entryPointId)
  if (!ep) throw refusalError('invalid_entry_point')
  if (!ep.active) throw refusalError('entry_point_inactive')
  const queue = ep.leaveMessageQueueId === null ? undefined : router.queues.get(ep.leaveMessageQueueId)
  if (!queue) throw new DomainError('LEAVE_MESSAGE_DISABLED', `entry point ${ep.id} does not take messages`)
  const blank = blankContact(input, queue.config.id, queue.config.channel, now, queue.config.priority)
  announce(router, blank, now)
  // The message is part of the contact before anyone can be offered it.
  const message = postMessage(router, blank.id, 'customer', null, text, now)
  return { contact: lineUp(router, router.contacts.get(blank.id) ?? blank, now), message }
}

function queueNew(router: RouterState, contact: Contact, now: number): Contact {
  announce(router, contact, now)
  return lineUp(router, contact, now)
}

/** In line, offered at once to `agentId` when it can take it; else routed as any other. */
function queueForAgent(router: RouterState, contact: Contact, agentId: string, now: number): Contact {
  const agent = router.pool.agents.get(agentId)
  if (!agent || !router.pool.canTakeNew(agent, contact.channel)) return queueNew(router, contact, now)
  announce(router, contact, now)
  enqueue(router, contact, now)
  const decision: RoutingDecision = {
    trigger: 'contact_arrived',
    strategy: router.queueOf(contact).config.strategy,
    tier: 0,
    rule: 'preferred agent: the one already serving this customer',
    candidates: [{ agentId, key: [] }],
    chosenAgentId: agentId,
    waitedMs: now - contact.enqueuedAt,
  }
  offerTo(router, router.contacts.get(contact.id) ?? contact, agentId, decision, now)
  return router.contacts.get(contact.id) ?? contact
}

function announce(router: RouterState, contact: Contact, now: number): void {
  router.saveContact(contact)
  router.emit(
    {
      type: 'ContactQueued',
      contactId: contact.id,
      queueId: contact.queueId,
      entryPointId: contact.entryPointId,
      channel: contact.channel,
      enqueuedAt: contact.enqueuedAt,
      priority: contact.priority,
      customer: contact.customer,
      subject: contact.subject,
      ...(contact.relatedContactId === null ? {} : { relatedContactId: contact.relatedContactId }),
    },
    now,
  )
}

function lineUp(router: RouterState, contact: Contact, now: number): Contact {
  enqueue(router, contact, now)
  router.dispatcher.routeContact(router, contact.id, 'contact_arrived', now)
  return router.contacts.get(contact.id) ?? contact
}
