import type { AgentChannelState, AgentStateKind } from '../agent.js'
import { offerAccepted } from '../agent.js'
import type { Channel } from '../channel.js'
import type { Contact } from '../contact.js'
import { DomainError } from '../errors.js'
import type { PooledAgent } from './agent-pool.js'
import type { RoutingDecision } from './decision.js'
import type { Trigger } from './router-core.js'
import { Admission } from './admission.js'
import type { QueueRuntime } from './waiting-room.js'

export type { ContactAdmission, NewContact } from './admission.js'
export { refusalError } from './admission.js'

/**
 * The routing engine: event-driven and incremental. A new contact looks for the best free agent
 * in its queue's open tiers; a freed agent looks at the heads of the queues it serves and takes
 * the best by one global order (priority, then original enqueue time).
 */
export class Router extends Admission {
  // ---- commands ----------------------------------------------------------------------------

  setAgentState(
    agentId: string,
    channel: Channel,
    state: AgentStateKind,
    reason: string | null,
    by: string | null,
    now: number,
  ): AgentChannelState {
    const before = this.agentOrThrow(agentId).channels.get(channel)
    const after = this.changeAgentState(agentId, channel, state, reason, by, now)
    // Leaving ready takes back offers not yet accepted; connected contacts stay with the agent.
    if (before?.state === 'ready' && state !== 'ready')
      this.rescindOffersOf(agentId, channel, 'agent_unavailable', now)
    this.serveAgent(agentId, 'agent_available', now)
    return after
  }

  /**
   * The channel's device came or went (a phone registered, or its registration ended). Without
   * it the agent is not routable there: offers not yet answered go back to their queues.
   */
  setReachable(agentId: string, channel: Channel, reachable: boolean, now: number): AgentChannelState {
    const agent = this.agentOrThrow(agentId)
    const s = agent.channels.get(channel)
    if (!s) throw new DomainError('CHANNEL_NOT_CONFIGURED', `agent ${agentId} has no ${channel} channel`)
    if (s.reachable === reachable) return s
    this.updateChannel(agent, channel, { ...s, reachable }, now, null)
    if (reachable) this.serveAgent(agentId, 'agent_available', now)
    else this.rescindOffersOf(agentId, channel, 'device_unreachable', now)
    return agent.channels.get(channel) as AgentChannelState
  }

  acceptOffer(offerId: string, agentId: string, now: number): Contact {
    const c = this.pendingOffer(offerId, agentId, now)
    const offer = c.offer as NonNullable<Contact['offer']>
    this.retireOffer(offerId, agentId, 'accepted')
    const agent = this.agentOrThrow(agentId)
    const s = agent.channels.get(c.channel)
    if (s) this.updateChannel(agent, c.channel, offerAccepted(s), now, null)
    const q = this.queueOf(c)
    q.estimator.recordDeparture(now)
    q.estimator.served(c.id, now)
    // Service level counts a contact once, when it is first answered, not again after a transfer.
    if (c.transfers === 0) {
      const today = this.countToday(q, now)
      today.answered++
      if (now - c.enqueuedAt <= q.config.serviceLevelSeconds * 1000) today.answeredInTime++
    }
    q.version++
    this.emit({ type: 'ContactConnected', contactId: c.id, agentId, offerId }, now)
    return this.saveContact({
      ...c,
      state: 'connected',
      offer: null,
      agentId,
      connectedAt: now,
      offeredAt: offer.offeredAt,
    })
  }

  rejectOffer(offerId: string, agentId: string, reason: string | null, now: number): Contact {
    const c = this.pendingOffer(offerId, agentId, now)
    this.emit({ type: 'OfferRejected', contactId: c.id, offerId, agentId, reason }, now)
    return this.withdrawOffer(c, 'rejected', now)
  }

  /** Fires every timer due at `now`; stale ones (their offer or state moved on) do nothing. */
  tick(now: number): void {
    for (let t = this.timers.peek(); t && t.at <= now; t = this.timers.peek()) {
      this.timers.pop()
      const c = this.contacts.get(t.contactId)
      if (!c) continue
      switch (t.kind) {
        case 'offer':
          if (c.state === 'offered' && c.offer?.offerId === t.token) this.offerTimedOut(c, now)
          break
        case 'wrap_up':
          if (c.state === 'wrap_up' && c.wrapUpUntil !== null && c.wrapUpUntil <= now)
            this.close(c, null, null, true, now)
          break
        case 'tier':
          if (c.state === 'queued' && c.queueId === t.token) this.routeContact(c.id, 'tier_relaxed', now)
          break
        case 'max_wait':
          if (c.state === 'queued' && c.queueId === t.token) this.maxWaitReached(c, now)
          break
        case 'decline':
          if (c.state === 'queued') this.routeContact(c.id, 'requeued', now)
          break
      }
    }
  }

