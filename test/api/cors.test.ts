import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from '../support/databases.js'
import type { Harness } from '../support/harness.js'
import { startHarness } from '../support/harness.js'

const [pglite] = databases()
const ORIGIN = 'https://shop.example'

describe("cross-origin calls from a customer's website", () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness(pglite!)
  })
  afterAll(() => h.close())

  const preflight = (url: string, method = 'POST') =>
    h.app.inject({
      method: 'OPTIONS',
      url,
      headers: {
        origin: ORIGIN,
        'access-control-request-method': method,
        'access-control-request-headers': 'authorization,content-type',
      },
    })

  it('lets any website call the widget and ECE routes, without cookies', async () => {
    for (const url of [
      '/api/v1/entry-points/1000/chats',
      '/api/v1/chats/c1/messages',
      '/system/egain/chat/entrypoint/survey',
    ]) {
      const res = await preflight(url)
      expect(res.statusCode).toBe(204)
      expect(res.headers['access-control-allow-origin']).toBe('*')
      expect(String(res.headers['access-control-allow-headers'])).toContain('authorization')
      expect(res.headers['access-control-allow-credentials']).toBeUndefined()
    }
    // Errors carry the header too, so the page can read what went wrong.
    const refused = await h.app.inject({
      method: 'POST',
      url: '/api/v1/entry-points/1000/chats',
      headers: { origin: ORIGIN },
      payload: { customer: { name: 'Ann' } },
    })
    expect(refused.statusCode).toBe(409)
    expect(refused.headers['access-control-allow-origin']).toBe('*')
  })

  it('keeps agent and admin routes to our own pages', async () => {
    const res = await preflight('/api/v1/agents/agent1/channels/chat', 'PUT')
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
    const admin = await preflight('/api/v1/admin/config', 'PUT')
    expect(admin.headers['access-control-allow-origin']).toBeUndefined()
  })
})
