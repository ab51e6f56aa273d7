import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SipHeaders } from './headers.js'
import type { SipMessage, SipRequest, SipResponse } from './message.js'
import { request, toOf, topVia } from './message.js'
import type { ServerTransaction } from './transactions.js'
import { responseTo, TransactionLayer } from './transactions.js'
import { fakeWire, PEER } from '../../../../test/support/fake-sip-wire.js'

const T = { T1: 500, T2: 4000, T4: 5000 }
function invite(method = 'INVITE', branch = 'z9hG4bKabc'): SipRequest {
  return request(
    method,
    'sip:8000@127.0.0.1',
    SipHeaders.of({
      via: `SIP/2.0/UDP 127.0.0.1:5070;branch=${branch}`,
      from: '<sip:bob@127.0.0.1>;tag=caller',
      to: '<sip:8000@127.0.0.1>',
      'call-id': 'call-1',
      cseq: `1 ${method}`,
      'max-forwards': '70',
    }),
  )
}

const reqs = (sent: { at: number; msg: SipMessage }[], method: string) =>
  sent.filter((s) => s.msg.kind === 'request' && s.msg.method === method)
const statuses = (sent: { msg: SipMessage }[]) =>
  sent.filter((s) => s.msg.kind === 'response').map((s) => (s.msg as SipResponse).status)

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('client transactions (§17.1)', () => {
  it('resends an INVITE at T1, 2·T1, 4·T1… until a provisional answer, and times out at 64·T1 without a final one', () => {
    const { wire, sent, deliver } = fakeWire()
    const layer = new TransactionLayer(wire, T)
    const onTimeout = vi.fn()
    const start = Date.now()
    const req = invite()
    req.headers.remove('via')
    layer.request(req, PEER, { onFinal: vi.fn(), onTimeout })
    vi.advanceTimersByTime(3500)
    expect(reqs(sent, 'INVITE').map((s) => s.at - start)).toEqual([0, 500, 1500, 3500])
    const ringing = responseTo(reqs(sent, 'INVITE')[0]!.msg as SipRequest, 180, 'Ringing', { toTag: 'agent' })
    deliver(ringing)
    vi.advanceTimersByTime(20_000)
    expect(reqs(sent, 'INVITE')).toHaveLength(4)
    expect(onTimeout).not.toHaveBeenCalled()
    vi.advanceTimersByTime(64 * 500)
    expect(onTimeout).toHaveBeenCalledOnce()
  })

  it('fails at once, not after Timer B, when the wire cannot send (a browser whose WebSocket is gone)', async () => {
    const { wire } = fakeWire()
    const layer = new TransactionLayer({ ...wire, send: () => false }, T)
    const onTimeout = vi.fn()
    const req = invite()
    req.headers.remove('via')
    layer.request(req, { transport: 'WS', host: '127.0.0.1', port: 40_000 }, { onFinal: vi.fn(), onTimeout })
    await Promise.resolve()
    expect(onTimeout).toHaveBeenCalledOnce()
    vi.advanceTimersByTime(64 * 500)
    expect(onTimeout).toHaveBeenCalledOnce()
  })

  it('ACKs a failure in the same transaction (same branch, the answer’s To tag), again for each resent failure', () => {
    const { wire, sent, deliver } = fakeWire()
    const layer = new TransactionLayer(wire, T)
    const onFinal = vi.fn()
    const req = invite()
    req.headers.remove('via')
    layer.request(req, PEER, { onFinal, onTimeout: vi.fn() })
    const busy = responseTo(sent[0]!.msg as SipRequest, 486, 'Busy Here', { toTag: 'agent' })
    deliver(busy)
    deliver(busy)
    const acks = reqs(sent, 'ACK').map((s) => s.msg as SipRequest)
    expect(acks).toHaveLength(2)
    expect(topVia(acks[0]!).params.branch).toBe(topVia(sent[0]!.msg).params.branch)
    expect(toOf(acks[0]!).params.tag).toBe('agent')
    expect(acks[0]!.headers.get('cseq')).toBe('1 ACK')
    expect(onFinal).toHaveBeenCalledOnce()
    vi.advanceTimersByTime(60_000)
    expect(reqs(sent, 'INVITE')).toHaveLength(1)
  })

  it('resends a non-INVITE with the interval doubling up to T2', () => {
    const { wire, sent } = fakeWire()
    const layer = new TransactionLayer(wire, T)
    const start = Date.now()
    const req = invite('OPTIONS')
    req.headers.remove('via')
    layer.request(req, PEER, { onFinal: vi.fn(), onTimeout: vi.fn() })
    vi.advanceTimersByTime(16_000)
    expect(reqs(sent, 'OPTIONS').map((s) => s.at - start)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500])
  })

  it('sends nothing again over TCP', () => {
    const { wire, sent } = fakeWire()
    const layer = new TransactionLayer(wire, T)
    const req = invite()
    req.headers.remove('via')
    layer.request(req, { ...PEER, transport: 'TCP' }, { onFinal: vi.fn(), onTimeout: vi.fn() })
    vi.advanceTimersByTime(10_000)
    expect(reqs(sent, 'INVITE')).toHaveLength(1)
    expect(topVia(sent[0]!.msg).transport).toBe('TCP')
  })
})

