import type { AgentChannelState } from '../agent.js'
import { offerMissed } from '../agent.js'
import type { Channel } from '../channel.js'
import type { Contact } from '../contact.js'
import { DomainError } from '../errors.js'
import type { RoutingDecision } from './decision.js'
import type { OfferOutcome, QueueEstimate, Trigger } from './router-core.js'
import { RouterCore } from './router-core.js'

/** How long an agent who rejected or missed a contact is passed over for it. */
export const DECLINE_HOLD_MS = 60_000

/** The contact state machine: queued → offered → connected → wrap_up → closed, and the exits. */
export abstract class ContactLifecycle extends RouterCore {
  protected abstract routeContact(contactId: string, trigger: Trigger, now: number): boolean
  protected abstract serveAgent(agentId: string, trigger: Trigger, now: number): void

  protected blankContact(
    input: {
      contactId: string
      entryPointId: string
      customer: Contact['customer']
      subject: string | null
      priority?: number
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
      enqueuedAt: now,
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
      overflows: 0,
    }
  }

  /** Puts a contact in its queue's line and sets the timers that can move it later. */
  protected enqueue(c: Contact, now: number): void {
    const q = this.queueOf(c)
    q.add(c, now)
    for (const tier of q.config.tiers) {
      const at = c.enqueuedAt + tier.afterSeconds * 1000
      if (tier.afterSeconds > 0 && at > now) this.schedule(at, 'tier', c.id, q.config.id)
    }
    if (q.config.maxWaitSeconds !== null) {
      this.schedule(Math.max(now, c.queuedAt + q.config.maxWaitSeconds * 1000), 'max_wait', c.id, q.config.id)
    }
  }

  protected isDeclined(c: Contact, agentId: string, now: number): boolean {
    return c.declinedBy.includes(agentId) && (c.declineHoldUntil ?? 0) > now
  }

