import type { AttachmentRef, Contact } from '../contact.js'
import { TERMINAL_STATES } from '../contact.js'
import { DomainError } from '../errors.js'
import { maskText } from '../masking.js'
import { ContactWork } from './contact-work.js'

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

type Party = 'customer' | 'agent'

/** The conversation inside a contact: messages (masked, idempotent), read marks. */
export abstract class ChatWork extends ContactWork {
  /** Per open contact, the messages posted with a client id: the idempotency window. */
  private readonly sentByClient = new Map<string, Map<string, PostedMessage>>()
  private readonly readUpTo = new Map<string, Record<Party, number>>()

  protected override saveContact(c: Contact): Contact {
    if (TERMINAL_STATES.has(c.state)) {
      this.sentByClient.delete(c.id)
      this.readUpTo.delete(c.id)
    }
    return super.saveContact(c)
  }

  override restore(
    agents: Parameters<ContactWork['restore']>[0],
    contacts: readonly Contact[],
    now: number,
    more: Parameters<ContactWork['restore']>[3] & {
      readonly sent?: readonly (PostedMessage & { readonly contactId: string })[]
    } = {},
  ): void {
    super.restore(agents, contacts, now, more)
    // The client ids already used by open contacts: a send retried across the restart is recognised.
    for (const m of more.sent ?? []) this.rememberSent(m.contactId, m)
  }

  private rememberSent(contactId: string, m: PostedMessage): void {
    if (!m.clientMessageId || !this.contacts.has(contactId)) return
    const sent = this.sentByClient.get(contactId) ?? new Map<string, PostedMessage>()
    sent.set(m.clientMessageId, m)
    this.sentByClient.set(contactId, sent)
  }

  postMessage(
    contactId: string,
    from: Party,
    agentId: string | null,
    text: string,
    now: number,
    extras: MessageExtras = {},
  ): PostedMessage {
    const c = this.contactOrThrow(contactId)
    const clientMessageId = extras.clientMessageId ?? null
    const earlier = clientMessageId ? this.sentByClient.get(contactId)?.get(clientMessageId) : undefined
    if (earlier) return earlier
    if (from === 'agent' && (c.agentId !== agentId || c.state !== 'connected')) {
      throw new DomainError('NOT_ASSIGNED_AGENT', 'only the connected agent can write in this contact')
    }
    if (c.state === 'wrap_up')
      throw new DomainError('CONTACT_STATE_CONFLICT', `contact ${contactId} has ended`)
    // Masked before it is stored or delivered: the raw text goes no further than this call.
    const masked = maskText(text, this.model.masks.get(c.entryPointId) ?? [])
    const messageId = this.newId()
    const messageSeq = c.messageCount + 1
    const attachment = extras.attachment ?? null
    this.saveContact({ ...c, messageCount: messageSeq })
    this.emit(
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
    this.rememberSent(contactId, posted)
    return posted
  }

  /** Read receipt: `by` has seen every message up to `upToSeq`. Marks only move forward. */
  markRead(contactId: string, by: Party, agentId: string | null, upToSeq: number, now: number): number {
    const c = this.contactOrThrow(contactId)
    if (by === 'agent' && c.agentId !== agentId)
      throw new DomainError('NOT_ASSIGNED_AGENT', 'the contact is not assigned to you')
    const marks = this.readUpTo.get(contactId) ?? { customer: 0, agent: 0 }
    const upTo = Math.min(upToSeq, c.messageCount)
    if (upTo <= marks[by]) return marks[by]
    this.readUpTo.set(contactId, { ...marks, [by]: upTo })
    this.emit({ type: 'MessagesRead', contactId, by, agentId: c.agentId, upToSeq: upTo }, now)
    return upTo
  }
}
