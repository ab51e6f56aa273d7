import type { Contact } from '../contact.js'
import { DomainError } from '../errors.js'
import type { RoutingDecision } from './decision.js'
import { offerTo } from './offers.js'
import { enqueue } from './queueing.js'
import type { RouterState } from './router-state.js'

export type TransferTarget = { readonly queueId: string } | { readonly agentId: string }

// The work on a contact once it reached an agent: end, wrap-up, transfer; and abandoning.

/**
 * Ends a contact: hung up by the customer or the agent, or dropped by the system (a call whose
 * media went with a restart). Waiting contacts end abandoned; connected ones go to wrap-up.
 */
export function endContact(
  router: RouterState,
  contactId: string,
  by: 'agent' | 'customer' | 'system',
  agentId: string | null,
  now: number,
): Contact {
  const c = router.contactOrThrow(contactId)
  if (by === 'agent' && c.agentId !== agentId)
    throw new DomainError('NOT_ASSIGNED_AGENT', 'the contact is not assigned to you')
  switch (c.state) {
    case 'queued':
    case 'offered':
      return abandon(router, c, by, now)
    case 'connected': {
      const q = router.queueOf(c)
      const wrap = q.config.wrapUpSeconds
      const wrapUpUntil = wrap === null ? null : now + wrap * 1000
      if (c.connectedAt !== null) q.estimator.recordHandle(now - c.connectedAt)
      const ended = router.saveContact({ ...c, state: 'wrap_up', endedAt: now, endedBy: by, wrapUpUntil })
      router.emit(
        { type: 'ContactEnded', contactId, agentId: c.agentId, by, state: 'wrap_up', wrapUpUntil },
        now,
      )
      if (wrap === 0) return close(router, ended, null, null, true, now)
      if (wrapUpUntil !== null) router.schedule(wrapUpUntil, 'wrap_up', contactId, '')
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

function abandon(router: RouterState, c: Contact, by: 'agent' | 'customer' | 'system', now: number): Contact {
  const q = router.queueOf(c)
  if (c.state === 'offered' && c.offer) {
    router.retireOffer(c.offer.offerId, c.offer.agentId, 'withdrawn')
    router.emit(
      {
        type: 'OfferRescinded',
        contactId: c.id,
        offerId: c.offer.offerId,
        agentId: c.offer.agentId,
        reason: 'abandoned',
      },
      now,
    )
    router.adjustTasks(c.offer.agentId, c.channel, -1, now)
  }
  q.remove(c.id, now, true)
  q.estimator.forget(c.id)
  if (c.state === 'offered') q.estimator.recordDeparture(now)
  const today = router.countToday(q, now)
  today.abandoned++
  if (now - c.enqueuedAt <= q.config.shortAbandonSeconds * 1000) today.abandonedShort++
  q.version++
  const agentId = c.offer?.agentId ?? null
  const done = router.saveContact({
    ...c,
    state: 'abandoned',
    offer: null,
    endedAt: now,
    endedBy: by === 'system' ? 'system' : 'customer',
    closedAt: now,
    outcomeReason: by === 'system' ? 'system_failure' : c.outcomeReason,
  })
  router.emit(
    {
      type: 'ContactEnded',
      contactId: c.id,
      agentId,
      by: by === 'system' ? 'system' : 'customer',
      state: 'abandoned',
      wrapUpUntil: null,
    },
    now,
  )
  if (agentId) router.dispatcher.serveAgent(router, agentId, 'agent_available', now)
  return done
}

export function wrapUp(
  router: RouterState,
  contactId: string,
  agentId: string,
  code: string | null,
  notes: string | null,
  now: number,
): Contact {
  let c = router.contactOrThrow(contactId)
  if (c.agentId !== agentId) throw new DomainError('NOT_ASSIGNED_AGENT', 'the contact is not assigned to you')
  if (c.state === 'connected') c = endContact(router, contactId, 'agent', agentId, now)
  if (c.state === 'closed') return router.saveContact({ ...c, wrapUpCode: code, wrapUpNotes: notes })
  if (c.state !== 'wrap_up')
    throw new DomainError('CONTACT_STATE_CONFLICT', `contact ${contactId} is ${c.state}`)
  return close(router, c, code, notes, false, now)
}

export function close(
  router: RouterState,
  c: Contact,
  code: string | null,
  notes: string | null,
  auto: boolean,
  now: number,
): Contact {
  const done = router.saveContact({
    ...c,
    state: 'closed',
    closedAt: now,
    wrapUpCode: code,
    wrapUpNotes: notes,
  })
  router.emit({ type: 'ContactClosed', contactId: c.id, agentId: c.agentId, code, notes, auto }, now)
  if (c.agentId) {
    router.adjustTasks(c.agentId, c.channel, -1, now)
    router.dispatcher.serveAgent(router, c.agentId, 'agent_available', now)
  }
  return done
}

export function transfer(
  router: RouterState,
  contactId: string,
  agentId: string,
  target: TransferTarget,
  now: number,
): Contact {
  const c = router.contactOrThrow(contactId)
  if (c.agentId !== agentId) throw new DomainError('NOT_ASSIGNED_AGENT', 'the contact is not assigned to you')
  if (c.state !== 'connected')
    throw new DomainError('CONTACT_STATE_CONFLICT', `contact ${contactId} is ${c.state}`)
  const toQueue = 'queueId' in target ? router.queues.get(target.queueId) : undefined
  const toAgent = 'agentId' in target ? router.pool.agents.get(target.agentId) : undefined
  if ('queueId' in target && (!toQueue || toQueue.config.channel !== c.channel)) {
    throw new DomainError('QUEUE_NOT_FOUND', `queue ${target.queueId} does not exist for ${c.channel}`)
  }
  if (
    'agentId' in target &&
    (!toAgent || target.agentId === agentId || !router.pool.canTakeNew(toAgent, c.channel))
  ) {
    throw new DomainError(
      'AGENT_NOT_AVAILABLE',
      `agent ${target.agentId} cannot take a ${c.channel} contact now`,
    )
  }
  router.emit(
    {
      type: 'ContactTransferred',
      contactId,
      fromAgentId: agentId,
      toQueueId: toQueue?.config.id ?? null,
      toAgentId: toAgent?.profile.id ?? null,
    },
    now,
  )
  const moved = router.saveContact({
    ...c,
    state: 'queued',
    queueId: toQueue?.config.id ?? c.queueId,
    queuedAt: now,
    agentId: null,
    connectedAt: null,
    declinedBy: [],
    declineHoldUntil: null,
    transfers: c.transfers + 1,
  })
  router.adjustTasks(agentId, c.channel, -1, now)
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
    // In its queue with its timers first: if the named agent declines, it waits there as any other.
    enqueue(router, moved, now)
    offerTo(router, moved, toAgent.profile.id, decision, now)
  } else {
    enqueue(router, moved, now)
    router.dispatcher.routeContact(router, contactId, 'transfer', now)
  }
  router.dispatcher.serveAgent(router, agentId, 'agent_available', now)
  return router.contacts.get(contactId) ?? moved
}
