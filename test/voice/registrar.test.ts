import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { PhoneBinding, PhoneBindingStore } from '../../src/app/voice-ports.js'
import { VoiceDirectory } from '../../src/channels/voice/directory.js'
import type { BindingNews } from '../../src/channels/voice/registrar.js'
import { Registrar } from '../../src/channels/voice/registrar.js'
import {
  authorizationFor,
  DigestAuthenticator,
  digestHa1,
  parseDigest,
} from '../../src/channels/voice/sip/digest.js'
import { SipHeaders } from '../../src/channels/voice/sip/headers.js'
import type { SipMessage, SipResponse } from '../../src/channels/voice/sip/message.js'
import { request } from '../../src/channels/voice/sip/message.js'
import { parseMessage } from '../../src/channels/voice/sip/parse.js'
import { serialize } from '../../src/channels/voice/sip/serialize.js'
import { TransactionLayer } from '../../src/channels/voice/sip/transactions.js'
import type { SipEndpoint } from '../../src/channels/voice/sip/transport.js'
import { demoLike } from '../support/tenant-builder.js'

const PHONE: SipEndpoint = { transport: 'UDP', host: '127.0.0.1', port: 5091 }

function memoryStore(): PhoneBindingStore & { rows: Map<string, PhoneBinding> } {
  const rows = new Map<string, PhoneBinding>()
  const key = (t: string, x: string, c: string) => `${t}|${x}|${c}`
  return {
    rows,
    live: async (now) => [...rows.values()].filter((b) => b.expiresAt > now),
    write: async (changes) => {
      for (const c of changes)
        if (c.kind === 'save')
          rows.set(key(c.binding.tenantId, c.binding.extension, c.binding.contact), c.binding)
        else rows.delete(key(c.tenantId, c.extension, c.contact))
    },
  }
}

