import type { Channel } from '../channel.js'
import type { Contact } from '../contact.js'
import type { RouterState } from './router-state.js'

// Waiting in line: a new contact's record, its place and timers, and what max wait does to it.

export function blankContact(
  input: {
    contactId: string
    entryPointId: string
    customer: Contact['customer']
    subject: string | null
    priority?: number
    enqueuedAt?: number
    relatedContactId?: string
  },
  queueId: string,
  channel: Channel,
  now: number,
  queuePriority = 0,
): Contact {
  return {
    id: input.contactId,
    channel,
    entryPointId: input.entryPointId,
    queueId,
    state: 'queued',
    priority: input.priority ?? queuePriority,
    customer: input.customer,
    subject: input.subject,
    createdAt: now,
    enqueuedAt: Math.min(input.enqueuedAt ?? now, now),
    queuedAt: now,
    offer: null,
    agentId: null,
    offeredAt: null,
    connectedAt: null,
    endedAt: null,
    endedBy: null,
    wrapUpUntil: null,
    closedAt: null,
    outcomeReason: null,
    wrapUpCode: null,
    wrapUpNotes: null,
    declinedBy: [],
    declineHoldUntil: null,
    messageCount: 0,
    transfers: 0,
    relatedContactId: input.relatedContactId ?? null,
    overflows: 0,
  }
}

/** Puts a contact in its queue's line and sets the timers that can move it later. */
export function enqueue(router: RouterState, c: Contact, now: number): void {
  const q = router.queueOf(c)
  q.add(c, now)
  for (const tier of q.config.tiers) {
    const at = c.enqueuedAt + tier.afterSeconds * 1000
    if (tier.afterSeconds > 0 && at > now) router.schedule(at, 'tier', c.id, q.config.id)
  }
  if (q.config.maxWaitSeconds !== null) {
    router.schedule(Math.max(now, c.queuedAt + q.config.maxWaitSeconds * 1000), 'max_wait', c.id, q.config.id)
  }
}

export function isDeclined(c: Contact, agentId: string, now: number): boolean {
  return c.declinedBy.includes(agentId) && (c.declineHoldUntil ?? 0) > now
}

export function maxWaitReached(router: RouterState, c: Contact, now: number): void {
  const q = router.queueOf(c)
  const target = q.config.overflowQueueId === null ? undefined : router.queues.get(q.config.overflowQueueId)
  q.remove(c.id, now, true)
  if (target) {
    // Overflow keeps the original enqueue time: the contact does not go to the back of the new line.
    const moved = router.saveContact({
      ...c,
      queueId: target.config.id,
      queuedAt: now,
      declinedBy: [],
      declineHoldUntil: null,
      overflows: c.overflows + 1,
    })
    router.emit(
      { type: 'ContactOverflowed', contactId: c.id, fromQueueId: q.config.id, toQueueId: target.config.id },
      now,
    )
    enqueue(router, moved, now)
    router.dispatcher.routeContact(router, c.id, 'requeued', now)
    return
  }
  router.emit({ type: 'ContactTimedOut', contactId: c.id, queueId: q.config.id }, now)
  router.countToday(q, now).timedOut++
  router.saveContact({
    ...c,
    state: 'timed_out',
    endedAt: now,
    endedBy: 'system',
    closedAt: now,
    outcomeReason: 'max_wait',
  })
}
