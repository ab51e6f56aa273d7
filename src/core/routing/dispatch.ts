import type { Channel } from '../channel.js'
import type { Contact } from '../contact.js'
import type { PooledAgent } from './agent-pool.js'
import type { RoutingDecision } from './decision.js'
import { close } from './contact-work.js'
import { offerTimedOut, offerTo } from './offers.js'
import { isDeclined, maxWaitReached } from './queueing.js'
import type { RouterState, Trigger } from './router-state.js'
import type { QueueRuntime } from './waiting-room.js'

/*
 * The routing engine: event-driven and incremental. A new contact looks for the best free agent
 * in its queue's open tiers; a freed agent looks at the heads of the queues it serves and takes
 * the best by one global order (priority, then original enqueue time). Timers move contacts on.
 */

/** Offers a waiting contact to the best free agent of its earliest open tier, if any. */
export function routeContact(router: RouterState, contactId: string, trigger: Trigger, now: number): boolean {
  const c = router.contacts.get(contactId)
  if (!c || c.state !== 'queued') return false
  const q = router.queueOf(c)
  const waitedMs = now - c.enqueuedAt
  const declined = (agentId: string): boolean => isDeclined(c, agentId, now)
  for (let tier = 0; tier < q.config.tiers.length; tier++) {
    const t = q.config.tiers[tier]
    if (!t || t.afterSeconds * 1000 > waitedMs) break
    const pick = router.pool.pick(t.skillGroups, q.config.strategy, declined, q.roundRobinLast)
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
    offerTo(router, c, pick.chosen.agentId, decision, now)
    return true
  }
  return false
}

/** Fills a freed agent's spare capacity, best contact first across every queue it serves. */
export function serveAgent(router: RouterState, agentId: string, trigger: Trigger, now: number): void {
  const agent = router.pool.agents.get(agentId)
  if (!agent) return
  for (const channel of agent.channels.keys()) {
    while (router.pool.canTakeNew(agent, channel)) {
      const best = bestContactFor(router, agent, channel, now)
      if (!best) break
      const waitedMs = now - best.contact.enqueuedAt
      offerTo(
        router,
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

function bestContactFor(
  router: RouterState,
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
    for (const use of router.model.queuesOfGroup(m.groupId)) {
      const known = tiers.get(use.queueId)
      if (!known || use.tier < known.tier)
        tiers.set(use.queueId, { tier: use.tier, afterSeconds: use.afterSeconds })
    }
  }
  let best: { contact: Contact; queue: QueueRuntime; tier: number } | undefined
  const heads: Contact[] = []
  for (const [queueId, { tier, afterSeconds }] of tiers) {
    const q = router.queues.get(queueId)
    if (!q || q.waiting.size === 0) continue
    const id = q.firstEligible(now, afterSeconds * 1000, (cid) => {
      const c = router.contacts.get(cid)
      return !c || isDeclined(c, agent.profile.id, now)
    })
    const c = id === undefined ? undefined : router.contacts.get(id)
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

/** Fires every timer due at `now`; stale ones (their offer or state moved on) do nothing. */
export function tick(router: RouterState, now: number): void {
  for (let t = router.timers.peek(); t && t.at <= now; t = router.timers.peek()) {
    router.timers.pop()
    const c = router.contacts.get(t.contactId)
    if (!c) continue
    switch (t.kind) {
      case 'offer':
        if (c.state === 'offered' && c.offer?.offerId === t.token) offerTimedOut(router, c, now)
        break
      case 'wrap_up':
        if (c.state === 'wrap_up' && c.wrapUpUntil !== null && c.wrapUpUntil <= now)
          close(router, c, null, null, true, now)
        break
      case 'tier':
        if (c.state === 'queued' && c.queueId === t.token)
          router.dispatcher.routeContact(router, c.id, 'tier_relaxed', now)
        break
      case 'max_wait':
        if (c.state === 'queued' && c.queueId === t.token) maxWaitReached(router, c, now)
        break
      case 'decline':
        if (c.state === 'queued') router.dispatcher.routeContact(router, c.id, 'requeued', now)
        break
    }
  }
}

/** The global order: higher priority first, then earlier original enqueue time, then id. */
function ahead(a: Contact, b: Contact): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority
  if (a.enqueuedAt !== b.enqueuedAt) return a.enqueuedAt < b.enqueuedAt
  return a.id < b.id
}
