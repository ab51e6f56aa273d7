import { createHmac } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TenantDoc } from '../../src/config/document.js'
import { databases } from '../support/databases.js'
import { standIn } from '../support/stand-in.js'
import type { Harness } from '../support/harness.js'
import { demoDocs, startHarness } from '../support/harness.js'

const [pglite] = databases()
const ACCESS_KEY = 'push-access-key'
const SECRET_KEY = 'push-secret-key-0123456789'

interface Received {
  messages: Record<string, unknown>[]
  timestamp: number
}

/**
 * A stand-in for the client's push receiver: it checks what AICC's push specification requires
 * of every request (path, method, JSON body {messages, timestamp}, the auth-v2 header and its
 * signature) and answers 200 {resultCode: "0"}, or an outage while `down` is set.
 */
async function receiver() {
  const got: Received[] = []
  const problems: string[] = []
  let down = false
  const server = await standIn((req, body, res) => {
    if (down) {
      res.writeHead(503).end()
      return
    }
    const auth = String(req.headers.authorization ?? '')
    const [scheme, key, ts, signed, signature] = auth.split('/')
    const expected = createHmac('sha256', SECRET_KEY).update(`${ts}.${body}`).digest('hex')
    const parsed = JSON.parse(body) as Received
    if (req.method !== 'POST' || req.url !== '/hooks/webhooks/v1/messages') problems.push(`path ${req.url}`)
    if (!String(req.headers['content-type']).startsWith('application/json')) problems.push('content-type')
    if (scheme !== 'auth-v2' || key !== ACCESS_KEY || signed !== 'content-type') problems.push(`auth ${auth}`)
    if (signature !== expected) problems.push('signature')
    if (parsed.timestamp !== Number(ts)) problems.push('timestamp differs from the header')
    if (!Array.isArray(parsed.messages) || parsed.messages.length === 0) problems.push('messages')
    for (const m of parsed.messages)
      for (const field of [
        'channel',
        'content',
        'from',
        'mediaType',
        'sourceType',
        'controlType',
        'timestamp',
        'to',
      ])
        if (!(field in m)) problems.push(`message without ${field}`)
    got.push(parsed)
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"resultCode":"0","resultDesc":""}')
  })
  return {
    url: `${server.base}/hooks`,
    got,
    problems,
    setDown: (v: boolean) => (down = v),
    close: () => server.close(),
  }
}

describe('AICC push mode: downlink messages POSTed through the outbox', () => {
  let h: Harness
  let rx: Awaited<ReturnType<typeof receiver>>
  beforeEach(async () => {
    rx = await receiver()
    const docs = demoDocs()
    const demo = docs[0] as TenantDoc
    demo.aicc = {
      ...demo.aicc!,
      push: { url: rx.url, accessKey: ACCESS_KEY, secretKey: SECRET_KEY, locale: 'en_US' },
    }
    h = await startHarness(pglite!, docs)
  })
  afterEach(async () => {
    await h.close()
    await rx.close()
  })

  const auth = (t: string) => ({ authorization: `Bearer ${t}` })

  async function aiccChat(): Promise<void> {
    const fabric = (
      await h.app.inject({
        method: 'POST',
        url: '/apigovernance/api/oauth/tokenByAkSk',
        payload: { app_key: 'demo-app-key', app_secret: 'demo-app-secret' },
      })
    ).json<{ AccessToken: string }>().AccessToken
    const headers = { 'x-app-key': 'demo-app-key', authorization: `Bearer ${fabric}` }
    const token = (
      await h.app.inject({
        method: 'POST',
        url: '/apiaccess/ccmessaging/applyToken',
        headers,
        payload: { userId: 'u1', userName: 'Pushy', channelId: 'web-1000', locale: 'en' },
      })
    ).json<{ token: string }>().token
    await h.app.inject({
      method: 'POST',
      url: '/apiaccess/ccmessaging/send',
      headers: { ...headers, 'ccmessaging-token': token },
      payload: {
        channel: 'WEB',
        content: 'start',
        controlType: 'CONNECT',
        from: 'u1',
        mediaType: 'TEXT',
        sourceType: 'CUSTOMER',
        to: 'web-1000',
      },
    })
  }

  it('pushes each message once, in order, signed; an outage delays them and loses none', async () => {
    const agent = await h.login('agent1')
    await h.app.inject({
      method: 'PUT',
      url: '/api/v1/agents/agent1/channels/chat',
      headers: auth(agent),
      payload: { state: 'ready' },
    })
    await aiccChat()
    const events = (
      await h.app.inject({ url: '/api/v1/agents/agent1/events?after=0', headers: auth(agent) })
    ).json<{ events: { type: string; offerId?: string; contactId?: string }[] }>().events
    const offer = events.find((e) => e.type === 'ContactOffered')!
    await h.app.inject({
      method: 'POST',
      url: `/api/v1/offers/${offer.offerId}/accept`,
      headers: auth(agent),
    })

    // The receiver is down: the first message fails and holds back the ones after it.
    rx.setDown(true)
    await h.dispatcher.drain()
    for (const text of ['one', 'two', 'three'])
      await h.app.inject({
        method: 'POST',
        url: `/api/v1/contacts/${offer.contactId}/messages`,
        headers: auth(agent),
        payload: { text },
      })
    for (let i = 0; i < 3; i++) {
      h.time.advance(60_000)
      await h.dispatcher.drain()
    }
    expect(rx.got).toEqual([])

    rx.setDown(false)
    for (let i = 0; i < 10 && rx.got.length < 6; i++) {
      h.time.advance(3600_000)
      await h.dispatcher.drain()
    }
    expect(rx.problems).toEqual([])
    expect(rx.got.flatMap((r) => r.messages.map((m) => m.content))).toEqual([
      'Connecting you to an agent, please wait.',
      'You are now connected to an agent.',
      'one',
      'two',
      'three',
      // Hours passed without a call from the client: the chat was released, and it is told so.
      'The chat has ended.',
    ])
    expect(rx.got.flatMap((r) => r.messages)[2]).toMatchObject({
      channel: 'WEB',
      from: 'web-1000',
      to: 'u1',
      controlType: 'CHAT',
      mediaType: 'TEXT',
      sourceType: 'AGENT',
      senderNickname: 'Alice Agent',
    })
    // Nothing is sent twice.
    h.time.advance(3600_000)
    await h.dispatcher.drain()
    expect(rx.got).toHaveLength(6)
  })
})
