import type { AttachmentRef } from '../contact.js'
import { DomainError } from '../errors.js'
import { maskText } from '../masking.js'
import type { RouterState } from './router-state.js'

export interface PostedMessage {
  readonly messageId: string
  readonly messageSeq: number
  readonly text: string
  readonly attachment: AttachmentRef | null
  readonly clientMessageId: string | null
}

export interface MessageExtras {
  readonly attachment?: AttachmentRef | null
  /** The sender's own id: a send retried after a network drop returns the first result. */
  readonly clientMessageId?: string | null
}

export type Party = 'customer' | 'agent'

// The conversation inside a contact: messages (masked, idempotent), read marks.

export function rememberSent(router: RouterState, contactId: string, m: PostedMessage): void {
  if (!m.clientMessageId || !router.contacts.has(contactId)) return
  const sent = router.sentByClient.get(contactId) ?? new Map<string, PostedMessage>()
  sent.set(m.clientMessageId, m)
  router.sentByClient.set(contactId, sent)
}

export function postMessage(
  router: RouterState,
  contactId: string,
  from: Party,
  agentId: string | null,
  text: string,
  now: number,
  extras: MessageExtras = {},
): PostedMessage {
  const c = router.contactOrThrow(contactId)
  const clientMessageId = extras.clientMessageId ?? null
  const earlier = clientMessageId ? router.sentByClient.get(contactId)?.get(clientMessageId) : undefined
  if (earlier) return earlier
  if (from === 'agent' && (c.agentId !== agentId || c.state !== 'connected')) {
    throw new DomainError('NOT_ASSIGNED_AGENT', 'only the connected agent can write in this contact')
  }
  if (c.state === 'wrap_up') throw new DomainError('CONTACT_STATE_CONFLICT', `contact ${contactId} has ended`)
  // Masked before it is stored or delivered: the raw text goes no further than this call.
  const masked = maskText(text, router.model.masks.get(c.entryPointId) ?? [])
  const messageId = router.newId()
  const messageSeq = c.messageCount + 1
  const attachment = extras.attachment ?? null
  router.saveContact({ ...c, messageCount: messageSeq })
  router.emit(
    {
      type: 'MessagePosted',
      contactId,
      messageId,
      messageSeq,
      from,
      agentId: c.agentId,
      text: masked,
      attachment,
      clientMessageId,
    },
    now,
  )
  const posted: PostedMessage = { messageId, messageSeq, text: masked, attachment, clientMessageId }
  rememberSent(router, contactId, posted)
  return posted
}

/** Read receipt: `by` has seen every message up to `upToSeq`. Marks only move forward. */
export function markRead(
  router: RouterState,
  contactId: string,
  by: Party,
  agentId: string | null,
  upToSeq: number,
  now: number,
): number {
  const c = router.contactOrThrow(contactId)
  if (by === 'agent' && c.agentId !== agentId)
    throw new DomainError('NOT_ASSIGNED_AGENT', 'the contact is not assigned to you')
  const marks = router.readUpTo.get(contactId) ?? { customer: 0, agent: 0 }
  const upTo = Math.min(upToSeq, c.messageCount)
  if (upTo <= marks[by]) return marks[by]
  router.readUpTo.set(contactId, { ...marks, [by]: upTo })
  router.emit({ type: 'MessagesRead', contactId, by, agentId: c.agentId, upToSeq: upTo }, now)
  return upTo
}
