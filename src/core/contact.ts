import type { Channel } from './channel.js'

export const CONTACT_STATES = [
  'queued',
  'offered',
  'connected',
  'wrap_up',
  'closed',
  'abandoned',
  'timed_out',
  'rejected',
] as const
export type ContactState = (typeof CONTACT_STATES)[number]

export const TERMINAL_STATES: ReadonlySet<ContactState> = new Set([
  'closed',
  'abandoned',
  'timed_out',
  'rejected',
])

/** The customer's side is over (the agent may still wrap up): a survey may now be taken. */
export function conversationOver(state: ContactState): boolean {
  return state === 'wrap_up' || TERMINAL_STATES.has(state)
}

export interface Customer {
  readonly name: string
  readonly email?: string
  /** The customer's id in the system they came from (an AICC client's user id, say). */
  readonly externalId?: string
  /** The caller's number, for calls. */
  readonly phone?: string
}

/** A file sent in a chat; its bytes live in attachment storage, only its description in events. */
export interface AttachmentRef {
  readonly id: string
  readonly name: string
  readonly contentType: string
  readonly size: number
}

export interface Offer {
  readonly offerId: string
  readonly agentId: string
  readonly offeredAt: number
  readonly expiresAt: number
}

/** One customer interaction, with every timestamp of its life (epoch ms; null until it happens). */
export interface Contact {
  readonly id: string
  readonly channel: Channel
  readonly entryPointId: string
  readonly queueId: string
  readonly state: ContactState
  readonly priority: number
  readonly customer: Customer
  readonly subject: string | null
  readonly createdAt: number
  /** Original enqueue time: never reset by requeue, transfer or overflow. It orders the line. */
  readonly enqueuedAt: number
  /** When the contact entered its current queue: the queue's max wait counts from here. */
  readonly queuedAt: number
  readonly offer: Offer | null
  readonly agentId: string | null
  readonly offeredAt: number | null
  readonly connectedAt: number | null
  readonly endedAt: number | null
  readonly endedBy: 'agent' | 'customer' | 'system' | null
  readonly wrapUpUntil: number | null
  readonly closedAt: number | null
  readonly outcomeReason: string | null
  readonly wrapUpCode: string | null
  readonly wrapUpNotes: string | null
  /** Agents who rejected or missed this contact: it is not offered to them again. */
  readonly declinedBy: readonly string[]
  /** Until then those agents are passed over (epoch ms): the hold restarts at each decline. */
  readonly declineHoldUntil: number | null
  readonly messageCount: number
  readonly transfers: number
  readonly overflows: number
  /**
   * The contact this one continues, one conversation across channels (the chat a customer
   * clicked to call from): the desktop shows them together and reports link them.
   */
  readonly relatedContactId: string | null
}
