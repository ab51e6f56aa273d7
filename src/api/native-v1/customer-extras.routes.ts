import { conversationOver } from '../../core/contact.js'
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { SurveyAnswer, SurveyStore } from '../../app/ports.js'
import type { Switchboard } from '../../app/switchboard.js'
import { DomainError } from '../../core/errors.js'
import { customerContact } from '../http/authenticate.js'
import { customerSchema, errorSchema, idParam } from './schemas.js'

interface LeaveMessageBody {
  customer: { name: string; email?: string }
  subject?: string
  text: string
}

/** Before and after a chat: a message left while nobody can chat, and the survey at the end. */
export function customerExtraRoutes(
  app: FastifyInstance,
  sb: Switchboard,
  surveys: SurveyStore,
  /** This server takes calls from browsers (voice and SIP over WebSocket are on). */
  browserCalls: boolean,
): void {
  app.get<{ Params: { entryPointId: string } }>(
    '/api/v1/entry-points/:entryPointId',
    {
      config: { access: 'public' },
      schema: {
        tags: ['customer chat'],
        summary: 'What a chat widget needs to know once: name, attachments, leave-a-message, calls',
        params: idParam('entryPointId'),
        response: { 404: errorSchema },
      },
    },
    async (req, reply) => {
      const ep = sb
        .storedConfig(req.tenantId)
        .config.entryPoints.find((e) => e.id === req.params.entryPointId)
      if (!ep) throw new DomainError('ENTRY_POINT_NOT_FOUND', `no entry point ${req.params.entryPointId}`)
      return reply.header('cache-control', 'public, max-age=60').send({
        id: ep.id,
        name: ep.name,
        channel: ep.channel,
        active: ep.active,
        attachments: ep.chat.attachmentsEnabled
          ? { enabled: true, maxSizeBytes: ep.chat.maxAttachmentSizeMb * 1024 * 1024 }
          : { enabled: false, maxSizeBytes: 0 },
        leaveMessage: ep.active && ep.leaveMessageQueueId !== null,
        call: { enabled: browserCalls && ep.chat.clickToCall !== null },
      })
    },
  )

  app.post<{ Params: { entryPointId: string }; Body: LeaveMessageBody }>(
    '/api/v1/entry-points/:entryPointId/messages',
    {
      config: { access: 'public', rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags: ['customer chat'],
        summary: 'Leave a message while the entry point is closed or busy: agents take it later',
        params: idParam('entryPointId'),
        body: {
          type: 'object',
          properties: {
            // An email, so that someone can answer: the message outlives this visit.
            customer: { ...customerSchema, required: ['name', 'email'] },
            subject: { type: 'string', maxLength: 500 },
            text: { type: 'string', minLength: 1, maxLength: 4000 },
          },
          required: ['customer', 'text'],
          additionalProperties: false,
        },
        response: {
          201: {
            type: 'object',
            properties: { contactId: { type: 'string' }, messageId: { type: 'string' } },
          },
          404: errorSchema,
          409: errorSchema,
        },
      },
    },
    async (req, reply) => {
      const { customer, subject, text } = req.body
      const left = await sb.tenant(req.tenantId).run({
        type: 'leaveMessage',
        contact: {
          contactId: randomUUID(),
          entryPointId: req.params.entryPointId,
          customer: { name: customer.name, ...(customer.email ? { email: customer.email } : {}) },
          subject: subject ?? null,
        },
        text,
      })
      return reply.status(201).send({ contactId: left.contact.id, messageId: left.message.messageId })
    },
  )

  app.post<{ Params: { contactId: string }; Body: { answers: SurveyAnswer[] } }>(
    '/api/v1/chats/:contactId/survey',
    {
      config: { access: 'customer' },
      schema: {
        tags: ['customer chat'],
        summary: 'The survey after the chat: once per contact',
        params: idParam('contactId'),
        body: {
          type: 'object',
          properties: {
            answers: {
              type: 'array',
              minItems: 1,
              maxItems: 50,
              items: {
                type: 'object',
                properties: {
                  question: { type: 'string', minLength: 1, maxLength: 500 },
                  answer: { type: 'string', maxLength: 4000 },
                },
                required: ['question', 'answer'],
                additionalProperties: false,
              },
            },
          },
          required: ['answers'],
          additionalProperties: false,
        },
        response: { 404: errorSchema, 409: errorSchema },
      },
    },
    async (req, reply) => {
      const { contactId } = req.params
      customerContact(req, contactId)
      const contact = await sb.queries.contact(req.tenantId, contactId)
      if (contact && !conversationOver(contact.state))
        throw new DomainError('CONTACT_STATE_CONFLICT', 'a survey is taken once the chat has ended')
      const stored = await surveys.submit(req.tenantId, {
        contactId,
        answers: req.body.answers,
        source: 'native',
        submittedAt: sb.now(),
      })
      if (!stored) throw new DomainError('SURVEY_ALREADY_SUBMITTED', 'this chat already has a survey')
      return reply.status(204).send()
    },
  )
}
