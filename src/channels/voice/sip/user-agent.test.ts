import { describe, expect, it, vi } from 'vitest'
import { fakeWire, PEER } from '../../../../test/support/fake-sip-wire.js'
import { SipHeaders } from './headers.js'
import type { SipRequest, SipResponse } from './message.js'
import { request, toOf } from './message.js'
import type { ServerTransaction } from './transactions.js'
import { TransactionLayer } from './transactions.js'
import { SipUserAgent } from './user-agent.js'

// What a UAS answers before any call logic looks at a request (RFC 3261 §8.2), and how a dialog
// follows the route set its proxies asked for (§12, §16.12). Each case names the item.

function req(method: string, headers: Record<string, string> = {}, uri = 'sip:8000@127.0.0.1'): SipRequest {
  return request(
    method,
    uri,
    SipHeaders.of({
      via: `SIP/2.0/UDP 127.0.0.1:5070;rport;branch=z9hG4bK${method}${Math.random().toString(36).slice(2)}`,
      from: '<sip:+15550100@carrier.example>;tag=caller',
      to: '<sip:8000@127.0.0.1>',
      'call-id': `ua-${Math.random()}`,
      cseq: `1 ${method}`,
      'max-forwards': '70',
      ...headers,
    }),
  )
}

function ua() {
  const f = fakeWire()
  const agent = new SipUserAgent(new TransactionLayer(f.wire))
  const seen: { req: SipRequest; tx: ServerTransaction }[] = []
  agent.onRequest = (r, tx) => {
    seen.push({ req: r, tx })
    if (r.method === 'OPTIONS') tx.reply(200, 'OK')
  }
  const answers = () =>
    f.sent.filter((s) => s.msg.kind === 'response').map((s) => s.msg as SipResponse) as SipResponse[]
  const final = () => answers().filter((r) => r.status >= 200)
  return { ...f, agent, seen, answers, final }
}

describe('requests refused before the call logic (§8.2.1–§8.2.2.3)', () => {
  it.each([
    [
      'an unknown option tag in Require gets 420 naming it in Unsupported',
      req('INVITE', { require: 'foo, 100rel' }),
      420,
      { unsupported: 'foo, 100rel' },
    ],
    ['Max-Forwards 0 gets 483', req('OPTIONS', { 'max-forwards': '0' }), 483, {}],
    [
      'an unrecognised method gets 501 with Allow',
      req('FOOBAR'),
      501,
      { allow: expect.stringContaining('INVITE') },
    ],
    [
      'a known method not taken here gets 405 with Allow',
      req('SUBSCRIBE'),
      405,
      { allow: expect.stringContaining('REGISTER') },
    ],
    [
      'a Request-URI of a scheme we cannot route gets 416',
      req('OPTIONS', {}, 'mailto:ops@example.com'),
      416,
      {},
    ],
  ])('%s', (_, r, status, headers) => {
    const u = ua()
    u.deliver(r)
    const answer = u.final()[0]!
    expect(answer.status).toBe(status)
    for (const [name, value] of Object.entries(headers))
      expect(answer.headers.getAll(name).join(', ')).toEqual(value)
    expect(u.seen).toHaveLength(0)
  })

  it('a method of a dialog inside a dialog we do not have gets 405 with Allow for an unknown one there too', () => {
    const u = ua()
    u.deliver(req('PUBLISH', { to: '<sip:8000@127.0.0.1>;tag=nodialog' }))
    expect(u.final()[0]).toMatchObject({ status: 405 })
    expect(u.final()[0]!.headers.getAll('allow').join(', ')).not.toContain('REGISTER')
  })

  it('tel: URIs are taken in the Request-URI and the From (carriers send both)', () => {
    const u = ua()
    u.deliver(req('OPTIONS', { from: '<tel:+1-555-0100>;tag=t1' }, 'tel:+18005550199;phone-context=+1'))
    expect(u.seen).toHaveLength(1)
    expect(u.final()[0]!.status).toBe(200)
  })

  it('a final answer outside a dialog carries a To tag, a new one each time (§8.2.6.2)', () => {
    const u = ua()
    u.deliver(req('OPTIONS'))
    u.deliver(req('OPTIONS'))
    const tags = u.final().map((r) => toOf(r).params.tag)
    expect(tags.every((t) => typeof t === 'string' && t.length > 0)).toBe(true)
    expect(new Set(tags).size).toBe(2)
  })
})

