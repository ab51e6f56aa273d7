import type { FastifyInstance } from 'fastify'
import type { Switchboard } from '../../app/switchboard.js'
import type { OutboxAccess } from '../webhooks/routes.js'
import { errorSchema } from './schemas.js'

/**
 * Dead letters of every kind of delivery (webhooks, the PBX push to a CRM, AICC's push, CXone):
 * what gave up, or whose destination was removed or turned off, stays here until sent again.
 */
export function outboxRoutes(
  app: FastifyInstance,
  sb: Switchboard,
  outbox: OutboxAccess,
  topics: readonly string[],
): void {
  const topic = { type: 'string', enum: [...topics] } as const

  app.get<{ Params: { topic: string }; Querystring: { limit: number } }>(
    '/api/v1/outbox/:topic/dead-letters',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['admin'],
        summary: 'Deliveries of a topic that were given up, newest first, with the reason',
        params: { type: 'object', properties: { topic }, required: ['topic'] },
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          additionalProperties: false,
        },
        response: { 403: errorSchema },
      },
    },
    async (req) => ({
      deadLetters: (await outbox.store.deadLetters(req.tenantId, req.params.topic, req.query.limit)).map(
        (d) => ({
          id: d.id,
          orderingKey: d.orderingKey ?? null,
          attempts: d.attempts,
          lastError: d.lastError,
          firstTriedAt: new Date(d.createdAt).toISOString(),
          deadAt: new Date(d.deadAt).toISOString(),
          payload: d.payload,
        }),
      ),
    }),
  )

  app.post<{ Params: { topic: string }; Body: { ids?: number[] } | undefined }>(
    '/api/v1/outbox/:topic/dead-letters/redeliver',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['admin'],
        summary: 'Send dead letters of a topic again, with a new retry window: the given ids, or all',
        params: { type: 'object', properties: { topic }, required: ['topic'] },
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
      redelivered: await redeliver(outbox, req.tenantId, req.params.topic, req.body?.ids, sb.now()),
    }),
  )
}

/** Dead letters of a topic sent again (the given ids, or all), delivered at once. */
export async function redeliver(
  outbox: OutboxAccess,
  tenantId: string,
  topic: string,
  ids: readonly number[] | undefined,
  now: number,
): Promise<number> {
  const redelivered = await outbox.store.redeliver(tenantId, topic, ids ?? 'all', now)
  if (redelivered > 0) outbox.kick()
  return redelivered
}
