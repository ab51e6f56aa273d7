import type { FastifyReply, FastifyRequest } from 'fastify'
import { nodeShare } from './node-share.js'

/**
 * A ceiling of requests a minute per address across a whole dialect, beside the limits of its
 * routes (@fastify/rate-limit runs one limit per request, so this one is our own). Many clients
 * may share an address (customers behind a NAT, a CRM's one server): it is high, and only a flood
 * reaches it. `refuse` makes the dialect's own 429. A cluster node holds its share (node-share.ts).
 */
export function ipCeiling(
  limit: number,
  liveNodes: () => number,
  now: () => number,
  refuse: (message: string) => Error,
) {
  let windowStart = 0
  let counts = new Map<string, number>()
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const t = now()
    if (t - windowStart >= 60_000) {
      windowStart = t
      counts = new Map()
    }
    const perMinute = nodeShare(limit, liveNodes())
    const n = (counts.get(req.ip) ?? 0) + 1
    counts.set(req.ip, n)
    if (n > perMinute) {
      reply.header('retry-after', Math.ceil((windowStart + 60_000 - t) / 1000))
      throw refuse(`more than ${perMinute} requests a minute from ${req.ip}; wait and retry`)
    }
  }
}