describe('server transactions (§17.2)', () => {
  function serve() {
    const f = fakeWire()
    const layer = new TransactionLayer(f.wire, T)
    const txs: ServerTransaction[] = []
    layer.onRequest = (_, tx) => txs.push(tx)
    return { ...f, layer, txs }
  }

  it('answers 100 at once, resends its last answer to a resent INVITE, and resends a failure until the ACK', () => {
    const { sent, deliver, txs } = serve()
    deliver(invite())
    expect(statuses(sent)).toEqual([100])
    deliver(invite())
    expect(statuses(sent)).toEqual([100, 100])
    expect(txs).toHaveLength(1)
    txs[0]!.reply(486, 'Busy Here', { toTag: 'us' })
    vi.advanceTimersByTime(1600)
    expect(statuses(sent)).toEqual([100, 100, 486, 486, 486])
    const ack = invite('ACK')
    ack.headers.set('to', '<sip:8000@127.0.0.1>;tag=us')
    deliver(ack)
    vi.advanceTimersByTime(30_000)
    expect(statuses(sent)).toEqual([100, 100, 486, 486, 486])
  })

  it('resends a 2xx until the ACK reaches the TU, and tells the TU when none comes', () => {
    const { sent, deliver, txs, layer } = serve()
    const acks = vi.fn()
    const noAck = vi.fn()
    layer.onAck = acks
    layer.onNoAck = noAck
    deliver(invite())
    txs[0]!.reply(200, 'OK', { toTag: 'us' })
    vi.advanceTimersByTime(1600)
    expect(statuses(sent)).toEqual([100, 200, 200, 200])
    const ack = invite('ACK', 'z9hG4bKother')
    deliver(ack)
    expect(acks).toHaveBeenCalledOnce()
    vi.advanceTimersByTime(60_000)
    expect(statuses(sent)).toHaveLength(4)
    expect(noAck).not.toHaveBeenCalled()

    deliver(invite('INVITE', 'z9hG4bKsecond'))
    txs[1]!.reply(200, 'OK', { toTag: 'us' })
    vi.advanceTimersByTime(64 * 500)
    expect(noAck).toHaveBeenCalledOnce()
  })

  it('answers a CANCEL 200, ends the INVITE with 487 at once and tells the TU; a CANCEL of nothing gets 481', () => {
    const { sent, deliver, txs } = serve()
    deliver(invite())
    const cancelled = vi.fn()
    txs[0]!.onCancel = cancelled
    deliver(invite('CANCEL'))
    expect(cancelled).toHaveBeenCalledOnce()
    expect(statuses(sent)).toEqual([100, 200, 487])
    deliver(invite('CANCEL', 'z9hG4bKunknown'))
    expect(statuses(sent)).toEqual([100, 200, 487, 481])
  })

  it('CANCEL racing the INVITE: a CANCEL before the TU decided leaves the INVITE 487 and nothing to answer', () => {
    const { sent, deliver, txs } = serve()
    deliver(invite())
    // The TU is still deciding (no onCancel set yet) when the CANCEL comes 5 ms later.
    vi.advanceTimersByTime(5)
    deliver(invite('CANCEL'))
    expect(txs[0]!.cancelled).toBe(true)
    // The TU's late 200 goes nowhere: the INVITE is over.
    txs[0]!.reply(200, 'OK', { toTag: 'us' })
    vi.advanceTimersByTime(2000)
    expect(statuses(sent).filter((s) => s === 200)).toHaveLength(1) // the CANCEL's
    expect(statuses(sent)).toContain(487)
  })

  it('an INVITE resent after its 2xx (same branch) is absorbed (RFC 6026): no second request for the TU', () => {
    const { sent, deliver, txs } = serve()
    deliver(invite())
    txs[0]!.reply(200, 'OK', { toTag: 'us' })
    deliver(invite())
    expect(txs).toHaveLength(1)
    expect(statuses(sent)).toEqual([100, 200])
    // The UAS core's own resending of the 2xx goes on until the ACK, with the one To tag.
    vi.advanceTimersByTime(600)
    const oks = sent.filter((s) => s.msg.kind === 'response' && s.msg.status === 200)
    expect(oks.length).toBe(2)
    expect(new Set(oks.map((s) => toOf(s.msg).params.tag))).toEqual(new Set(['us']))
  })

  it('answers a resent non-INVITE with its last answer for 64·T1 (Timer J), the TU not asked again; then it is new', () => {
    const { sent, deliver, txs } = serve()
    deliver(invite('REGISTER'))
    txs[0]!.reply(401, 'Unauthorized')
    vi.advanceTimersByTime(10_000)
    deliver(invite('REGISTER'))
    expect(statuses(sent)).toEqual([401, 401])
    expect(txs).toHaveLength(1)
    // Another request merging with the lingering one is still a loop (§8.2.2.2).
    deliver(invite('REGISTER', 'z9hG4bKforked'))
    expect(statuses(sent)).toEqual([401, 401, 482])
    vi.advanceTimersByTime(64 * T.T1 - 10_000)
    deliver(invite('REGISTER'))
    expect(txs).toHaveLength(2)
  })

  it('a merged request (same Call-ID, From tag and CSeq on another branch, §8.2.2.2) gets 482', () => {
    const { sent, deliver, txs } = serve()
    deliver(invite())
    deliver(invite('INVITE', 'z9hG4bKforked'))
    expect(txs).toHaveLength(1)
    expect(statuses(sent)).toEqual([100, 482])
  })
})
