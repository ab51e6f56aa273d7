import type { FastifyInstance } from 'fastify'
import type { Metrics } from './metrics.js'

export interface Readiness {
  /** Null when ready; otherwise what is wrong, for the operator. */
  check(): Promise<string | null>
  /** Parts that may be down without the server being unready (voice without its media server). */
  components?(): Record<string, unknown>
}

/** Each tenant's router: `running`, or `service_not_running` (what its dialects then answer). */
export type RouterStates = () => Record<string, 'running' | 'running_elsewhere' | 'service_not_running'>

export function opsRoutes(
  app: FastifyInstance,
  metrics: Metrics,
  readiness: Readiness,
  routers: RouterStates,
): void {
  app.get(
    '/healthz',
    { config: { access: 'open' }, schema: { tags: ['operations'], summary: 'The process is alive' } },
    async () => ({ status: 'ok' }),
  )

  app.get(
    '/readyz',
    {
      config: { access: 'open' },
      schema: { tags: ['operations'], summary: 'Ready to serve: database reachable, routers running' },
    },
    async (_req, reply) => {
      const tenants = routers()
      // A cluster node is ready while every router runs somewhere: it serves them all.
      const down = Object.keys(tenants).filter((t) => tenants[t] === 'service_not_running')
      const problem =
        (await readiness.check()) ??
        (down.length > 0 ? `the router of ${down.join(', ')} is not running` : null)
      const components = { ...readiness.components?.(), tenants }
      return problem === null
        ? { status: 'ready', ...components }
        : reply.status(503).send({ status: 'not_ready', reason: problem, ...components })
    },
  )

  app.get(
    '/metrics',
    { config: { access: 'open' }, schema: { tags: ['operations'], summary: 'Prometheus metrics' } },
    async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  )
}
