import { createHmac, timingSafeEqual } from 'node:crypto'
import { hostname } from 'node:os'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { httpSender } from '../../src/adapters/http/http-sender.js'
import { SqlOutboxStore } from '../../src/adapters/storage/sql-outbox-store.js'
import { Metrics } from '../../src/api/http/metrics.js'
import type { TenantDoc } from '../../src/config/document.js'
import { EVENT_TYPES } from '../../src/core/events.js'
import { databases } from '../support/databases.js'
import { standIn } from '../support/stand-in.js'
import type { Harness } from '../support/harness.js'
import { demoDocs, startHarness } from '../support/harness.js'

const [pglite] = databases()
const SECRET = 'whsec-0123456789abcdef'

interface Delivery {
  readonly headers: Record<string, string>
  readonly event: {
    id: string
    type: string
    tenantId: string
    occurredAt: string
    data: Record<string, unknown>
  }
}

/**
 * A customer's webhook receiver, as its documentation tells them to write one: it checks the
 * method, content type, every header, the signature over `{t}.{body}` with the shared secret and
 * the body's fields, keeps what it accepted, and can be taken down.
 */
async function receiver() {
  const got: Delivery[] = []
  const problems: string[] = []
  let down = false
  const server = await standIn((req, body, res) => {
    if (down) return void res.writeHead(503).end('down for maintenance')
    const h = req.headers as Record<string, string>
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(h['x-switchboard-signature'] ?? '')
    const expected = m && createHmac('sha256', SECRET).update(`${m[1]}.${body}`).digest()
    if (!m || !expected || !timingSafeEqual(expected, Buffer.from(m[2] as string, 'hex')))
      problems.push(`bad signature ${h['x-switchboard-signature']}`)
    if (req.method !== 'POST' || req.url !== '/crm/hook') problems.push(`${req.method} ${req.url}`)
    if (h['content-type'] !== 'application/json') problems.push(`content-type ${h['content-type']}`)
    const event = JSON.parse(body) as Delivery['event']
    for (const f of ['id', 'type', 'tenantId', 'occurredAt', 'data'] as const)
      if (!(f in event)) problems.push(`no ${f}`)
    if (!(EVENT_TYPES as string[]).includes(event.type)) problems.push(`type ${event.type}`)
    if (h['x-switchboard-event'] !== event.type) problems.push('x-switchboard-event')
    if (h['x-switchboard-event-id'] !== event.id) problems.push('x-switchboard-event-id')
    if (!/^\d+$/.test(h['x-switchboard-delivery'] ?? '')) problems.push('x-switchboard-delivery')
    if (!['crm', 'queued-only'].includes(h['x-switchboard-subscription'] ?? '')) problems.push('subscription')
    if (Number.isNaN(Date.parse(event.occurredAt))) problems.push('occurredAt')
    if (event.data.type !== event.type || typeof event.data.seq !== 'number') problems.push('data')
    got.push({ headers: h, event })
    res.writeHead(204).end()
  })
  return {
    url: `${server.base}/crm/hook`,
    got,
    problems,
    setDown: (v: boolean) => (down = v),
    close: () => server.close(),
  }
}

