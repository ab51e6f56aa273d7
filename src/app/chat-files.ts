import { randomUUID } from 'node:crypto'
import { fileTypeFromBuffer } from 'file-type'
import type { AttachmentRef } from '../core/contact.js'
import { DomainError } from '../core/errors.js'
import type { PostedMessage } from '../core/routing/chat-work.js'
import type { AttachmentStore, Clock, StoredAttachment } from './ports.js'
import type { Switchboard } from './switchboard.js'
import type { TenantHandle } from './remote-tenant.js'

/** What a chat may carry: pictures, PDF and plain text. Decided from the bytes, never the name. */
const ALLOWED = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
])

async function sniff(data: Uint8Array): Promise<string | undefined> {
  const found = await fileTypeFromBuffer(data)
  if (found) return found.mime
  // Text has no magic number: accept valid UTF-8 without control bytes other than whitespace.
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(data)
    return /[\u0000-\u0008\u000e-\u001f]/.test(text) ? undefined : 'text/plain'
  } catch {
    return undefined
  }
}

export interface Upload {
  readonly contactId: string
  readonly from: 'customer' | 'agent'
  readonly agentId: string | null
  readonly name: string
  readonly data: Uint8Array
  readonly text: string
  readonly clientMessageId: string | null
}

/** The largest attachment an open contact takes, in bytes; throws when it takes none. */
export async function attachmentLimit(tenant: TenantHandle, contactId: string): Promise<number> {
  const contact = await tenant.ask({ type: 'contact', contactId })
  if (!contact) throw new DomainError('CONTACT_NOT_FOUND', `no open chat ${contactId}`)
  const ep = await tenant.ask({ type: 'entryPoint', entryPointId: contact.entryPointId })
  if (!ep?.chat.attachmentsEnabled)
    throw new DomainError('ATTACHMENTS_DISABLED', 'this chat does not take attachments')
  return ep.chat.maxAttachmentSizeMb * 1024 * 1024
}

/**
 * Files in chats: checked against the entry point's switch, size limit and the allowed types,
 * stored, then announced by a message. A file whose message is refused is deleted again.
 */
export class ChatFiles {
  constructor(
    private readonly store: AttachmentStore,
    private readonly clock: Clock,
  ) {}

  /**
   * Checks and stores a file of an open chat, without a message yet: dialects that upload first
   * and send the file's id in a later message (AICC) post it with `actions.postMessage` themselves.
   */
  async save(
    tenant: TenantHandle,
    contactId: string,
    name: string,
    data: Uint8Array,
  ): Promise<AttachmentRef> {
    const limit = await attachmentLimit(tenant, contactId)
    if (data.byteLength > limit)
      throw new DomainError('PAYLOAD_TOO_LARGE', `the file is larger than ${limit / 1024 / 1024} MB`)
    if (data.byteLength === 0) throw new DomainError('VALIDATION_FAILED', 'the file is empty')
    const contentType = await sniff(data)
    if (!contentType || !ALLOWED.has(contentType))
      throw new DomainError(
        'ATTACHMENT_TYPE_NOT_ALLOWED',
        'send a picture (PNG, JPEG, GIF, WebP), a PDF or a plain text file',
      )
    const ref: AttachmentRef = { id: randomUUID(), name, contentType, size: data.byteLength }
    const stored: StoredAttachment = { ...ref, contactId, data, createdAt: this.clock.now() }
    await this.store.save(tenant.tenantId, stored)
    return ref
  }

  async upload(sb: Switchboard, tenantId: string, u: Upload): Promise<PostedMessage> {
    const ref = await this.save(sb.tenant(tenantId), u.contactId, u.name, u.data)
    try {
      const posted = await sb.actions.postMessage(tenantId, {
        contactId: u.contactId,
        from: u.from,
        agentId: u.agentId,
        text: u.text,
        extras: {
          attachment: ref,
          clientMessageId: u.clientMessageId,
        },
      })
      // A retried upload: the first one's message stands, this copy is not needed.
      if (posted.attachment?.id !== ref.id) await this.store.remove(tenantId, ref.id)
      return posted
    } catch (e) {
      await this.store.remove(tenantId, ref.id)
      throw e
    }
  }

  get(tenantId: string, id: string): Promise<StoredAttachment | undefined> {
    return this.store.get(tenantId, id)
  }
}