  // ---- routing -----------------------------------------------------------------------------

  /** Offers a waiting contact to the best free agent of its earliest open tier, if any. */
  protected routeContact(contactId: string, trigger: Trigger, now: number): boolean {
    const c = this.contacts.get(contactId)
    if (!c || c.state !== 'queued') return false
    const q = this.queueOf(c)
    const waitedMs = now - c.enqueuedAt
    const declined = (agentId: string): boolean => this.isDeclined(c, agentId, now)
    for (let tier = 0; tier < q.config.tiers.length; tier++) {
      const t = q.config.tiers[tier]
      if (!t || t.afterSeconds * 1000 > waitedMs) break
      const pick = this.pool.pick(t.skillGroups, q.config.strategy, declined, q.roundRobinLast)
      if (!pick) continue
      const decision: RoutingDecision = {
        trigger,
        strategy: q.config.strategy,
        tier: tier + 1,
        rule: `${q.config.strategy} over tier ${tier + 1} (${t.skillGroups.join(', ')})`,
        candidates: pick.candidates,
        chosenAgentId: pick.chosen.agentId,
        waitedMs,
      }
      this.offerTo(c, pick.chosen.agentId, decision, now)
      return true
    }
    return false
  }

  /** Fills a freed agent's spare capacity, best contact first across every queue it serves. */
  protected serveAgent(agentId: string, trigger: Trigger, now: number): void {
    const agent = this.pool.agents.get(agentId)
    if (!agent) return
    for (const channel of agent.channels.keys()) {
      while (this.pool.canTakeNew(agent, channel)) {
        const best = this.bestContactFor(agent, channel, now)
        if (!best) break
        const waitedMs = now - best.contact.enqueuedAt
        this.offerTo(
          best.contact,
          agentId,
          {
            trigger,
            strategy: best.queue.config.strategy,
            tier: best.tier + 1,
            rule: `agent available: highest priority, then longest waiting, across ${best.contenders.length} queue head(s)`,
            candidates: [{ agentId, key: [] }],
            chosenAgentId: agentId,
            contenders: best.contenders,
            waitedMs,
          },
          now,
        )
      }
    }
  }

  private bestContactFor(
    agent: PooledAgent,
    channel: Channel,
    now: number,
  ):
    | {
        contact: Contact
        queue: QueueRuntime
        tier: number
        contenders: NonNullable<RoutingDecision['contenders']>
      }
    | undefined {
    // Per queue the agent serves: the lowest tier it belongs to decides how long a contact must wait.
    const tiers = new Map<string, { tier: number; afterSeconds: number }>()
    for (const m of agent.memberships.get(channel) ?? []) {
      for (const use of this.model.queuesOfGroup(m.groupId)) {
        const known = tiers.get(use.queueId)
        if (!known || use.tier < known.tier)
          tiers.set(use.queueId, { tier: use.tier, afterSeconds: use.afterSeconds })
      }
    }
    let best: { contact: Contact; queue: QueueRuntime; tier: number } | undefined
    const heads: Contact[] = []
    for (const [queueId, { tier, afterSeconds }] of tiers) {
      const q = this.queues.get(queueId)
      if (!q || q.waiting.size === 0) continue
      const id = q.firstEligible(now, afterSeconds * 1000, (cid) => {
        const c = this.contacts.get(cid)
        return !c || this.isDeclined(c, agent.profile.id, now)
      })
      const c = id === undefined ? undefined : this.contacts.get(id)
      if (!c) continue
      heads.push(c)
      if (!best || ahead(c, best.contact)) best = { contact: c, queue: q, tier }
    }
    if (!best) return undefined
    const contenders = heads
      .sort((a, b) => (ahead(a, b) ? -1 : 1))
      .slice(0, 5)
      .map((c) => ({ contactId: c.id, queueId: c.queueId, priority: c.priority, enqueuedAt: c.enqueuedAt }))
    return { ...best, contenders }
  }
}

/** The global order: higher priority first, then earlier original enqueue time, then id. */
function ahead(a: Contact, b: Contact): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority
  if (a.enqueuedAt !== b.enqueuedAt) return a.enqueuedAt < b.enqueuedAt
  return a.id < b.id
}