function setup(
  store: PhoneBindingStore & { rows: Map<string, PhoneBinding> } = memoryStore(),
  errors?: unknown[],
  share?: (news: BindingNews) => void,
) {
  const config = demoLike({
    voice: {
      domain: null,
      realm: 't1',
      extensions: [{ number: '804', agentId: 'agent4', ha1: digestHa1('804', 't1', 'secret804') }],
      trunks: [],
      numbers: {},
      queues: {},
      registrationSeconds: { min: 60, max: 3600 },
      recordCalls: true,
      menus: {},
      survey: null,
    },
  })
  let deliver: (msg: SipMessage, from: SipEndpoint) => void = () => undefined
  const sent: SipResponse[] = []
  const layer = new TransactionLayer({
    host: '127.0.0.1',
    port: 5060,
    send: (m) => (m.kind === 'response' && sent.push(parseMessage(serialize(m)) as SipResponse), true),
    onMessage: (h) => (deliver = h),
  })
  const reachable: [string, boolean][] = []
  const auth = new DigestAuthenticator('t1')
  const registrar = new Registrar({
    directory: () => new VoiceDirectory([config]),
    auth: () => auth,
    store,
    now: () => Date.now(),
    onReachable: (_, agentId, r) => reachable.push([agentId, r]),
    onError: (e) => {
      if (!errors) throw e
      errors.push(e)
    },
    ...(share ? { share } : {}),
  })
  layer.onRequest = (req, tx) => registrar.handle(req, tx)
  let cseq = 1
  let branch = 0
  /** The final answer to the request last delivered: a REGISTER is answered once its binding is stored. */
  const answer = async (): Promise<SipResponse> => {
    const before = sent.length
    for (let i = 0; i < 100 && sent.length === before; i++) await Promise.resolve()
    return sent.at(-1)!
  }
  const register = async (
    opts: { expires?: string; contact?: string; password?: string; user?: string } = {},
  ) => {
    const user = opts.user ?? '804'
    const build = (authorization?: string) =>
      request(
        'REGISTER',
        'sip:127.0.0.1',
        SipHeaders.of({
          via: `SIP/2.0/UDP 127.0.0.1:5091;branch=z9hG4bK${++branch}`,
          'max-forwards': '70',
          from: `<sip:${user}@127.0.0.1>;tag=p`,
          to: `<sip:${user}@127.0.0.1>`,
          'call-id': 'reg-1',
          cseq: `${cseq++} REGISTER`,
          contact: opts.contact ?? '<sip:804@127.0.0.1:5091>',
          expires: opts.expires ?? '600',
          authorization,
        }),
      )
    const was = sent.length
    deliver(build(), PHONE)
    const challenge = sent.length > was ? sent.at(-1)! : await answer()
    if (challenge.status !== 401) return challenge
    const header = authorizationFor(
      parseDigest(challenge.headers.get('www-authenticate')!)!,
      { username: user, password: opts.password ?? 'secret804' },
      'REGISTER',
      'sip:127.0.0.1',
    )
    const before = sent.length
    deliver(build(header), PHONE)
    return sent.length > before ? sent.at(-1)! : await answer()
  }
  return { registrar, register, reachable, store, sent }
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 10, 21, 9) })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('registrar', () => {
  it('on cluster nodes: a phone registered through one node is known on the other, and its end too', async () => {
    const store = memoryStore()
    const told: BindingNews[] = []
    // Node a tells b (the bus, here a list b reads); b's own changes reach nobody here.
    const a = setup(store, undefined, (news) => told.push(news))
    const b = setup(store, undefined, () => undefined)
    await a.registrar.start()
    await b.registrar.start()
    expect((await a.register()).status).toBe(200)
    for (const news of told.splice(0)) b.registrar.heard(news)
    expect(b.registrar.binding('t1', '804')).toMatchObject({
      contact: 'sip:804@127.0.0.1:5091',
      source: PHONE,
    })
    expect(b.reachable).toEqual([['agent4', true]])
    // Only the node the phone registered through asks it how it is (OPTIONS), not every node.
    expect(a.registrar.here('t1')).toHaveLength(1)
    expect(b.registrar.here('t1')).toEqual([])
    expect((await a.register({ expires: '0' })).status).toBe(200)
    for (const news of told.splice(0)) b.registrar.heard(news)
    expect(b.registrar.binding('t1', '804')).toBeUndefined()
    expect(b.reachable).toEqual([
      ['agent4', true],
      ['agent4', false],
    ])
    await a.registrar.stop()
    await b.registrar.stop()
  })

  it('asks for credentials, registers with the right ones and makes the agent reachable until the binding expires', async () => {
    const { registrar, register, reachable, store } = setup()
    await registrar.start()
    const ok = await register()
    expect(ok.status).toBe(200)
    expect(ok.headers.get('contact')).toBe('<sip:804@127.0.0.1:5091>;expires=600')
    expect(reachable).toEqual([['agent4', true]])
    expect(registrar.binding('t1', '804')).toMatchObject({ contact: 'sip:804@127.0.0.1:5091', source: PHONE })
    await vi.advanceTimersByTimeAsync(599_000)
    expect(reachable).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(reachable).toEqual([
      ['agent4', true],
      ['agent4', false],
    ])
    expect(store.rows.size).toBe(0)
    await registrar.stop()
  })

  it('refuses a wrong password and an unknown extension, and too short an interval with Min-Expires', async () => {
    const { registrar, register, reachable } = setup()
    await registrar.start()
    expect((await register({ password: 'nope' })).status).toBe(401)
    expect((await register({ user: '999' })).status).toBe(404)
    const brief = await register({ expires: '10' })
    expect(brief.status).toBe(423)
    expect(brief.headers.get('min-expires')).toBe('60')
    expect((await register({ expires: '86400' })).headers.get('contact')).toBe(
      '<sip:804@127.0.0.1:5091>;expires=3600',
    )
    expect(reachable).toEqual([['agent4', true]])
    await registrar.stop()
  })

  it('unregisters with Expires 0 (one contact, or all with *), and brings stored bindings back after a restart', async () => {
    const first = setup()
    await first.registrar.start()
    await first.register()
    await first.register({ contact: '<sip:804@127.0.0.1:6000>' })
    expect(first.registrar.binding('t1', '804')?.contact).toBe('sip:804@127.0.0.1:6000')
    await first.register({ contact: '<sip:804@127.0.0.1:6000>', expires: '0' })
    expect(first.registrar.binding('t1', '804')?.contact).toBe('sip:804@127.0.0.1:5091')
    expect(first.reachable).toEqual([['agent4', true]])
    await first.registrar.stop()

    const restarted = setup(first.store)
    await restarted.registrar.start()
    expect(restarted.reachable).toEqual([['agent4', true]])
    expect((await restarted.register({ contact: '*', expires: '0' })).status).toBe(200)
    expect(restarted.reachable).toEqual([
      ['agent4', true],
      ['agent4', false],
    ])
    await restarted.registrar.stop()
    expect(first.store.rows.size).toBe(0)
  })

  it('rings the phone of highest q (RFC 3261 §10.2.1.2), the newest of equals, whoever refreshed last', async () => {
    const { registrar, register } = setup()
    await registrar.start()
    const desk = '<sip:804@127.0.0.1:5091>'
    const soft = '<sip:x1@df7jal23ls0d.invalid;transport=ws>'
    // The agent wants calls in the browser: the softphone says q=1, the desk phone nothing (0.5).
    await register({ contact: `${soft};q=1` })
    const refreshed = await register({ contact: desk })
    expect(refreshed.headers.getAll('contact')).toEqual([
      '<sip:x1@df7jal23ls0d.invalid;transport=ws>;expires=600;q=1',
      '<sip:804@127.0.0.1:5091>;expires=600',
    ])
    expect(registrar.binding('t1', '804')?.contact).toBe('sip:x1@df7jal23ls0d.invalid;transport=ws')
    // The agent chooses the desk phone: the softphone registers again with q=0.1.
    await register({ contact: `${soft};q=0.1` })
    expect(registrar.binding('t1', '804')?.contact).toBe('sip:804@127.0.0.1:5091')
    // Without a preference, the newest registration rings.
    await register({ contact: soft })
    expect(registrar.binding('t1', '804')?.contact).toBe('sip:x1@df7jal23ls0d.invalid;transport=ws')
    await register({ contact: desk })
    expect(registrar.binding('t1', '804')?.contact).toBe('sip:804@127.0.0.1:5091')
    for (const q of ['1.5', '-1', 'high', '0.1234'])
      expect((await register({ contact: `${soft};q=${q}` })).status).toBe(400)
    await registrar.stop()
  })

  it("a browser's WebSocket binding does not come back after a restart; a desk phone's does", async () => {
    const store = memoryStore()
    const binding = (transport: 'UDP' | 'WS', contact: string): PhoneBinding => ({
      tenantId: 't1',
      extension: '804',
      contact,
      source: { transport, host: '127.0.0.1', port: transport === 'WS' ? 40_000 : 5091 },
      expiresAt: Date.now() + 600_000,
      userAgent: null,
      registeredAt: Date.now(),
    })
    await store.write([
      { kind: 'save', binding: binding('UDP', 'sip:804@127.0.0.1:5091') },
      { kind: 'save', binding: binding('WS', 'sip:x1@df7jal23ls0d.invalid;transport=ws') },
    ])
    const { registrar } = setup(store)
    await registrar.start()
    expect(registrar.all('t1').map((b) => b.source.transport)).toEqual(['UDP'])
    await registrar.stop()
    expect([...store.rows.values()].map((b) => b.source.transport)).toEqual(['UDP'])
  })

  it('answers 200 only once the binding is stored, and 500 with Retry-After when it cannot be', async () => {
    const store = memoryStore()
    let release: () => void = () => undefined
    const write = store.write.bind(store)
    store.write = (c) => new Promise<void>((resolve) => (release = () => void write(c).then(resolve)))
    const { registrar, register, sent } = setup(store)
    await registrar.start()
    const pending = register()
    for (let i = 0; i < 20; i++) await Promise.resolve()
    expect(sent.map((r) => r.status)).toEqual([401])
    release()
    expect((await pending).status).toBe(200)
    expect(store.rows.size).toBe(1)

    const errors: unknown[] = []
    const failing = memoryStore()
    failing.write = () => Promise.reject(new Error('database unreachable'))
    const broken = setup(failing, errors)
    await broken.registrar.start()
    const refused = await broken.register()
    expect(refused.status).toBe(500)
    expect(refused.headers.get('retry-after')).toBe('5')
    expect(errors).toHaveLength(1)
  })
})
