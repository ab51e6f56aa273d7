import type { Contact } from '../contact.js'
import { DomainError } from '../errors.js'
import { ChatWork } from './chat-work.js'
import type { TransferTarget } from './contact-work.js'
import type { RoutingDecision } from './decision.js'

/** What a supervisor does to contacts on the floor: move one to an agent, or back to a queue. */
export abstract class Supervision extends ChatWork {
  /**
   * A contact with an agent is transferred as if its agent had (the transcript and the original
   * enqueue time go with it); one being offered is taken back first; a waiting one is offered to
   * the chosen agent straight away, or stays in line when sent back to its own queue.
   */
  reassign(contactId: string, target: TransferTarget, by: string, now: number): Contact {
    let c = this.contactOrThrow(contactId)
    if (c.state === 'connected' && c.agentId) return this.transfer(contactId, c.agentId, target, now)
    const wanted = 'agentId' in target ? target.agentId : null
    // Taken back, the contact may be offered at once to someone else: take that back too (each
    // agent at most once, as a withdrawn offer holds the contact away from its agent for a while).
    while (c.state === 'offered' && c.offer && c.offer.agentId !== wanted) {
      this.emit(
        {
          type: 'OfferRescinded',
          contactId,
          offerId: c.offer.offerId,
          agentId: c.offer.agentId,
          reason: 'reassigned',
        },
        now,
      )
      c = this.withdrawOffer(c, 'withdrawn', now)
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
    const agent = this.pool.agents.get(target.agentId)
    if (!agent || !this.pool.canTakeNew(agent, c.channel))
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
    this.offerTo(c, target.agentId, decision, now)
    return this.contacts.get(contactId) ?? c
  }
}
