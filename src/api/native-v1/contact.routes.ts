import type { FastifyInstance } from 'fastify'
import type { SurveyStore } from '../../app/ports.js'
import type { Switchboard } from '../../app/switchboard.js'
import { DomainError } from '../../core/errors.js'
import type { TransferTarget } from '../../core/routing/contact-work.js'
import type { CallRecordingStore } from '../../app/voice-ports.js'
import { actingAgent, userOf } from '../http/authenticate.js'
import { recordingView } from './recording.routes.js'
import { visibleTo } from './visibility.js'
import type { TextBody } from './schemas.js'
import { errorSchema, idParam, textBody } from './schemas.js'
import { contactView, eventView } from './views.js'

const CONTACT_PARAMS = idParam('contactId')
const WRITE = { access: ['agent'] as const }

/** The agent's side of a contact, and its full record for agents and supervisors. */
export function contactRoutes(
  app: FastifyInstance,
  sb: Switchboard,
  surveys: SurveyStore,
  recordings: CallRecordingStore | undefined,
): void {
  app.get<{ Params: { contactId: string } }>(
    '/api/v1/contacts/:contactId',
    {
      config: { access: 'user' },
      schema: {
        tags: ['contacts'],
        summary: 'A contact with its timeline, routing decisions and transcript',
        params: CONTACT_PARAMS,
        response: { 404: errorSchema },
      },
    },
    async (req) => {
      const { contactId } = req.params
      const live = await sb.tenant(req.tenantId).ask({ type: 'contact', contactId })
      const contact = live ?? (await sb.queries.contact(req.tenantId, contactId))
      if (!contact || !visibleTo(req, contact))
        throw new DomainError('CONTACT_NOT_FOUND', `contact ${contactId} not found`)
      const mayListen = userOf(req).role !== 'agent'
      const [events, messages, survey, recording] = await Promise.all([
        sb.queries.events(req.tenantId, { afterSeq: 0, contactId, limit: 1000 }),
        sb.queries.messages(req.tenantId, contactId),
        surveys.get(req.tenantId, contactId),
        mayListen && contact.channel === 'voice' ? recordings?.get(req.tenantId, contactId) : undefined,
      ])
      return {
        ...contactView(contact),
        timeline: events.map(eventView),
        decisions: events.flatMap((e) =>
          e.type === 'ContactOffered'
            ? [{ seq: e.seq, at: new Date(e.at).toISOString(), offerId: e.offerId, ...e.decision }]
            : [],
        ),
        messages: messages.map((m) => ({ ...m, at: new Date(m.at).toISOString() })),
        ...(mayListen && contact.channel === 'voice'
          ? { recording: recording ? recordingView(recording) : null }
          : {}),
        survey: survey
          ? {
              answers: survey.answers,
              source: survey.source,
              submittedAt: new Date(survey.submittedAt).toISOString(),
            }
          : null,
      }
    },
  )

  app.post<{ Params: { contactId: string }; Body: TextBody }>(
    '/api/v1/contacts/:contactId/messages',
    {
      config: WRITE,
      schema: {
        tags: ['contacts'],
        summary: 'Write to the customer',
        params: CONTACT_PARAMS,
        body: textBody,
        response: { 403: errorSchema, 404: errorSchema },
      },
    },
    async (req, reply) => {
      const agentId = actingAgent(req)
      const { text, clientMessageId = null } = req.body
      const m = await sb.actions.postMessage(req.tenantId, {
        contactId: req.params.contactId,
        from: 'agent',
        agentId,
        text,
        extras: { clientMessageId },
      })
      return reply.status(201).send(m)
    },
  )

  app.post<{ Params: { contactId: string } }>(
    '/api/v1/contacts/:contactId/end',
    {
      config: WRITE,
      schema: { tags: ['contacts'], summary: 'End the conversation; wrap-up starts', params: CONTACT_PARAMS },
    },
    async (req) => {
      const agentId = actingAgent(req)
      return contactView(
        await sb
          .tenant(req.tenantId)
          .run({ type: 'endContact', contactId: req.params.contactId, by: 'agent', agentId }),
      )
    },
  )

  app.post<{ Params: { contactId: string }; Body: { code?: string; notes?: string } | undefined }>(
    '/api/v1/contacts/:contactId/wrap-up',
    {
      config: WRITE,
      schema: {
        tags: ['contacts'],
        summary: 'Finish wrap-up with an optional code and notes: frees the agent',
        params: CONTACT_PARAMS,
        body: {
          type: ['object', 'null'],
          properties: { code: { type: 'string', maxLength: 64 }, notes: { type: 'string', maxLength: 4000 } },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const agentId = actingAgent(req)
      const { code = null, notes = null } = req.body ?? {}
      const codes = sb.storedConfig(req.tenantId).config.wrapUpCodes
      if (code !== null && codes.length > 0 && !codes.some((c) => c.code === code))
        throw new DomainError('VALIDATION_FAILED', `unknown wrap-up code "${code}"`, [
          `use one of: ${codes.map((c) => c.code).join(', ')}`,
        ])
      return contactView(
        await sb
          .tenant(req.tenantId)
          .run({ type: 'wrapUp', contactId: req.params.contactId, agentId, code, notes }),
      )
    },
  )

  app.post<{ Params: { contactId: string }; Body: { queueId?: string; agentId?: string } }>(
    '/api/v1/contacts/:contactId/transfer',
    {
      config: WRITE,
      schema: {
        tags: ['contacts'],
        summary: 'Transfer to a queue (keeps the original enqueue time) or to an available agent',
        params: CONTACT_PARAMS,
        body: {
          type: 'object',
          properties: {
            queueId: { type: 'string', maxLength: 64 },
            agentId: { type: 'string', maxLength: 64 },
          },
          oneOf: [{ required: ['queueId'] }, { required: ['agentId'] }],
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const agentId = actingAgent(req)
      const target: TransferTarget =
        req.body.queueId !== undefined ? { queueId: req.body.queueId } : { agentId: req.body.agentId ?? '' }
      return contactView(
        await sb
          .tenant(req.tenantId)
          .run({ type: 'transfer', contactId: req.params.contactId, agentId, target }),
      )
    },
  )
}