  protected offerTo(c: Contact, agentId: string, decision: RoutingDecision, now: number): void {
    const q = this.queueOf(c)
    const offerId = this.newId()
    const expiresAt = now + q.config.offerTimeoutSeconds * 1000
    q.remove(c.id, now, false)
    if (q.config.strategy === 'round_robin') q.roundRobinLast = agentId
    this.saveContact({
      ...c,
      state: 'offered',
      offer: { offerId, agentId, offeredAt: now, expiresAt },
      offeredAt: now,
    })
    this.offers.set(offerId, c.id)
    this.adjustTasks(agentId, c.channel, 1, now)
    this.schedule(expiresAt, 'offer', c.id, offerId)
    this.emit(
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

  protected pendingOffer(offerId: string, agentId: string, now: number): Contact {
    const contactId = this.offers.get(offerId)
    const c = contactId === undefined ? undefined : this.contacts.get(contactId)
    if (!c || c.offer?.offerId !== offerId || c.offer.agentId !== agentId) {
      // Two tabs answering one offer, or an accept that arrives after the timeout: a conflict, not a 404.
      const retired = this.retiredOffer(offerId)
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

  /** Takes an offer back: the agent's slot is freed and the contact returns to its original place. */
  protected withdrawOffer(c: Contact, outcome: OfferOutcome, now: number): Contact {
    const offer = c.offer
    if (!offer) return c
    this.retireOffer(offer.offerId, offer.agentId, outcome)
    const declinedBy = c.declinedBy.includes(offer.agentId) ? c.declinedBy : [...c.declinedBy, offer.agentId]
    const declineHoldUntil = now + DECLINE_HOLD_MS
    const back = this.saveContact({ ...c, state: 'queued', offer: null, declinedBy, declineHoldUntil })
    this.emit({ type: 'ContactRequeued', contactId: c.id, queueId: c.queueId, enqueuedAt: c.enqueuedAt }, now)
    this.queueOf(back).add(back, now)
    this.schedule(declineHoldUntil, 'decline', c.id, offer.agentId)
    // A max wait that passed while the contact was offered fired for nothing: it applies now.
    const q = this.queueOf(back).config
    if (q.maxWaitSeconds !== null && back.queuedAt + q.maxWaitSeconds * 1000 <= now)
      this.schedule(now, 'max_wait', c.id, q.id)
    this.adjustTasks(offer.agentId, c.channel, -1, now)
    this.routeContact(c.id, 'requeued', now)
    this.serveAgent(offer.agentId, 'agent_available', now)
    return this.contacts.get(c.id) ?? back
  }

  protected offerTimedOut(c: Contact, now: number): void {
    const offer = c.offer
    if (!offer) return
    const agent = this.pool.agents.get(offer.agentId)
    const s = agent?.channels.get(c.channel)
    this.emit(
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
      this.updateChannel(
        agent,
        c.channel,
        offerMissed(s, this.queueOf(c).config.notRespondingAfter),
        now,
        null,
      )
    this.withdrawOffer(c, 'timed_out', now)
  }

  protected rescindOffersOf(agentId: string, channel: Channel, reason: string, now: number): void {
    // Pending offers are few (at most the free slots), unlike the contacts that wait.
    const pending = [...this.offers.values()].map((id) => this.contacts.get(id))
    for (const c of pending) {
      if (c?.state !== 'offered' || c.offer?.agentId !== agentId || c.channel !== channel) continue
      this.emit({ type: 'OfferRescinded', contactId: c.id, offerId: c.offer.offerId, agentId, reason }, now)
      this.withdrawOffer(c, 'withdrawn', now)
    }
  }

  protected maxWaitReached(c: Contact, now: number): void {
    const q = this.queueOf(c)
    const target = q.config.overflowQueueId === null ? undefined : this.queues.get(q.config.overflowQueueId)
    q.remove(c.id, now, true)
    if (target) {
      // Overflow keeps the original enqueue time: the contact does not go to the back of the new line.
      const moved = this.saveContact({
        ...c,
        queueId: target.config.id,
        queuedAt: now,
        declinedBy: [],
        declineHoldUntil: null,
        overflows: c.overflows + 1,
      })
      this.emit(
        { type: 'ContactOverflowed', contactId: c.id, fromQueueId: q.config.id, toQueueId: target.config.id },
        now,
      )
      this.enqueue(moved, now)
      this.routeContact(c.id, 'requeued', now)
      return
    }
    this.emit({ type: 'ContactTimedOut', contactId: c.id, queueId: q.config.id }, now)
    this.countToday(q, now).timedOut++
    this.saveContact({
      ...c,
      state: 'timed_out',
      endedAt: now,
      endedBy: 'system',
      closedAt: now,
      outcomeReason: 'max_wait',
    })
  }

  /**
   * Rebuilds memory after a restart, a configuration change or a storage recovery from what was
   * committed. Agents come back in the state they were in, contacts with their place and enqueue
   * time, and every timer (offer timeout, decline hold, wrap-up, tiers, max wait) fires when it
   * would have without the rebuild. An offer whose agent can no longer take it is taken back.
   */
  restore(
    agents: readonly { readonly agentId: string; readonly channels: readonly AgentChannelState[] }[],
    contacts: readonly Contact[],
    now: number,
    more: { readonly estimates?: readonly QueueEstimate[] } = {},
  ): void {
    for (const rec of agents) {
      const agent = this.pool.agents.get(rec.agentId)
      for (const s of rec.channels) {
        const configured = agent?.channels.get(s.channel)
        // Capacity comes from the current configuration; the count from the contacts below.
        if (agent && configured) {
          agent.channels.set(s.channel, {
            ...s,
            maxTasks: configured.maxTasks,
            exclusive: configured.exclusive,
            // A device's reachability is not restored: its channel reports it again (a phone
            // registration is checked anew after a restart).
            reachable: configured.reachable,
            activeTasks: 0,
          })
        }
      }
    }
    let rescinded = 0
    for (const stored of [...contacts].sort(
      (a, b) => a.enqueuedAt - b.enqueuedAt || (a.id < b.id ? -1 : 1),
    )) {
      let c = stored
      if (!this.queues.has(c.queueId)) {
        // Said as an event too: reports and webhooks would otherwise keep it open for ever.
        this.emit({ type: 'ContactTimedOut', contactId: c.id, queueId: c.queueId }, now)
        this.saveContact({
          ...c,
          state: 'timed_out',
          closedAt: now,
          endedBy: 'system',
          outcomeReason: 'queue_removed',
        })
        continue
      }
      const offer = c.offer
      if (c.state === 'offered' && offer) {
        // An offer survives the rebuild while its agent can still take it: the agent's client
        // still shows it, and it times out when it would have. Otherwise it is taken back.
        const s = this.pool.agents.get(offer.agentId)?.channels.get(c.channel)
        if (s?.state === 'ready') {
          this.contacts.set(c.id, c)
          this.offers.set(offer.offerId, c.id)
          this.schedule(offer.expiresAt, 'offer', c.id, offer.offerId)
          this.pool.agents
            .get(offer.agentId)
            ?.channels.set(c.channel, { ...s, activeTasks: s.activeTasks + 1 })
          continue
        }
        rescinded++
        this.emit(
          {
            type: 'OfferRescinded',
            contactId: c.id,
            offerId: offer.offerId,
            agentId: offer.agentId,
            reason: 'restart',
          },
          now,
        )
        c = this.saveContact({ ...c, state: 'queued', offer: null })
      }
      this.contacts.set(c.id, c)
      if (c.state === 'queued') {
        this.enqueue(c, now)
        if (c.declineHoldUntil !== null && c.declineHoldUntil > now && c.declinedBy.length > 0)
          this.schedule(c.declineHoldUntil, 'decline', c.id, '')
      } else if (c.agentId) {
        const agent = this.pool.agents.get(c.agentId)
        const s = agent?.channels.get(c.channel)
        if (agent && s) agent.channels.set(c.channel, { ...s, activeTasks: s.activeTasks + 1 })
        if (c.state === 'wrap_up' && c.wrapUpUntil !== null) this.schedule(c.wrapUpUntil, 'wrap_up', c.id, '')
      }
    }
    for (const e of more.estimates ?? []) {
      const q = this.queues.get(e.queueId)
      if (!q) continue
      q.estimator.restore(e.state, new Set(q.waiting.ids()))
      q.estimator.onLength(q.waiting.size, now)
    }
    for (const agent of this.pool.agents.values()) this.pool.reindex(agent)
    for (const q of this.queues.values()) q.version++
    this.emit({ type: 'RouterRestored', contacts: this.contacts.size, rescindedOffers: rescinded }, now)
    for (const agentId of this.pool.agents.keys()) this.serveAgent(agentId, 'agent_available', now)
  }
}
