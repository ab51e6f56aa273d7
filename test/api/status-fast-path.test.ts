import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from '../support/databases.js'
import type { Harness } from '../support/harness.js'
import { startHarness } from '../support/harness.js'

const [pglite] = databases()

describe('entry-point status over a real socket', () => {
  let h: Harness
  let base: string
  beforeAll(async () => {
    h = await startHarness(pglite!)
    await h.app.listen({ port: 0, host: '127.0.0.1' })
    const a = h.app.server.address()
    base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`
  })
  afterAll(async () => {
    await h.close()
  })

  async function both(url: string, headers: Record<string, string> = {}) {
    const wire = await fetch(base + url, { headers })
    const framework = await h.app.inject({ url, headers })
    return {
      wire: { status: wire.status, body: await wire.json(), cache: wire.headers.get('cache-control') },
      framework,
    }
  }

  it('answers exactly like the Fastify route, and changes as soon as an agent becomes ready', async () => {
    const before = await both('/api/v1/entry-points/1000/status')
    expect(before.wire).toEqual({ status: 200, body: before.framework.json(), cache: 'public, max-age=1' })
    expect(before.wire.body).toMatchObject({ allowed: false, reason: 'agent_not_available' })

    const token = await h.login('agent1')
    await h.app.inject({
      method: 'PUT',
      url: '/api/v1/agents/agent1/channels/chat',
      headers: { authorization: `Bearer ${token}` },
      payload: { state: 'ready' },
    })
    const after = await both('/api/v1/entry-points/1000/status')
    expect(after.wire.body).toEqual(after.framework.json())
    expect(after.wire.body).toMatchObject({
      allowed: true,
      reason: null,
      agentsAvailable: 1,
      availableSlots: 3,
    })
    expect(h.counts.queries).toBeGreaterThan(0)
  })

  it('answers the five ECE calls byte for byte like the Fastify routes', async () => {
    for (const call of [
      'agentAvailability',
      'capacity',
      'liveSessionStatus',
      'checkEligibility',
      'chatAllowed',
    ]) {
      const url = `/system/egain/chat/entrypoint/${call}/1001`
      const wire = await fetch(base + url)
      const framework = await h.app.inject({ url })
      expect({
        call,
        status: wire.status,
        type: wire.headers.get('content-type'),
        body: await wire.text(),
      }).toEqual({
        call,
        status: 200,
        type: framework.headers['content-type'],
        body: framework.body,
      })
    }
    const served = (await (await fetch(`${base}/metrics`)).text()).match(
      /^switchboard_status_fast_path_total (\d+)/m,
    )
    expect(Number(served?.[1])).toBeGreaterThanOrEqual(5)
  })

  it('leaves errors and other tenants to the framework, in its error form', async () => {
    const unknown = await fetch(`${base}/api/v1/entry-points/4242/status`)
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({ error: { code: 'ENTRY_POINT_NOT_FOUND' } })
    const tenant = await fetch(`${base}/api/v1/entry-points/1000/status`, { headers: { 'x-tenant': 'nope' } })
    expect(tenant.status).toBe(404)
    const inactive = await both('/api/v1/entry-points/1002/status')
    expect(inactive.wire.body).toEqual(inactive.framework.json())
    expect(inactive.wire.body).toMatchObject({ allowed: false, reason: 'entry_point_inactive' })
  })
})