describe('webhooks: every event type, signed, retried, dead-lettered, redelivered', () => {
  let h: Harness
  let rx: Awaited<ReturnType<typeof receiver>>
  let admin: string
  beforeEach(async () => {
    rx = await receiver()
    const docs = demoDocs()
    const demo = docs[0] as TenantDoc
    demo.webhooks = [
      { id: 'crm', url: rx.url, secret: SECRET, events: ['*'], allowPrivateNetwork: true, enabled: true },
      {
        id: 'queued-only',
        url: rx.url,
        secret: SECRET,
        events: ['ContactQueued'],
        allowPrivateNetwork: true,
        enabled: true,
      },
    ]
    h = await startHarness(pglite!, docs)
    admin = await h.login('admin')
  })
  afterEach(async () => {
    await h.close()
    await rx.close()
  })

  const auth = (t: string) => ({ authorization: `Bearer ${t}` })
  const deliverAll = async (rounds = 20) => {
    for (let i = 0; i < rounds; i++) {
      const { tried } = await h.dispatcher.drain()
      if (tried === 0) return
    }
  }

  async function chat(): Promise<string> {
    const agent = await h.login('agent1')
    await h.app.inject({
      method: 'PUT',
      url: '/api/v1/agents/agent1/channels/chat',
      headers: auth(agent),
      payload: { state: 'ready' },
    })
    const started = await h.app.inject({
      method: 'POST',
      url: '/api/v1/entry-points/1000/chats',
      payload: { customer: { name: 'Hook Test' } },
    })
    const { contactId } = started.json<{ contactId: string }>()
    const events = (
      await h.app.inject({ url: '/api/v1/agents/agent1/events?after=0', headers: auth(agent) })
    ).json<{ events: { type: string; offerId?: string }[] }>().events
    const offer = events.find((e) => e.type === 'ContactOffered')!
    await h.app.inject({
      method: 'POST',
      url: `/api/v1/offers/${offer.offerId}/accept`,
      headers: auth(agent),
    })
    for (const text of ['one', 'two'])
      await h.app.inject({
        method: 'POST',
        url: `/api/v1/contacts/${contactId}/messages`,
        headers: auth(agent),
        payload: { text },
      })
    return contactId
  }

  it('delivers each subscribed event once, in order per contact, with a signature the receiver verifies', async () => {
    const contactId = await chat()
    await deliverAll()
    expect(rx.problems).toEqual([])
    const mine = rx.got.filter((d) => d.event.data.contactId === contactId)
    const crm = mine.filter((d) => d.headers['x-switchboard-subscription'] === 'crm')
    expect(mine.map((d) => d.event.type)).toEqual(
      expect.arrayContaining(['ContactQueued', 'ContactOffered', 'ContactConnected', 'MessagePosted']),
    )
    // The catch-all subscription sees the contact's events in the order they happened.
    const seqs = crm.map((d) => d.event.data.seq as number)
    expect(seqs.length).toBeGreaterThan(4)
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    expect(
      mine.filter((d) => d.headers['x-switchboard-subscription'] === 'queued-only').map((d) => d.event.type),
    ).toEqual(['ContactQueued'])
    // ContactQueued twice (both subscriptions), everything else once.
    const queued = mine.find((d) => d.event.type === 'ContactQueued')!
    expect(queued.event.id).toBe(`evt_demo_${queued.event.data.seq as number}`)
    expect(rx.got.filter((d) => d.event.id === queued.event.id)).toHaveLength(2)
    expect(rx.got.filter((d) => d.event.type === 'MessagePosted').map((d) => d.event.data.text)).toEqual([
      'one',
      'two',
    ])
    // The agent's own events come too (AgentStateChanged).
    expect(
      rx.got.some((d) => d.event.type === 'AgentStateChanged' && d.event.data.agentId === 'agent1'),
    ).toBe(true)
    // Nothing twice.
    const before = rx.got.length
    h.time.advance(3600_000)
    await deliverAll()
    expect(rx.got).toHaveLength(before)
  })

  it('keeps retrying through an outage with backoff, then dead-letters after 72 hours; an admin redelivers', async () => {
    rx.setDown(true)
    await chat()
    // Two days down: nothing arrives, nothing is lost.
    for (let hour = 0; hour < 48; hour++) {
      h.time.advance(3600_000)
      await deliverAll(3)
    }
    expect(rx.got).toEqual([])
    // Operators see the lag: the oldest waiting delivery is two days old.
    const metrics = new Metrics()
    metrics.watchOutbox(() => new SqlOutboxStore(h.opened.db).stats(), h.time.now)
    const scraped = await metrics.registry.metrics()
    const lag = Number(/^switchboard_outbox_lag_seconds\{topic="webhook"\} (\S+)$/m.exec(scraped)?.[1])
    expect(lag).toBeGreaterThanOrEqual(48 * 3600)
    expect(scraped).toMatch(/^switchboard_outbox_pending\{topic="webhook"\} [1-9]/m)
    const pending = await h.opened.db
      .selectFrom('outbox')
      .select(['attempts', 'dead_at'])
      .where('topic', '=', 'webhook')
      .where('delivered_at', 'is', null)
      .execute()
    expect(pending.length).toBeGreaterThan(5)
    expect(pending.every((p) => p.dead_at === null)).toBe(true)
    // Backoff: a few dozen attempts in two days, not thousands.
    expect(Math.max(...pending.map((p) => p.attempts))).toBeLessThan(60)

    // Past 72 hours the heads are given up; each key's next item then gets its own 72 hours.
    for (let hour = 0; hour < 30 * 5; hour++) {
      h.time.advance(3600_000)
      await deliverAll(3)
    }
    admin = await h.login('admin') // days have passed: a new sign-in
    const dead = (await h.app.inject({ url: '/api/v1/webhooks/dead-letters', headers: auth(admin) })).json<{
      deadLetters: { id: number; eventType: string; lastError: string; attempts: number }[]
    }>().deadLetters
    expect(dead.length).toBeGreaterThan(0)
    expect(dead[0]).toMatchObject({ lastError: 'HTTP 503: down for maintenance' })
    // A key's head was retried all along; the items queued behind it had waited as long, and
    // go dead after their one try while the receiver is still down.
    expect(Math.max(...dead.map((d) => d.attempts))).toBeGreaterThan(10)

    // The receiver is back; the admin sends the dead letters again.
    rx.setDown(false)
    const agent = await h.login('agent1')
    expect(
      (await h.app.inject({ url: '/api/v1/webhooks/dead-letters', headers: auth(agent) })).statusCode,
    ).toBe(403)
    const again = await h.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/dead-letters/redeliver',
      headers: auth(admin),
      payload: {},
    })
    expect(again.json<{ redelivered: number }>().redelivered).toBe(
      (
        await h.opened.db
          .selectFrom('outbox')
          .select('id')
          .where('topic', '=', 'webhook')
          .where('created_at', '=', h.time.now())
          .execute()
      ).length,
    )
    await deliverAll()
    expect(rx.problems).toEqual([])
    // Every event the catch-all subscription asked for arrived exactly once.
    const events = await h.sb.queries.events('demo', { afterSeq: 0, limit: 1000 })
    const crmIds = rx.got
      .filter((d) => d.headers['x-switchboard-subscription'] === 'crm')
      .map((d) => d.event.id)
    expect([...crmIds].sort()).toEqual(events.map((e) => `evt_demo_${e.seq}`).sort())
  })

  it('refuses private destinations unless allowed, at configuration time and at connection time', async () => {
    const put = (url: string, allowPrivateNetwork?: boolean) =>
      h.app.inject({
        method: 'PUT',
        url: '/api/v1/admin/webhooks/meta',
        headers: auth(admin),
        payload: { id: 'meta', url, secret: SECRET, ...(allowPrivateNetwork ? { allowPrivateNetwork } : {}) },
      })
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'http://localhost:8080/',
      'http://[::1]/x',
    ]) {
      const refused = await put(url)
      expect(refused.statusCode, url).toBe(422)
      expect(refused.body).toContain('set allowPrivateNetwork: true')
    }
    expect((await put('http://10.0.0.5/hook', true)).statusCode).toBe(200)
    expect((await put('https://hooks.example.com/switchboard')).statusCode).toBe(200)
    const listed = (await h.app.inject({ url: '/api/v1/webhooks', headers: auth(admin) })).json<{
      webhooks: Record<string, unknown>[]
    }>().webhooks
    expect(listed.map((w) => w.id)).toEqual(['crm', 'queued-only', 'meta'])
    expect(listed.every((w) => !('secret' in w))).toBe(true)
    // A name that resolves inside (this machine's own name) is refused when connecting.
    const sender = httpSender(2000)
    const port = new URL(rx.url).port
    await expect(
      sender.post(`http://${hostname()}:${port}/crm/hook`, '{}', {}, { allowPrivateNetwork: false }),
    ).rejects.toThrow(/private address/)
    await expect(
      sender.post(`http://[::1]:${port}/crm/hook`, '{}', {}, { allowPrivateNetwork: false }),
    ).rejects.toThrow(/private address/)
    expect(rx.got).toEqual([])
  })
})
