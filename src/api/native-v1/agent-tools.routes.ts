import type { FastifyInstance } from 'fastify'
import type { Switchboard } from '../../app/switchboard.js'
import { DomainError } from '../../core/errors.js'
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
      const all = sb.runtime(req.tenantId).config.cannedResponses
      return {
        cannedResponses: all.filter(
          (r) =>
            (queueId === undefined || r.queues.length === 0 || r.queues.includes(queueId)) &&
            (!needle || `${r.title}\n${r.text}`.toLocaleLowerCase().includes(needle)),
        ),
      }
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
        sb.runtime(req.tenantId).read((r) => r.contacts.get(contactId)) ??
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
