import type { FastifyInstance } from 'fastify'
import type { OutboxStore } from '../../app/ports.js'
import type { Switchboard } from '../../app/switchboard.js'
import type { WebhookPayload } from './deliveries.js'
import { WEBHOOK_TOPIC } from './deliveries.js'
import { errorSchema } from '../native-v1/schemas.js'
import { redeliver } from '../native-v1/outbox.routes.js'

export interface OutboxAccess {
  readonly store: OutboxStore
  /** Deliver now what was just made due. */
  kick(): void
}

/** Subscriptions are configuration (admin API or YAML); this is what an admin does with deliveries that gave up. */
export function webhookRoutes(app: FastifyInstance, sb: Switchboard, outbox: OutboxAccess): void {
  app.get(
    '/api/v1/webhooks',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['webhooks'],
        summary: 'The subscriptions (without their secrets)',
        response: { 403: errorSchema },
      },
    },
    async (req) => ({
      webhooks: sb.storedConfig(req.tenantId).config.webhooks.map(({ secret: _secret, ...w }) => w),
    }),
  )

  app.get<{ Querystring: { limit: number } }>(
    '/api/v1/webhooks/dead-letters',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['webhooks'],
        summary: 'Deliveries that failed for 72 hours and were given up, newest first',
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          additionalProperties: false,
        },
        response: { 403: errorSchema },
      },
    },
    async (req) => ({
      deadLetters: (await outbox.store.deadLetters(req.tenantId, WEBHOOK_TOPIC, req.query.limit)).map((d) => {
        const p = d.payload as WebhookPayload
        return {
          id: d.id,
          subscriptionId: p.subscriptionId,
          eventId: p.event.id,
          eventType: p.event.type,
          attempts: d.attempts,
          lastError: d.lastError,
          firstTriedAt: new Date(d.createdAt).toISOString(),
          deadAt: new Date(d.deadAt).toISOString(),
        }
      }),
    }),
  )

  app.post<{ Body: { ids?: number[] } | undefined }>(
    '/api/v1/webhooks/dead-letters/redeliver',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['webhooks'],
        summary: 'Send dead letters again, with a new 72-hour window: the given ids, or all',
        body: {
          type: 'object',
          properties: { ids: { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 1000 } },
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', properties: { redelivered: { type: 'integer' } } },
          403: errorSchema,
        },
      },
    },
    async (req) => ({
      redelivered: await redeliver(outbox, req.tenantId, WEBHOOK_TOPIC, req.body?.ids, sb.now()),
    }),
  )
}
