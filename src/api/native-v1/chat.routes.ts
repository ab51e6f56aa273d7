import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Switchboard } from '../../app/switchboard.js'
import { customerContact } from '../http/authenticate.js'
import type { PollQuery, TextBody } from './schemas.js'
import { customerSchema, errorSchema, idParam, pollQuery, textBody } from './schemas.js'
import { customerEventView, waitView } from './views.js'
import { WAIT_SCHEMA } from './schemas.js'

interface StartBody {
  customer: { name: string; email?: string }
  subject?: string
}

/** The customer's side of a chat: no login, a per-contact token from the start call. */
export function chatRoutes(app: FastifyInstance, sb: Switchboard): void {
  app.post<{ Params: { entryPointId: string }; Body: StartBody }>(
    '/api/v1/entry-points/:entryPointId/chats',
    {
      config: { access: 'public', rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        tags: ['customer chat'],
        summary: 'Start a chat on an entry point',
        params: idParam('entryPointId'),
        body: {
          type: 'object',
          properties: {
            customer: customerSchema,
            subject: { type: 'string', maxLength: 500 },
          },
          required: ['customer'],
          additionalProperties: false,
        },
        response: {
          201: {
            type: 'object',
            properties: {
              contactId: { type: 'string' },
              customerToken: { type: 'string' },
              state: { type: 'string' },
              position: { type: 'integer' },
              ...WAIT_SCHEMA,
            },
          },
          404: errorSchema,
          409: errorSchema,
        },
      },
    },
    async (req, reply) => {
      const { customer, subject } = req.body
      const admission = await sb.actions.startChat(req.tenantId, {
        contactId: randomUUID(),
        entryPointId: req.params.entryPointId,
        customer: { name: customer.name, ...(customer.email ? { email: customer.email } : {}) },
        subject: subject ?? null,
      })
      return reply.status(201).send({
        contactId: admission.contact.id,
        customerToken: sb.customerToken(req.tenantId, admission.contact.id),
        state: admission.contact.state,
        position: admission.position,
        ...waitView(admission.estimatedWaitMs),
      })
    },
  )

  app.get<{ Params: { contactId: string }; Querystring: PollQuery }>(
    '/api/v1/chats/:contactId/events',
    {
      config: { access: 'customer' },
      schema: {
        tags: ['customer chat'],
        summary: 'Long-poll the chat: messages and state changes after a seq',
        params: idParam('contactId'),
        querystring: pollQuery,
      },
    },
    async (req) => {
      customerContact(req, req.params.contactId)
      const abort = new AbortController()
      req.raw.once('close', () => abort.abort())
      const { after, wait, limit } = req.query
      const events = await sb.feed.poll(
        req.tenantId,
        { contactId: req.params.contactId },
        after,
        wait * 1000,
        limit,
        abort.signal,
      )
      const names = (id: string | null) => sb.agentName(req.tenantId, id)
      const tenant = sb.tenant(req.tenantId)
      const [contact, place] = await Promise.all([
        tenant.ask({ type: 'contact', contactId: req.params.contactId }),
        tenant.ask({ type: 'contactWait', contactId: req.params.contactId }),
      ])
      const live = { contact, wait: place }
      return {
        events: events.flatMap((e) => customerEventView(e, names) ?? []),
        lastSeq: events[events.length - 1]?.seq ?? after,
        state: live.contact?.state ?? 'closed',
        position: live.wait?.position ?? 0,
        ...waitView(live.wait ? live.wait.estimatedWaitMs : 0),
        agentTyping: sb.typing.isTyping(req.tenantId, req.params.contactId, sb.now()).agent,
      }
    },
  )

  app.get<{ Params: { contactId: string } }>(
    '/api/v1/chats/:contactId',
    {
      config: { access: 'customer' },
      schema: {
        tags: ['customer chat'],
        summary: 'The chat and its transcript',
        params: idParam('contactId'),
      },
    },
    async (req) => {
      customerContact(req, req.params.contactId)
      const [contact, messages] = await Promise.all([
        sb.queries.contact(req.tenantId, req.params.contactId),
        sb.queries.messages(req.tenantId, req.params.contactId),
      ])
      const names = (id: string | null) => sb.agentName(req.tenantId, id)
      return {
        contactId: req.params.contactId,
        state: contact?.state ?? 'closed',
        messages: messages.map((m) => ({
          messageId: m.id,
          messageSeq: m.seq,
          from: m.from,
          agentName: m.from === 'agent' ? names(m.agentId) : null,
          text: m.text,
          attachment: m.attachment,
          at: new Date(m.at).toISOString(),
        })),
      }
    },
  )

  app.post<{ Params: { contactId: string }; Body: TextBody }>(
    '/api/v1/chats/:contactId/messages',
    {
      config: { access: 'customer' },
      schema: {
        tags: ['customer chat'],
        summary: 'Send a message as the customer',
        params: idParam('contactId'),
        body: textBody,
        response: { 404: errorSchema, 409: errorSchema },
      },
    },
    async (req, reply) => {
      customerContact(req, req.params.contactId)
      const { text, clientMessageId = null } = req.body
      const m = await sb.actions.postMessage(req.tenantId, {
        contactId: req.params.contactId,
        from: 'customer',
        agentId: null,
        text,
        extras: { clientMessageId },
      })
      return reply.status(201).send(m)
    },
  )

  app.post<{ Params: { contactId: string } }>(
    '/api/v1/chats/:contactId/end',
    {
      config: { access: 'customer' },
      schema: {
        tags: ['customer chat'],
        summary: 'Leave the chat',
        params: idParam('contactId'),
        response: { 404: errorSchema, 409: errorSchema },
      },
    },
    async (req) => {
      customerContact(req, req.params.contactId)
      const c = await sb
        .tenant(req.tenantId)
        .run({ type: 'endContact', contactId: req.params.contactId, by: 'customer', agentId: null })
      return { contactId: c.id, state: c.state }
    },
  )
}
