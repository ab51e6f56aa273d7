import rateLimit from '@fastify/rate-limit'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { ipCeiling } from '../../src/api/http/ip-ceiling.js'
import { nodeShare, shareRateLimits } from '../../src/api/http/node-share.js'

describe('limits a cluster holds as a whole', () => {
  it("gives each node its share of a route's rate limit, following the live nodes", async () => {
    let nodes = 2
    const app = Fastify()
    shareRateLimits(app, () => nodes)
    await app.register(rateLimit, { global: false })
    app.get('/limited', { config: { rateLimit: { max: 6, timeWindow: '1 minute' } } }, async () => ({
      ok: true,
    }))
    const statuses = async (n: number) => {
      const codes = []
      for (let i = 0; i < n; i++) codes.push((await app.inject({ url: '/limited' })).statusCode)
      return codes
    }
    // Two nodes: three a minute here, three on the other.
    expect(await statuses(4)).toEqual([200, 200, 200, 429])
    // The other node left: this one holds the whole limit.
    nodes = 1
    expect(await statuses(3)).toEqual([200, 200, 429])
    await app.close()
  })

  it('divides the per-address ceiling the same way, never below one', async () => {
    expect(nodeShare(30, 3)).toBe(10)
    expect(nodeShare(10, 3)).toBe(4)
    expect(nodeShare(1, 5)).toBe(1)
    const app = Fastify()
    app.addHook(
      'onRequest',
      ipCeiling(
        4,
        () => 2,
        () => 0,
        (m) => Object.assign(new Error(m), { statusCode: 429 }),
      ),
    )
    app.get('/', async () => 'ok')
    const codes = []
    for (let i = 0; i < 3; i++) codes.push((await app.inject({ url: '/' })).statusCode)
    expect(codes).toEqual([200, 200, 429])
    await app.close()
  })
})
