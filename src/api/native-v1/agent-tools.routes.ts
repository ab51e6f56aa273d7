import type { FastifyInstance } from 'fastify'
import type { Switchboard } from '../../app/switchboard.js'
import { DomainError } from '../../core/errors.js'
import { mayActFor } from '../http/authenticate.js'
import { errorSchema, idParam } from './schemas.js'
import { contactView } from './views.js'
import { visibleTo } from './visibility.js'

const HISTORY_LIMIT = 20

/** What helps an agent answer: prepared replies, and who the customer is. */
export function agentToolRoutes(app: FastifyInstance, sb: Switchboard): void {
  app.get<{ Querystring: { queueId?: string; q?: string } }>(
    '/api/v1/canned-responses',
    {
      config: { access: 'user' },
      schema: {
        tags: ['contacts'],
        summary: 'Canned responses, optionally those of one queue and matching a search (title or text)',
        querystring: {
          type: 'object',
          properties: {
            queueId: { type: 'string', maxLength: 64 },
            q: { type: 'string', maxLength: 200 },
          },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const { queueId, q } = req.query
      const needle = q?.trim().toLocaleLowerCase()
      const all = sb.storedConfig(req.tenantId).config.cannedResponses
      return {
        cannedResponses: all.filter(
          (r) =>
            (queueId === undefined || r.queues.length === 0 || r.queues.includes(queueId)) &&
            (!needle || `${r.title}\n${r.text}`.toLocaleLowerCase().includes(needle)),
        ),
      }
    },
  )

  app.get(
    '/api/v1/desk',
    {
      config: { access: 'user' },
      schema: {
        tags: ['agents'],
        summary:
          "What the agent desktop offers: not-ready reasons, wrap-up codes, transfer targets, the CRM's screen pop",
      },
    },
    async (req) => {
      const { config } = sb.storedConfig(req.tenantId)
      return {
        tenant: { id: config.id, name: config.name },
        notReadyReasons: config.notReadyReasons,
        wrapUpCodes: config.wrapUpCodes,
        queues: config.queues.map((q) => ({ id: q.id, name: q.name, channel: q.channel })),
        agents: config.agents.map((a) => ({ id: a.id, name: a.name })),
        popUrl: config.pbx?.popUrl ?? null,
      }
    },
  )

  app.get<{ Params: { agentId: string } }>(
    '/api/v1/agents/:agentId/contacts',
    {
      config: { access: 'user' },
      schema: {
        tags: ['agents'],
        summary: "The agent's open contacts and pending offers: what a desktop shows after a reload",
        params: idParam('agentId'),
      },
    },
    async (req) => {
      const { agentId } = req.params
      mayActFor(req, agentId)
      const mine = await sb.tenant(req.tenantId).ask({ type: 'contacts', agentId })
      return { contacts: mine.map(contactView) }
    },
  )

  app.get<{ Params: { contactId: string } }>(
    '/api/v1/contacts/:contactId/history',
    {
      config: { access: 'user' },
      schema: {
        tags: ['contacts'],
        summary: "The customer's earlier contacts (matched by email), newest first",
        params: idParam('contactId'),
        response: { 404: errorSchema },
      },
    },
    async (req) => {
      const { contactId } = req.params
      const contact =
        (await sb.tenant(req.tenantId).ask({ type: 'contact', contactId })) ??
        (await sb.queries.contact(req.tenantId, contactId))
      if (!contact || !visibleTo(req, contact))
        throw new DomainError('CONTACT_NOT_FOUND', `contact ${contactId} not found`)
      const email = contact.customer.email
      const earlier = email ? await sb.queries.customerHistory(req.tenantId, email, HISTORY_LIMIT + 1) : []
      return {
        customer: contact.customer,
        contacts: earlier
          .filter((c) => c.id !== contactId)
          .slice(0, HISTORY_LIMIT)
          .map(contactView),
      }
    },
  )
}
