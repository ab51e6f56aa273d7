import type { FastifyInstance } from 'fastify'

/**
 * A limit the cluster holds as a whole, split evenly over its live nodes: each node counts only
 * what reaches it, with no shared counter on the request path. It holds as written behind a load
 * balancer that spreads a client's requests (round robin, least connections); behind one that
 * pins a client to a node (IP hash) that client gets one node's share (docs/scaling.md).
 */
export function nodeShare(limit: number, liveNodes: number): number {
  return Math.max(1, Math.ceil(limit / Math.max(1, liveNodes)))
}

/** Every route's `config.rateLimit.max` becomes its node's share of it; register before the rate limiter. */
export function shareRateLimits(app: FastifyInstance, liveNodes: () => number): void {
  app.addHook('onRoute', (route) => {
    const limit = (route.config as { rateLimit?: { max?: unknown } } | undefined)?.rateLimit
    if (typeof limit?.max !== 'number') return
    const max = limit.max
    limit.max = () => nodeShare(max, liveNodes())
  })
}
