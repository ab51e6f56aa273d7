import type { AgentChannelState } from '../agent.js'
import type { Contact } from '../contact.js'
import type { PostedMessage } from './chat-work.js'
import { rememberSent } from './chat-work.js'
import { enqueue } from './queueing.js'
import type { QueueEstimate, RouterState } from './router-state.js'

/**
 * Rebuilds memory after a restart, a configuration change or a storage recovery from what was
 * committed. Agents come back in the state they were in, contacts with their place and enqueue
 * time, and every timer (offer timeout, decline hold, wrap-up, tiers, max wait) fires when it
 * would have without the rebuild. An offer whose agent can no longer take it is taken back.
 */
export function restore(
  router: RouterState,
  agents: readonly { readonly agentId: string; readonly channels: readonly AgentChannelState[] }[],
  contacts: readonly Contact[],
  now: number,
  more: {
    readonly estimates?: readonly QueueEstimate[]
    /** Messages of open contacts sent with a client id: a send retried across the rebuild is recognised. */
    readonly sent?: readonly (PostedMessage & { readonly contactId: string })[]
  } = {},
): void {
  for (const rec of agents) {
    const agent = router.pool.agents.get(rec.agentId)
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
  for (const stored of [...contacts].sort((a, b) => a.enqueuedAt - b.enqueuedAt || (a.id < b.id ? -1 : 1))) {
    let c = stored
    if (!router.queues.has(c.queueId)) {
      // Said as an event too: reports and webhooks would otherwise keep it open for ever.
      router.emit({ type: 'ContactTimedOut', contactId: c.id, queueId: c.queueId }, now)
      router.saveContact({
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
      const s = router.pool.agents.get(offer.agentId)?.channels.get(c.channel)
      if (s?.state === 'ready') {
        router.contacts.set(c.id, c)
        router.offers.set(offer.offerId, c.id)
        router.schedule(offer.expiresAt, 'offer', c.id, offer.offerId)
        router.pool.agents
          .get(offer.agentId)
          ?.channels.set(c.channel, { ...s, activeTasks: s.activeTasks + 1 })
        continue
      }
      rescinded++
      router.emit(
        {
          type: 'OfferRescinded',
          contactId: c.id,
          offerId: offer.offerId,
          agentId: offer.agentId,
          reason: 'restart',
        },
        now,
      )
      c = router.saveContact({ ...c, state: 'queued', offer: null })
    }
    router.contacts.set(c.id, c)
    if (c.state === 'queued') {
      enqueue(router, c, now)
      if (c.declineHoldUntil !== null && c.declineHoldUntil > now && c.declinedBy.length > 0)
        router.schedule(c.declineHoldUntil, 'decline', c.id, '')
    } else if (c.agentId) {
      const agent = router.pool.agents.get(c.agentId)
      const s = agent?.channels.get(c.channel)
      if (agent && s) agent.channels.set(c.channel, { ...s, activeTasks: s.activeTasks + 1 })
      if (c.state === 'wrap_up' && c.wrapUpUntil !== null) router.schedule(c.wrapUpUntil, 'wrap_up', c.id, '')
    }
  }
  for (const e of more.estimates ?? []) {
    const q = router.queues.get(e.queueId)
    if (!q) continue
    q.estimator.restore(e.state, new Set(q.waiting.ids()))
    q.estimator.onLength(q.waiting.size, now)
  }
  for (const agent of router.pool.agents.values()) router.pool.reindex(agent)
  for (const q of router.queues.values()) q.version++
  for (const m of more.sent ?? []) rememberSent(router, m.contactId, m)
  router.emit({ type: 'RouterRestored', contacts: router.contacts.size, rescindedOffers: rescinded }, now)
  for (const agentId of router.pool.agents.keys())
    router.dispatcher.serveAgent(router, agentId, 'agent_available', now)
}
