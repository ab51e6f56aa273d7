import { offerAccepted, offerMissed } from '../agent.js'
import type { Channel } from '../channel.js'
import type { Contact } from '../contact.js'
import { DomainError } from '../errors.js'
import type { RoutingDecision } from './decision.js'
import type { OfferOutcome, RouterState } from './router-state.js'

/** How long an agent who rejected or missed a contact is passed over for it. */
export const DECLINE_HOLD_MS = 60_000

// An offer's life: made to one agent, then accepted, rejected, timed out or taken back.

export function offerTo(
  router: RouterState,
  c: Contact,
  agentId: string,
  decision: RoutingDecision,
  now: number,
): void {
  const q = router.queueOf(c)
  const offerId = router.newId()
  const expiresAt = now + q.config.offerTimeoutSeconds * 1000
  q.remove(c.id, now, false)
  if (q.config.strategy === 'round_robin') q.roundRobinLast = agentId
  router.saveContact({
    ...c,
    state: 'offered',
    offer: { offerId, agentId, offeredAt: now, expiresAt },
    offeredAt: now,
  })
  router.offers.set(offerId, c.id)
  router.adjustTasks(agentId, c.channel, 1, now)
  router.schedule(expiresAt, 'offer', c.id, offerId)
  router.emit(
    {
      type: 'ContactOffered',
      contactId: c.id,
      queueId: q.config.id,
      offerId,
      agentId,
      expiresAt,
      decision,
    },
    now,
  )
}

export function pendingOffer(router: RouterState, offerId: string, agentId: string, now: number): Contact {
  const contactId = router.offers.get(offerId)
  const c = contactId === undefined ? undefined : router.contacts.get(contactId)
  if (!c || c.offer?.offerId !== offerId || c.offer.agentId !== agentId) {
    // Two tabs answering one offer, or an accept that arrives after the timeout: a conflict, not a 404.
    const retired = router.retiredOffer(offerId)
    if (retired?.agentId === agentId) {
      if (retired.outcome === 'timed_out')
        throw new DomainError(
          'OFFER_EXPIRED',
          `offer ${offerId} timed out; the contact went back to its queue`,
        )
      throw new DomainError('OFFER_NOT_PENDING', `offer ${offerId} was already ${retired.outcome}`)
    }
    throw new DomainError('OFFER_NOT_FOUND', `offer ${offerId} is not pending for agent ${agentId}`)
  }
  if (c.offer.expiresAt <= now) throw new DomainError('OFFER_EXPIRED', `offer ${offerId} has expired`)
  return c
}

export function acceptOffer(router: RouterState, offerId: string, agentId: string, now: number): Contact {
  const c = pendingOffer(router, offerId, agentId, now)
  const offer = c.offer as NonNullable<Contact['offer']>
  router.retireOffer(offerId, agentId, 'accepted')
  const agent = router.agentOrThrow(agentId)
  const s = agent.channels.get(c.channel)
  if (s) router.updateChannel(agent, c.channel, offerAccepted(s), now, null)
  const q = router.queueOf(c)
  q.estimator.recordDeparture(now)
  q.estimator.served(c.id, now)
  // Service level counts a contact once, when it is first answered, not again after a transfer.
  if (c.transfers === 0) {
    const today = router.countToday(q, now)
    today.answered++
    if (now - c.enqueuedAt <= q.config.serviceLevelSeconds * 1000) today.answeredInTime++
  }
  q.version++
  router.emit({ type: 'ContactConnected', contactId: c.id, agentId, offerId }, now)
  return router.saveContact({
    ...c,
    state: 'connected',
    offer: null,
    agentId,
    connectedAt: now,
    offeredAt: offer.offeredAt,
  })
}

export function rejectOffer(
  router: RouterState,
  offerId: string,
  agentId: string,
  reason: string | null,
  now: number,
): Contact {
  const c = pendingOffer(router, offerId, agentId, now)
  router.emit({ type: 'OfferRejected', contactId: c.id, offerId, agentId, reason }, now)
  return withdrawOffer(router, c, 'rejected', now)
}

/** Takes an offer back: the agent's slot is freed and the contact returns to its original place. */
export function withdrawOffer(router: RouterState, c: Contact, outcome: OfferOutcome, now: number): Contact {
  const offer = c.offer
  if (!offer) return c
  router.retireOffer(offer.offerId, offer.agentId, outcome)
  const declinedBy = c.declinedBy.includes(offer.agentId) ? c.declinedBy : [...c.declinedBy, offer.agentId]
  const declineHoldUntil = now + DECLINE_HOLD_MS
  const back = router.saveContact({ ...c, state: 'queued', offer: null, declinedBy, declineHoldUntil })
  router.emit({ type: 'ContactRequeued', contactId: c.id, queueId: c.queueId, enqueuedAt: c.enqueuedAt }, now)
  router.queueOf(back).add(back, now)
  router.schedule(declineHoldUntil, 'decline', c.id, offer.agentId)
  // A max wait that passed while the contact was offered fired for nothing: it applies now.
  const q = router.queueOf(back).config
  if (q.maxWaitSeconds !== null && back.queuedAt + q.maxWaitSeconds * 1000 <= now)
    router.schedule(now, 'max_wait', c.id, q.id)
  router.adjustTasks(offer.agentId, c.channel, -1, now)
  router.dispatcher.routeContact(router, c.id, 'requeued', now)
  router.dispatcher.serveAgent(router, offer.agentId, 'agent_available', now)
  return router.contacts.get(c.id) ?? back
}

export function offerTimedOut(router: RouterState, c: Contact, now: number): void {
  const offer = c.offer
  if (!offer) return
  const agent = router.pool.agents.get(offer.agentId)
  const s = agent?.channels.get(c.channel)
  router.emit(
    {
      type: 'OfferTimedOut',
      contactId: c.id,
      offerId: offer.offerId,
      agentId: offer.agentId,
      reason: null,
    },
    now,
  )
  if (agent && s)
    router.updateChannel(
      agent,
      c.channel,
      offerMissed(s, router.queueOf(c).config.notRespondingAfter),
      now,
      null,
    )
  withdrawOffer(router, c, 'timed_out', now)
}

export function rescindOffersOf(
  router: RouterState,
  agentId: string,
  channel: Channel,
  reason: string,
  now: number,
): void {
  // Pending offers are few (at most the free slots), unlike the contacts that wait.
  const pending = [...router.offers.values()].map((id) => router.contacts.get(id))
  for (const c of pending) {
    if (c?.state !== 'offered' || c.offer?.agentId !== agentId || c.channel !== channel) continue
    router.emit({ type: 'OfferRescinded', contactId: c.id, offerId: c.offer.offerId, agentId, reason }, now)
    withdrawOffer(router, c, 'withdrawn', now)
  }
}
