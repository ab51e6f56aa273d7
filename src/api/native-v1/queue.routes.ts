import type { FastifyInstance } from 'fastify'
import type { Switchboard } from '../../app/switchboard.js'
import { DomainError } from '../../core/errors.js'
import { errorSchema, idParam, statusSchema } from './schemas.js'
import { notRunningView, queueStatsView, statusView } from './views.js'
import { WAIT_SCHEMA } from './schemas.js'

export function queueRoutes(app: FastifyInstance, sb: Switchboard): void {
  app.get<{ Params: { entryPointId: string } }>(
    '/api/v1/entry-points/:entryPointId/status',
    {
      config: { access: 'public' },
      schema: {
        tags: ['entry points'],
        summary: 'May a chat start here now, and what will it meet: served from memory, no database query',
        params: idParam('entryPointId'),
        response: { 200: statusSchema, 404: errorSchema },
      },
    },
    // Synchronous on purpose: the framework path of the hottest public route skips a promise.
    (req, reply) => {
      // A stopped router is an answer, not an outage: the website hides its chat button.
      const s = sb.entryPointStatus(req.tenantId, req.params.entryPointId)
      if (!s) return reply.send(notRunningView())
      if (s.reason === 'invalid_entry_point') {
        throw new DomainError(
          'ENTRY_POINT_NOT_FOUND',
          `entry point ${req.params.entryPointId} does not exist`,
        )
      }
      // Websites poll this: let a CDN or browser reuse it for a second (the snapshot's own staleness bound).
      return reply.header('cache-control', 'public, max-age=1').send(statusView(s))
    },
  )

  app.get<{ Params: { queueId: string } }>(
    '/api/v1/queues/:queueId/stats',
    {
      config: { access: 'user' },
      schema: {
        tags: ['queues'],
        summary: 'Live statistics of a queue',
        params: idParam('queueId'),
        response: {
          200: {
            type: 'object',
            properties: {
              queueId: { type: 'string' },
              waiting: { type: 'integer' },
              oldestWaitSeconds: { type: 'integer' },
              agentsReady: { type: 'integer' },
              agentsBusy: { type: 'integer' },
              availableSlots: { type: 'integer' },
              ...WAIT_SCHEMA,
              serviceLevel: { type: ['number', 'null'] },
            },
          },
          404: errorSchema,
        },
      },
    },
    async (req) => {
      const s = await sb.tenant(req.tenantId).ask({ type: 'queueStats', queueId: req.params.queueId })
      if (!s) throw new DomainError('QUEUE_NOT_FOUND', `queue ${req.params.queueId} does not exist`)
      return queueStatsView(s)
    },
  )

  app.get(
    '/api/v1/queues',
    {
      config: { access: 'user' },
      schema: { tags: ['queues'], summary: 'Every queue with its live statistics' },
    },
    async (req) => ({
      queues: (await sb.tenant(req.tenantId).ask({ type: 'queues' })).map(({ name, ...s }) => ({
        name,
        ...queueStatsView(s),
      })),
    }),
  )
}
