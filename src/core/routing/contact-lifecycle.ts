import { offerMissed } from '../agent.js'
import type { Channel } from '../channel.js'
import type { Contact } from '../contact.js'
import { DomainError } from '../errors.js'
import type { RoutingDecision } from './decision.js'
import type { Trigger } from './router-core.js'
import { RouterCore } from './router-core.js'

/** How long an agent who rejected or missed a contact is passed over for it. */
export const DECLINE_HOLD_MS = 60_000

export type TransferTarget = { readonly queueId: string } | { readonly agentId: string }

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
    return c.declinedBy.includes(agentId) && (c.offeredAt ?? 0) + DECLINE_HOLD_MS > now
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
      throw new DomainError('OFFER_NOT_FOUND', `offer ${offerId} is not pending for agent ${agentId}`)
    }
    if (c.offer.expiresAt <= now) throw new DomainError('OFFER_EXPIRED', `offer ${offerId} has expired`)
    return c
  }

  /** Takes an offer back: the agent's slot is freed and the contact returns to its original place. */
  protected withdrawOffer(c: Contact, trigger: Trigger, now: number): Contact {
    const offer = c.offer
    if (!offer) return c
    this.offers.delete(offer.offerId)
    const declinedBy = c.declinedBy.includes(offer.agentId) ? c.declinedBy : [...c.declinedBy, offer.agentId]
    const back = this.saveContact({ ...c, state: 'queued', offer: null, declinedBy })
    this.emit({ type: 'ContactRequeued', contactId: c.id, queueId: c.queueId, enqueuedAt: c.enqueuedAt }, now)
    this.queueOf(back).add(back, now)
    this.schedule(now + DECLINE_HOLD_MS, 'decline', c.id, offer.agentId)
    this.adjustTasks(offer.agentId, c.channel, -1, now)
    this.routeContact(c.id, trigger, now)
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
    this.withdrawOffer(c, 'requeued', now)
  }

  protected rescindOffersOf(agentId: string, channel: Channel, reason: string, now: number): void {
    for (const c of [...this.contacts.values()]) {
      if (c.state !== 'offered' || c.offer?.agentId !== agentId || c.channel !== channel) continue
      this.emit({ type: 'OfferRescinded', contactId: c.id, offerId: c.offer.offerId, agentId, reason }, now)
      this.withdrawOffer(c, 'requeued', now)
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
    this.saveContact({
      ...c,
      state: 'timed_out',
      endedAt: now,
      endedBy: 'system',
      closedAt: now,
      outcomeReason: 'max_wait',
    })
  }

  endContact(contactId: string, by: 'agent' | 'customer', agentId: string | null, now: number): Contact {
    const c = this.contactOrThrow(contactId)
    if (by === 'agent' && c.agentId !== agentId)
      throw new DomainError('NOT_ASSIGNED_AGENT', 'the contact is not assigned to you')
    switch (c.state) {
      case 'queued':
      case 'offered':
        return this.abandon(c, now)
      case 'connected': {
        const q = this.queueOf(c)
        const wrap = q.config.wrapUpSeconds
        const wrapUpUntil = wrap === null ? null : now + wrap * 1000
        if (c.connectedAt !== null) q.estimator.recordHandle(now - c.connectedAt)
        const ended = this.saveContact({ ...c, state: 'wrap_up', endedAt: now, endedBy: by, wrapUpUntil })
        this.emit(
          { type: 'ContactEnded', contactId, agentId: c.agentId, by, state: 'wrap_up', wrapUpUntil },
          now,
        )
        if (wrap === 0) return this.close(ended, null, null, true, now)
        if (wrapUpUntil !== null) this.schedule(wrapUpUntil, 'wrap_up', contactId, '')
        return ended
      }
      case 'wrap_up':
      case 'closed':
      case 'abandoned':
      case 'timed_out':
      case 'rejected':
        throw new DomainError('CONTACT_STATE_CONFLICT', `contact ${contactId} has already ended`)
    }
  }

  private abandon(c: Contact, now: number): Contact {
    const q = this.queueOf(c)
    if (c.state === 'offered' && c.offer) {
      this.offers.delete(c.offer.offerId)
      this.emit(
        {
          type: 'OfferRescinded',
          contactId: c.id,
          offerId: c.offer.offerId,
          agentId: c.offer.agentId,
          reason: 'abandoned',
        },
        now,
      )
      this.adjustTasks(c.offer.agentId, c.channel, -1, now)
    }
    q.remove(c.id, now, true)
    q.estimator.forget(c.id)
    if (c.state === 'offered') q.estimator.recordDeparture(now)
    const today = this.countToday(q, now)
    today.abandoned++
    if (now - c.enqueuedAt <= q.config.shortAbandonSeconds * 1000) today.abandonedShort++
    q.version++
    const agentId = c.offer?.agentId ?? null
    const done = this.saveContact({
      ...c,
      state: 'abandoned',
      offer: null,
      endedAt: now,
      endedBy: 'customer',
      closedAt: now,
    })
    this.emit(
      {
        type: 'ContactEnded',
        contactId: c.id,
        agentId,
        by: 'customer',
        state: 'abandoned',
        wrapUpUntil: null,
      },
      now,
    )
    if (agentId) this.serveAgent(agentId, 'agent_available', now)
    return done
  }

  wrapUp(
    contactId: string,
    agentId: string,
    code: string | null,
    notes: string | null,
    now: number,
  ): Contact {
    let c = this.contactOrThrow(contactId)
    if (c.agentId !== agentId)
      throw new DomainError('NOT_ASSIGNED_AGENT', 'the contact is not assigned to you')
    if (c.state === 'connected') c = this.endContact(contactId, 'agent', agentId, now)
    if (c.state === 'closed') return this.saveContact({ ...c, wrapUpCode: code, wrapUpNotes: notes })
    if (c.state !== 'wrap_up')
      throw new DomainError('CONTACT_STATE_CONFLICT', `contact ${contactId} is ${c.state}`)
    return this.close(c, code, notes, false, now)
  }

  protected close(
    c: Contact,
    code: string | null,
    notes: string | null,
    auto: boolean,
    now: number,
  ): Contact {
    const done = this.saveContact({
      ...c,
      state: 'closed',
      closedAt: now,
      wrapUpCode: code,
      wrapUpNotes: notes,
    })
    this.emit({ type: 'ContactClosed', contactId: c.id, agentId: c.agentId, code, notes, auto }, now)
    if (c.agentId) {
      this.adjustTasks(c.agentId, c.channel, -1, now)
      this.serveAgent(c.agentId, 'agent_available', now)
    }
    return done
  }

  transfer(contactId: string, agentId: string, target: TransferTarget, now: number): Contact {
    const c = this.contactOrThrow(contactId)
    if (c.agentId !== agentId)
      throw new DomainError('NOT_ASSIGNED_AGENT', 'the contact is not assigned to you')
    if (c.state !== 'connected')
      throw new DomainError('CONTACT_STATE_CONFLICT', `contact ${contactId} is ${c.state}`)
    const toQueue = 'queueId' in target ? this.queues.get(target.queueId) : undefined
    const toAgent = 'agentId' in target ? this.pool.agents.get(target.agentId) : undefined
    if ('queueId' in target && (!toQueue || toQueue.config.channel !== c.channel)) {
      throw new DomainError('QUEUE_NOT_FOUND', `queue ${target.queueId} does not exist for ${c.channel}`)
    }
    if (
      'agentId' in target &&
      (!toAgent || target.agentId === agentId || !this.pool.canTakeNew(toAgent, c.channel))
    ) {
      throw new DomainError(
        'AGENT_NOT_AVAILABLE',
        `agent ${target.agentId} cannot take a ${c.channel} contact now`,
      )
    }
    this.emit(
      {
        type: 'ContactTransferred',
        contactId,
        fromAgentId: agentId,
        toQueueId: toQueue?.config.id ?? null,
        toAgentId: toAgent?.profile.id ?? null,
      },
      now,
    )
    const moved = this.saveContact({
      ...c,
      state: 'queued',
      queueId: toQueue?.config.id ?? c.queueId,
      queuedAt: now,
      agentId: null,
      connectedAt: null,
      declinedBy: [],
      transfers: c.transfers + 1,
    })
    this.adjustTasks(agentId, c.channel, -1, now)
    if (toAgent) {
      const rule = `direct transfer from ${agentId}`
      const decision: RoutingDecision = {
        trigger: 'transfer',
        strategy: 'direct',
        tier: 0,
        rule,
        candidates: [{ agentId: toAgent.profile.id, key: [] }],
        chosenAgentId: toAgent.profile.id,
        waitedMs: now - c.enqueuedAt,
      }
      this.queueOf(moved).add(moved, now)
      this.offerTo(moved, toAgent.profile.id, decision, now)
    } else {
      this.enqueue(moved, now)
      this.routeContact(contactId, 'transfer', now)
    }
    this.serveAgent(agentId, 'agent_available', now)
    return this.contacts.get(contactId) ?? moved
  }

  postMessage(
    contactId: string,
    from: 'customer' | 'agent',
    agentId: string | null,
    text: string,
    now: number,
  ): { messageId: string; messageSeq: number } {
    const c = this.contactOrThrow(contactId)
    if (from === 'agent' && (c.agentId !== agentId || c.state !== 'connected')) {
      throw new DomainError('NOT_ASSIGNED_AGENT', 'only the connected agent can write in this contact')
    }
    if (c.state === 'wrap_up')
      throw new DomainError('CONTACT_STATE_CONFLICT', `contact ${contactId} has ended`)
    const messageId = this.newId()
    const messageSeq = c.messageCount + 1
    this.saveContact({ ...c, messageCount: messageSeq })
    this.emit(
      { type: 'MessagePosted', contactId, messageId, messageSeq, from, agentId: c.agentId, text },
      now,
    )
    return { messageId, messageSeq }
  }
}
