import type { AgentStateKind } from './agent.js'
import type { Channel } from './channel.js'
import type { AttachmentRef, ContactState, Customer } from './contact.js'
import type { RoutingDecision } from './routing/decision.js'

/** Immutable facts, in the past tense. The router numbers them per tenant (seq). */
export type DomainEventBody =
  | {
      readonly type: 'AgentStateChanged'
      readonly agentId: string
      readonly channel: Channel
      readonly state: AgentStateKind
      readonly reason: string | null
      readonly routable: boolean
      readonly previousState: AgentStateKind
      readonly notResponding: boolean
      /** The channel's device (a voice agent's phone) is reachable; absent in events before it existed. */
      readonly reachable?: boolean
      readonly by: string | null
    }
  | {
      readonly type: 'ContactQueued'
      readonly contactId: string
      readonly queueId: string
      readonly entryPointId: string
      readonly channel: Channel
      readonly enqueuedAt: number
      readonly priority: number
      readonly customer: Customer
      readonly subject: string | null
      /** The contact this one continues (a chat's click-to-call); absent when none. */
      readonly relatedContactId?: string
    }
  | {
      readonly type: 'ContactRefused'
      readonly contactId: string
      readonly entryPointId: string
      readonly reason: string
    }
  | {
      readonly type: 'ContactOffered'
      readonly contactId: string
      readonly queueId: string
      readonly offerId: string
      readonly agentId: string
      readonly expiresAt: number
      readonly decision: RoutingDecision
    }
  | {
      readonly type: 'OfferRejected' | 'OfferTimedOut' | 'OfferRescinded'
      readonly contactId: string
      readonly offerId: string
      readonly agentId: string
      readonly reason: string | null
    }
  | {
      readonly type: 'ContactRequeued'
      readonly contactId: string
      readonly queueId: string
      readonly enqueuedAt: number
    }
  | {
      readonly type: 'ContactConnected'
      readonly contactId: string
      readonly agentId: string
      readonly offerId: string
    }
  | {
      readonly type: 'ContactEnded'
      readonly contactId: string
      readonly agentId: string | null
      readonly by: 'agent' | 'customer' | 'system'
      readonly state: ContactState
      readonly wrapUpUntil: number | null
    }
  | {
      readonly type: 'ContactClosed'
      readonly contactId: string
      readonly agentId: string | null
      readonly code: string | null
      readonly notes: string | null
      readonly auto: boolean
    }
  | {
      readonly type: 'ContactTransferred'
      readonly contactId: string
      readonly fromAgentId: string
      readonly toQueueId: string | null
      readonly toAgentId: string | null
    }
  | {
      readonly type: 'ContactOverflowed'
      readonly contactId: string
      readonly fromQueueId: string
      readonly toQueueId: string
    }
  | { readonly type: 'ContactTimedOut'; readonly contactId: string; readonly queueId: string }
  | {
      readonly type: 'MessagePosted'
      readonly contactId: string
      readonly messageId: string
      readonly messageSeq: number
      readonly from: 'customer' | 'agent' | 'system'
      readonly agentId: string | null
      readonly text: string
      readonly attachment: AttachmentRef | null
      /** The sender's own id for the message: a retried send is recognised, not posted twice. */
      readonly clientMessageId: string | null
    }
  | {
      readonly type: 'MessagesRead'
      readonly contactId: string
      readonly by: 'customer' | 'agent'
      /** The contact's agent (whose stream shows it), whoever read. */
      readonly agentId: string | null
      /** Every message up to this messageSeq has been seen by `by`. */
      readonly upToSeq: number
    }
  | { readonly type: 'RouterRestored'; readonly contacts: number; readonly rescindedOffers: number }

export type DomainEventType = DomainEventBody['type']

// A record, not a list: the compiler insists every type is here (webhook subscriptions name them).
const TYPES: Record<DomainEventType, true> = {
  AgentStateChanged: true,
  ContactQueued: true,
  ContactRefused: true,
  ContactOffered: true,
  OfferRejected: true,
  OfferTimedOut: true,
  OfferRescinded: true,
  ContactRequeued: true,
  ContactConnected: true,
  ContactEnded: true,
  ContactClosed: true,
  ContactTransferred: true,
  ContactOverflowed: true,
  ContactTimedOut: true,
  MessagePosted: true,
  MessagesRead: true,
  RouterRestored: true,
}
export const EVENT_TYPES = Object.keys(TYPES) as DomainEventType[]

export type DomainEvent = DomainEventBody & {
  readonly seq: number
  readonly tenantId: string
  readonly at: number
}

/** The agent whose stream an event belongs to, if any (the assigned agent for contact events). */
export function eventAgentId(e: DomainEventBody): string | null {
  return 'agentId' in e ? e.agentId : 'fromAgentId' in e ? e.fromAgentId : null
}

export function eventContactId(e: DomainEventBody): string | null {
  return 'contactId' in e ? e.contactId : null
}
