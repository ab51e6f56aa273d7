import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ChatFiles } from '../../app/chat-files.js'
import { attachmentLimit } from '../../app/chat-files.js'
import type { Switchboard } from '../../app/switchboard.js'
import { DomainError } from '../../core/errors.js'
import { actingAgent, customerContact } from '../http/authenticate.js'
import { clientMessageId, errorSchema, idParam } from './schemas.js'
import { visibleTo } from './visibility.js'

type Party = 'customer' | 'agent'

interface Side {
  readonly prefix: string
  readonly tag: string
  readonly access: 'customer' | readonly ['agent']
  /** Checks the caller may act in the contact; returns the acting agent (null for the customer). */
  readonly actor: (req: FastifyRequest, contactId: string) => string | null
}

const SIDES: Record<Party, Side> = {
  customer: {
    prefix: '/api/v1/chats/:contactId',
    tag: 'customer chat',
    access: 'customer',
    actor: (req, contactId) => {
      customerContact(req, contactId)
      return null
    },
  },
  agent: {
    prefix: '/api/v1/contacts/:contactId',
    tag: 'contacts',
    access: ['agent'],
    actor: (req) => actingAgent(req),
  },
}

const PARAMS = idParam('contactId')
const FILE_PARAMS = {
  type: 'object',
  properties: { ...PARAMS.properties, ...idParam('attachmentId').properties },
  required: ['contactId', 'attachmentId'],
} as const
// Uploads are raw bytes (the file's own body), so browsers can send a File with fetch as is.
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024

/** Typing, read receipts and attachments: the same for the customer and the agent. */
export function conversationRoutes(app: FastifyInstance, sb: Switchboard, files: ChatFiles): void {
  for (const party of ['customer', 'agent'] as const) partyRoutes(app, sb, files, party)
}

function partyRoutes(app: FastifyInstance, sb: Switchboard, files: ChatFiles, party: Party): void {
  const side = SIDES[party]
  const config = { access: side.access }

  app.post<{ Params: { contactId: string } }>(
    `${side.prefix}/typing`,
    {
      config: { ...config, rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: {
        tags: [side.tag],
        summary: `The ${party} is typing: send every ~3 s while typing; it shows for 6 s`,
        params: PARAMS,
        response: { 404: errorSchema },
      },
    },
    async (req, reply) => {
      const actor = side.actor(req, req.params.contactId)
      const contact = await sb.tenant(req.tenantId).ask({ type: 'contact', contactId: req.params.contactId })
      if (!contact || (party === 'agent' && contact.agentId !== actor))
        throw new DomainError('CONTACT_NOT_FOUND', `no open contact ${req.params.contactId} of yours`)
      sb.typing.typing(req.tenantId, contact.id, party, contact.agentId, sb.now())
      return reply.status(204).send()
    },
  )

  app.post<{ Params: { contactId: string }; Body: { upToSeq: number } }>(
    `${side.prefix}/read`,
    {
      config,
      schema: {
        tags: [side.tag],
        summary: `Read receipt: the ${party} has seen every message up to messageSeq upToSeq`,
        params: PARAMS,
        body: {
          type: 'object',
          properties: { upToSeq: { type: 'integer', minimum: 1 } },
          required: ['upToSeq'],
          additionalProperties: false,
        },
        response: { 404: errorSchema },
      },
    },
    async (req) => {
      const actor = side.actor(req, req.params.contactId)
      const upToSeq = await sb.tenant(req.tenantId).run({
        type: 'markRead',
        contactId: req.params.contactId,
        by: party,
        agentId: actor,
        upToSeq: req.body.upToSeq,
      })
      return { upToSeq }
    },
  )

  app.register(async (scope) => {
    // Only this scope takes raw bodies of any type; the size is checked against the entry point
    // before a byte is read.
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_BYTES }, (_req, body, done) =>
      done(null, body),
    )
    scope.post<{
      Params: { contactId: string }
      Querystring: { name: string; text?: string; clientMessageId?: string }
    }>(
      `${side.prefix}/attachments`,
      {
        // Files are heavy: a client may send a few a minute, not a flood.
        config: { ...config, rateLimit: { max: 20, timeWindow: '1 minute' } },
        preParsing: async (req: FastifyRequest<{ Params: { contactId: string } }>) => {
          side.actor(req, req.params.contactId)
          const limit = await attachmentLimit(sb.tenant(req.tenantId), req.params.contactId)
          const length = Number(req.headers['content-length'] ?? 0)
          if (length > limit)
            throw new DomainError('PAYLOAD_TOO_LARGE', `the file is larger than ${limit / 1024 / 1024} MB`)
        },
        schema: {
          tags: [side.tag],
          summary: 'Send a file: the body is the file itself; its type is checked from its bytes',
          params: PARAMS,
          querystring: {
            type: 'object',
            properties: {
              name: { type: 'string', minLength: 1, maxLength: 200 },
              text: { type: 'string', maxLength: 4000 },
              clientMessageId,
            },
            required: ['name'],
            additionalProperties: false,
          },
          response: { 404: errorSchema, 409: errorSchema, 413: errorSchema, 415: errorSchema },
        },
      },
      async (req, reply) => {
        const agentId = side.actor(req, req.params.contactId)
        if (!Buffer.isBuffer(req.body))
          throw new DomainError('VALIDATION_FAILED', 'send the file as the body')
        const m = await files.upload(sb, req.tenantId, {
          contactId: req.params.contactId,
          from: party,
          agentId,
          name: req.query.name,
          text: req.query.text ?? '',
          data: req.body,
          clientMessageId: req.query.clientMessageId ?? null,
        })
        return reply.status(201).send(m)
      },
    )
  })

  app.get<{ Params: { contactId: string; attachmentId: string } }>(
    `${side.prefix}/attachments/:attachmentId`,
    {
      config: { access: party === 'customer' ? 'customer' : 'user' },
      schema: { tags: [side.tag], summary: 'Download a file of this chat', params: FILE_PARAMS },
    },
    async (req, reply) => {
      const { contactId, attachmentId } = req.params
      if (party === 'customer') customerContact(req, contactId)
      else {
        const contact =
          (await sb.tenant(req.tenantId).ask({ type: 'contact', contactId })) ??
          (await sb.queries.contact(req.tenantId, contactId))
        if (!contact || !visibleTo(req, contact))
          throw new DomainError('CONTACT_NOT_FOUND', `contact ${contactId} not found`)
      }
      const a = await files.get(req.tenantId, attachmentId)
      if (!a || a.contactId !== contactId)
        throw new DomainError('ATTACHMENT_NOT_FOUND', `no file ${attachmentId} in this chat`)
      return sendFile(reply, a.name, a.contentType, a.data)
    },
  )
}

function sendFile(reply: FastifyReply, name: string, contentType: string, data: Uint8Array): FastifyReply {
  // Customer-supplied bytes: never rendered as a page of ours, never sniffed into something else.
  const inline = contentType.startsWith('image/')
  return reply
    .header('content-type', contentType === 'text/plain' ? 'text/plain; charset=utf-8' : contentType)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('cache-control', 'private, max-age=3600')
    .header(
      'content-disposition',
      `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(name)}`,
    )
    .send(Buffer.from(data.buffer, data.byteOffset, data.byteLength))
}