describe('answers go where §18.2.2 says', () => {
  it.each([
    ['rport asked: the packet source', ';rport', { host: '192.0.2.9', port: 40000 }],
    ['no rport: the source address at the sent-by port', '', { host: '192.0.2.9', port: 5070 }],
    ['maddr: that address', ';maddr=198.51.100.7', { host: '198.51.100.7', port: 5070 }],
  ])('%s', (_, via, target) => {
    const u = ua()
    const r = req('OPTIONS')
    r.headers.set('via', `SIP/2.0/UDP 10.0.0.5:5070${via};branch=z9hG4bKvia${via.length}`)
    u.deliver(r, { transport: 'UDP', host: '192.0.2.9', port: 40000 })
    expect(u.sent.at(-1)!.to).toMatchObject(target)
  })
})

describe('a dialog behind a record-routing proxy (§12.1.1, §16.12)', () => {
  const proxied = () =>
    req('INVITE', {
      'record-route': '<sip:sbc1.example:5080;lr>, <sip:sbc2.example;lr>',
      contact: '<sip:caller@10.9.9.9:5062>',
      'content-type': 'application/sdp',
    })

  it('copies Record-Route into the 2xx and sends BYE by the route set, to its first hop', async () => {
    const u = ua()
    u.deliver(proxied())
    const { tx } = u.seen[0]!
    const dialog = u.agent.acceptInvite(tx, 'v=0\r\n', () => undefined)
    const ok = u.final()[0]!
    expect(ok.headers.getAll('record-route')).toEqual(['<sip:sbc1.example:5080;lr>', '<sip:sbc2.example;lr>'])
    void u.agent.send(dialog, 'BYE')
    const bye = u.sent.at(-1)!
    expect(bye.msg).toMatchObject({ kind: 'request', method: 'BYE', uri: 'sip:caller@10.9.9.9:5062' })
    expect(bye.msg.headers.getAll('route')).toEqual(['<sip:sbc1.example:5080;lr>', '<sip:sbc2.example;lr>'])
    expect(bye.to).toMatchObject({ host: 'sbc1.example', port: 5080 })
  })

  it('a strict router (no lr) gets the Request-URI, and the remote target goes last in Route', () => {
    const u = ua()
    const r = proxied()
    r.headers.set('record-route', '<sip:old-proxy.example>')
    u.deliver(r)
    const dialog = u.agent.acceptInvite(u.seen[0]!.tx, 'v=0\r\n', () => undefined)
    void u.agent.send(dialog, 'BYE')
    const bye = u.sent.at(-1)!
    expect(bye.msg).toMatchObject({ method: 'BYE', uri: 'sip:old-proxy.example' })
    expect(bye.msg.headers.getAll('route')).toEqual(['<sip:caller@10.9.9.9:5062>'])
  })

  it('without a route set, in-dialog requests go to where the caller really is (NAT)', () => {
    const u = ua()
    const r = proxied()
    r.headers.set('record-route', undefined)
    u.deliver(r)
    const dialog = u.agent.acceptInvite(u.seen[0]!.tx, 'v=0\r\n', () => undefined)
    void u.agent.send(dialog, 'BYE')
    expect(u.sent.at(-1)!.to).toEqual(PEER)
  })

  it('a 2xx never ACKed tells the dialog, after 64·T1 (§13.3.1.4)', () => {
    vi.useFakeTimers()
    try {
      const u = ua()
      u.deliver(proxied())
      const noAck = vi.fn()
      u.agent.acceptInvite(u.seen[0]!.tx, 'v=0\r\n', () => undefined, 'ours', noAck)
      vi.advanceTimersByTime(64 * 500 - 1)
      expect(noAck).not.toHaveBeenCalled()
      vi.advanceTimersByTime(1)
      expect(noAck).toHaveBeenCalledOnce()
    } finally {
      vi.useRealTimers()
    }
  })
})
