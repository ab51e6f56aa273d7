import type { Contact } from '../contact.js'
import { DomainError } from '../errors.js'
import type { TransferTarget } from './contact-work.js'
import { transfer } from './contact-work.js'
import type { RoutingDecision } from './decision.js'
import { offerTo, withdrawOffer } from './offers.js'
import type { RouterState } from './router-state.js'

// What a supervisor does to contacts on the floor: move one to an agent, or back to a queue.

/**
 * A contact with an agent is transferred as if its agent had (the transcript and the original
 * enqueue time go with it); one being offered is taken back first; a waiting one is offered to
 * the chosen agent straight away, or stays in line when sent back to its own queue.
 */
export function reassign(
  router: RouterState,
  contactId: string,
  target: TransferTarget,
  by: string,
  now: number,
): Contact {
  let c = router.contactOrThrow(contactId)
  if (c.state === 'connected' && c.agentId) return transfer(router, contactId, c.agentId, target, now)
  const wanted = 'agentId' in target ? target.agentId : null
  // Taken back, the contact may be offered at once to someone else: take that back too (each
  // agent at most once, as a withdrawn offer holds the contact away from its agent for a while).
  while (c.state === 'offered' && c.offer && c.offer.agentId !== wanted) {
    router.emit(
      {
        type: 'OfferRescinded',
        contactId,
        offerId: c.offer.offerId,
        agentId: c.offer.agentId,
        reason: 'reassigned',
      },
      now,
    )
    c = withdrawOffer(router, c, 'withdrawn', now)
    if (wanted === null) return c
  }
  if (c.state === 'offered') return c
  if (c.state !== 'queued')
    throw new DomainError('CONTACT_STATE_CONFLICT', `contact ${contactId} is ${c.state}`)
  if ('queueId' in target) {
    if (target.queueId !== c.queueId)
      throw new DomainError(
        'CONTACT_STATE_CONFLICT',
        'a waiting contact is moved to an agent, or stays in its queue',
      )
    return c
  }
  const agent = router.pool.agents.get(target.agentId)
  if (!agent || !router.pool.canTakeNew(agent, c.channel))
    throw new DomainError(
      'AGENT_NOT_AVAILABLE',
      `agent ${target.agentId} cannot take a ${c.channel} contact now`,
    )
  const decision: RoutingDecision = {
    trigger: 'transfer',
    strategy: 'direct',
    tier: 0,
    rule: `assigned by ${by}`,
    candidates: [{ agentId: target.agentId, key: [] }],
    chosenAgentId: target.agentId,
    waitedMs: now - c.enqueuedAt,
  }
  offerTo(router, c, target.agentId, decision, now)
  return router.contacts.get(contactId) ?? c
}
