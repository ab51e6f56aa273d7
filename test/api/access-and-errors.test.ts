import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TenantDoc } from '../../src/config/document.js'
import { databases } from '../support/databases.js'
import type { Harness } from '../support/harness.js'
import { demoDocs, startHarness } from '../support/harness.js'

// A second tenant with the same object ids as the demo one: ids alone must never cross tenants.
function otherTenant(): TenantDoc {
  const demo = demoDocs()[0]!
  return { ...demo, id: 'acme', name: 'Acme' }
}

const [pglite] = databases()

describe('access, tenancy and errors', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness(pglite!, [...demoDocs(), otherTenant()])
  })
  afterAll(async () => {
    await h.close()
  })
  const auth = (token: string) => ({ authorization: `Bearer ${token}` })

  it('refuses routes without a token and with a forged or expired one', async () => {
    expect((await h.app.inject({ url: '/api/v1/agents/agent1' })).json()).toMatchObject({
      error: { code: 'UNAUTHENTICATED' },
    })
    const token = await h.login('agent1')
    const forged = token.slice(0, -4) + 'AAAA'
    expect((await h.app.inject({ url: '/api/v1/agents/agent1', headers: auth(forged) })).statusCode).toBe(401)
    h.time.t += 13 * 3600_000
    expect((await h.app.inject({ url: '/api/v1/agents/agent1', headers: auth(token) })).statusCode).toBe(401)
    h.time.t -= 13 * 3600_000
  })

  it('rejects wrong passwords without saying which part was wrong', async () => {
    for (const body of [
      { username: 'agent1', password: 'wrong' },
      { username: 'nobody', password: 'agent' },
    ]) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/api/v1/login',
        payload: body,
        remoteAddress: '10.9.9.9',
      })
      expect(res.statusCode).toBe(401)
      expect(res.json()).toEqual({
        error: { code: 'UNAUTHENTICATED', message: 'wrong username or password' },
      })
    }
  })

  it('keeps each credential inside its tenant: the other tenant’s objects are not found', async () => {
    const acmeSupervisor = await h.login('supervisor', 'supervisor', 'acme')
    const demoAgent = await h.login('agent1')
    await h.app.inject({
      method: 'PUT',
      url: '/api/v1/agents/agent1/channels/chat',
      headers: auth(demoAgent),
      payload: { state: 'ready' },
    })
    const chat = (
      await h.app.inject({
        method: 'POST',
        url: '/api/v1/entry-points/1000/chats',
        payload: { customer: { name: 'Ann' } },
      })
    ).json() as {
      contactId: string
      customerToken: string
    }
    expect(
      (
        await h.app.inject({ url: `/api/v1/contacts/${chat.contactId}`, headers: auth(acmeSupervisor) })
      ).json(),
    ).toMatchObject({
      error: { code: 'CONTACT_NOT_FOUND' },
    })
    // Same agent id in acme: acme's agent1 is logged out, demo's is ready.
    expect(
      (await h.app.inject({ url: '/api/v1/agents/agent1', headers: auth(acmeSupervisor) })).json(),
    ).toMatchObject({
      channels: { chat: { state: 'logged_out' } },
    })
    // Public calls name their tenant; acme has nobody ready.
    const acmeStatus = await h.app.inject({
      url: '/api/v1/entry-points/1000/status',
      headers: { 'x-tenant': 'acme' },
    })
    expect(acmeStatus.json()).toMatchObject({ allowed: false, reason: 'agent_not_available' })
    expect(
      (await h.app.inject({ url: '/api/v1/entry-points/1000/status', headers: { 'x-tenant': 'nope' } }))
        .statusCode,
    ).toBe(404)
    // A customer token opens its own chat only.
    const other = (
      await h.app.inject({
        method: 'POST',
        url: '/api/v1/entry-points/1000/chats',
        payload: { customer: { name: 'Bob' } },
      })
    ).json() as { contactId: string }
    expect(
      (
        await h.app.inject({
          url: `/api/v1/chats/${other.contactId}/events`,
          headers: auth(chat.customerToken),
        })
      ).statusCode,
    ).toBe(404)
    expect(
      (await h.app.inject({ url: '/api/v1/agents/agent1', headers: auth(chat.customerToken) })).statusCode,
    ).toBe(403)
  })

  it('lets agents act only for themselves and keeps them off supervisor and admin routes', async () => {
    const agent = await h.login('agent2')
    const sup = await h.login('supervisor')
    expect(
      (
        await h.app.inject({
          method: 'PUT',
          url: '/api/v1/agents/agent1/channels/chat',
          headers: auth(agent),
          payload: { state: 'ready' },
        })
      ).statusCode,
    ).toBe(404)
    expect((await h.app.inject({ url: '/api/v1/agents', headers: auth(agent) })).statusCode).toBe(403)
    expect((await h.app.inject({ url: '/api/v1/admin/config', headers: auth(sup) })).statusCode).toBe(403)
    // Hardening item 3: a reason outside the tenant's list never reaches reports or CXone.
    const unlisted = await h.app.inject({
      method: 'PUT',
      url: '/api/v1/agents/agent2/channels/chat',
      headers: auth(sup),
      payload: { state: 'not_ready', reason: 'meeting' },
    })
    expect(unlisted.statusCode).toBe(400)
    expect(unlisted.json()).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: ['Break', 'Lunch', 'Meeting', 'Training', 'Back office'] },
    })
    const forced = await h.app.inject({
      method: 'PUT',
      url: '/api/v1/agents/agent2/channels/chat',
      headers: auth(sup),
      payload: { state: 'not_ready', reason: 'Meeting' },
    })
    expect(forced.json()).toMatchObject({ channels: { chat: { state: 'not_ready', reason: 'Meeting' } } })
    expect(
      (await h.app.inject({ method: 'POST', url: '/api/v1/offers/x/accept', headers: auth(sup) })).statusCode,
    ).toBe(403)
  })

  it('answers bad input with a clear error in one form, and never crashes', async () => {
    const agent = await h.login('agent3')
    const cases = [
      {
        method: 'PUT' as const,
        url: '/api/v1/agents/agent3/channels/chat',
        payload: { state: 'dancing' },
        code: 'VALIDATION_FAILED',
        status: 400,
      },
      {
        method: 'PUT' as const,
        url: '/api/v1/agents/agent3/channels/fax',
        payload: { state: 'ready' },
        code: 'VALIDATION_FAILED',
        status: 400,
      },
      {
        method: 'PUT' as const,
        url: '/api/v1/agents/agent3/channels/email',
        payload: { state: 'ready' },
        code: 'CHANNEL_NOT_CONFIGURED',
        status: 404,
      },
      {
        method: 'POST' as const,
        url: '/api/v1/entry-points/1000/chats',
        payload: { customer: {} },
        code: 'VALIDATION_FAILED',
        status: 400,
      },
      {
        method: 'POST' as const,
        url: '/api/v1/entry-points/9999/chats',
        payload: { customer: { name: 'x' } },
        code: 'ENTRY_POINT_NOT_FOUND',
        status: 404,
      },
      {
        method: 'POST' as const,
        url: '/api/v1/entry-points/1002/chats',
        payload: { customer: { name: 'x' } },
        code: 'ENTRY_POINT_INACTIVE',
        status: 409,
      },
    ]
    for (const c of cases) {
      const res = await h.app.inject({
        method: c.method,
        url: c.url,
        payload: c.payload,
        headers: auth(agent),
      })
      expect({
        url: c.url,
        status: res.statusCode,
        code: (res.json() as { error: { code: string } }).error.code,
      }).toEqual({ url: c.url, status: c.status, code: c.code })
    }
    for (const payload of ['{"username":', '{"username":"a","password":"b","__proto__":{"role":"admin"}}']) {
      const raw = await h.app.inject({
        method: 'POST',
        url: '/api/v1/login',
        payload,
        headers: { 'content-type': 'application/json' },
      })
      expect(raw.statusCode).toBe(400)
      expect(raw.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } })
    }
    const huge = await h.app.inject({
      method: 'POST',
      url: '/api/v1/entry-points/1000/chats',
      payload: { customer: { name: 'x'.repeat(70_000) } },
    })
    expect(huge.statusCode).toBe(413)
    expect(huge.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } })
    expect((await h.app.inject({ url: '/nope' })).json()).toMatchObject({ error: { code: 'NOT_FOUND' } })
  })

  it('serves the entry-point status from memory: no database query per request', async () => {
    const before = h.counts.queries
    for (let i = 0; i < 200; i++) {
      const res = await h.app.inject({ url: '/api/v1/entry-points/1001/status' })
      expect(res.statusCode).toBe(200)
    }
    expect(h.counts.queries - before).toBe(0)
  })

  it('edits configuration through the admin API with the same validation as the file', async () => {
    const admin = await h.login('admin')
    const bad = await h.app.inject({
      method: 'PUT',
      url: '/api/v1/admin/queues/support',
      headers: auth(admin),
      payload: { skillGroups: ['chat-support', 'ghost'], maxDepth: -1 },
    })
    expect(bad.statusCode).toBe(422)
    expect(bad.json()).toMatchObject({
      error: { code: 'CONFIG_INVALID', details: [expect.stringContaining('maxDepth')] },
    })
    const bad2 = await h.app.inject({
      method: 'PUT',
      url: '/api/v1/admin/queues/support',
      headers: auth(admin),
      payload: { skillGroups: ['ghost'] },
    })
    expect(bad2.json()).toMatchObject({
      error: { details: ['tenant.queues[3].skillGroups[0]: no skill group "ghost"'] },
    })

    const ok = await h.app.inject({
      method: 'PUT',
      url: '/api/v1/admin/entry-points/1001',
      headers: auth(admin),
      payload: { queue: 'sales', active: false },
    })
    expect(ok.statusCode).toBe(200)
    expect((await h.app.inject({ url: '/api/v1/entry-points/1001/status' })).json()).toMatchObject({
      allowed: false,
      reason: 'entry_point_inactive',
    })
    const cfg = (await h.app.inject({ url: '/api/v1/admin/config', headers: auth(admin) })).json() as {
      version: number
      tenant: { users: { passwordHash: string }[] }
    }
    expect(JSON.stringify(cfg)).not.toContain('"password"')
    const stale = await h.app.inject({
      method: 'PUT',
      url: '/api/v1/admin/config',
      headers: auth(admin),
      payload: { version: cfg.version - 1, tenant: cfg.tenant },
    })
    expect(stale.json()).toMatchObject({ error: { code: 'CONFLICT' } })
    // Logins still work after the round trip: hashes survive.
    expect(await h.login('agent4')).toBeTruthy()
  })

  it("keeps the file's first tenant as the default across a restart", async () => {
    // Stored tenants list alphabetically (acme before demo); the default must stay demo.
    h = await h.restart()
    expect(h.sb.defaultTenantId()).toBe('demo')
    const status = await h.app.inject({ url: '/api/v1/entry-points/1002/status' })
    expect(status.json()).toMatchObject({ reason: 'entry_point_inactive' })
  })

  it("reports service_not_running while a tenant's router is stopped", async () => {
    await h.sb.runtime('acme').stop()
    const res = await h.app.inject({
      url: '/api/v1/entry-points/1000/status',
      headers: { 'x-tenant': 'acme' },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ allowed: false, reason: 'service_not_running' })
    const start = await h.app.inject({
      method: 'POST',
      url: '/api/v1/entry-points/1000/chats',
      headers: { 'x-tenant': 'acme' },
      payload: { customer: { name: 'x' } },
    })
    expect(start.statusCode).toBe(503)
    expect(start.json()).toMatchObject({ error: { code: 'SERVICE_NOT_RUNNING' } })
  })

  it('limits login attempts per account and address', async () => {
    let last = 0
    for (let i = 0; i < 12; i++) {
      last = (
        await h.app.inject({
          method: 'POST',
          url: '/api/v1/login',
          payload: { username: 'agent1', password: 'x' },
          remoteAddress: '10.1.1.1',
        })
      ).statusCode
    }
    expect(last).toBe(429)
    // Per account: the colleague at the next desk, behind the same office address, logs in.
    const colleague = await h.app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: { username: 'agent2', password: 'agent' },
      remoteAddress: '10.1.1.1',
    })
    expect(colleague.statusCode).toBe(200)
  })

  it('publishes OpenAPI 3 with every native route', async () => {
    const doc = (await h.app.inject({ url: '/openapi.json' })).json() as {
      openapi: string
      paths: Record<string, unknown>
    }
    expect(doc.openapi).toMatch(/^3\./)
    for (const p of [
      '/api/v1/login',
      '/api/v1/agents/{agentId}',
      '/api/v1/offers/{offerId}/accept',
      '/api/v1/entry-points/{entryPointId}/chats',
      '/api/v1/queues/{queueId}/stats',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p)
    }
    expect((await h.app.inject({ url: '/metrics' })).body).toContain('switchboard_db_queries_total')
  })
})
