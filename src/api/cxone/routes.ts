import type { FastifyInstance } from 'fastify'
import type { OutboxStore } from '../../app/ports.js'
import type { Switchboard } from '../../app/switchboard.js'
import { errorSchema } from '../native-v1/schemas.js'
import { CXONE_TOPIC } from './deliveries.js'
import type { CxoneMonitor } from './monitor.js'

/** How the CXone connection is doing: for the supervisor's "is WFM getting our data?" */
export function wfmRoutes(
  app: FastifyInstance,
  sb: Switchboard,
  monitor: CxoneMonitor,
  outbox: OutboxStore,
): void {
  app.get(
    '/api/v1/wfm/status',
    {
      config: { access: ['supervisor', 'admin'] },
      schema: {
        tags: ['reports'],
        summary: 'The CXone WFM connector: on or off, last heartbeat, ACD type, what waits to be sent',
        response: { 403: errorSchema },
      },
    },
    async (req) => {
      const cx = sb.storedConfig(req.tenantId).config.cxone
      if (!cx?.enabled) return { enabled: false }
      const status = monitor.of(req.tenantId)
      const waiting = (await outbox.stats()).find((s) => s.topic === CXONE_TOPIC)
      const now = sb.now()
      return {
        enabled: true,
        baseUrl: cx.baseUrl,
        acdType: status?.acdType ?? null,
        connected: status?.connected ?? null,
        lastCheckAt: status?.lastCheckAt ? new Date(status.lastCheckAt).toISOString() : null,
        error: status?.error ?? null,
        pending: waiting?.pending ?? 0,
        lagSeconds: waiting?.oldestPendingAt ? Math.max(0, (now - waiting.oldestPendingAt) / 1000) : 0,
        deadLetters: waiting?.dead ?? 0,
      }
    },
  )
}
