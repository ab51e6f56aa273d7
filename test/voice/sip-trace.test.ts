import { describe, expect, it } from 'vitest'
import { SipHeaders } from '../../src/channels/voice/sip/headers.js'
import { request } from '../../src/channels/voice/sip/message.js'
import { responseTo } from '../../src/channels/voice/sip/transactions.js'
import type { TracedMessage } from '../support/sip-trace.js'
import { breachesOfRfc3261 } from '../support/sip-trace.js'

const invite = request(
  'INVITE',
  'sip:801@127.0.0.1:5091',
  SipHeaders.of({
    via: 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKinv',
    'max-forwards': '70',
    from: '<sip:5551234@127.0.0.1>;tag=us',
    to: '<sip:801@127.0.0.1>',
    'call-id': 'c1',
    cseq: '7 INVITE',
  }),
)
const ok = responseTo(invite, 200, 'OK', { toTag: 'phone' })
const ack = (branch: string) =>
  request(
    'ACK',
    'sip:801@127.0.0.1:5091',
    SipHeaders.of({
      via: `SIP/2.0/UDP 127.0.0.1:5060;branch=${branch}`,
      'max-forwards': '70',
      from: '<sip:5551234@127.0.0.1>;tag=us',
      to: '<sip:801@127.0.0.1>;tag=phone',
      'call-id': 'c1',
      cseq: '7 ACK',
    }),
  )
const at = (dir: 'in' | 'out', msg: TracedMessage['msg'], t: number): TracedMessage => ({ dir, msg, at: t })

describe('the RFC 3261 trace check', () => {
  it('passes a 2xx ACKed in a new transaction, and catches one ACKed in the INVITE’s', () => {
    expect(
      breachesOfRfc3261([at('out', invite, 1), at('in', ok, 2), at('out', ack('z9hG4bKnew'), 3)]),
    ).toEqual([])
    expect(
      breachesOfRfc3261([at('out', invite, 1), at('in', ok, 2), at('out', ack('z9hG4bKinv'), 3)]),
    ).toEqual(['§13.2.2.4 the ACK of a 2xx is a new transaction (new branch): ACK (Call-ID c1)'])
    expect(breachesOfRfc3261([at('out', invite, 1), at('in', ok, 2)])).toEqual([
      '§13.2.2.4 a 2xx to our INVITE is ACKed: 200 INVITE (Call-ID c1)',
    ])
  })

  it('catches a received request left without a final answer, and a response that loses its Via', () => {
    const got = request(
      'OPTIONS',
      'sip:x@y',
      SipHeaders.of({
        via: 'SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKo',
        from: '<sip:a@b>;tag=1',
        to: '<sip:x@y>',
        'call-id': 'c2',
        cseq: '1 OPTIONS',
      }),
    )
    expect(breachesOfRfc3261([at('in', got, 1)])).toEqual([
      '§17.2 OPTIONS (Call-ID c2) got no final response',
    ])
    const bad = responseTo(got, 200, 'OK', { toTag: 't' })
    bad.headers.set('via', 'SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKo;received=5.6.7.8')
    expect(breachesOfRfc3261([at('in', got, 1), at('out', bad, 2)])).toEqual([
      '§8.2.6.2 a response copies the request’s Via headers, in order: 200 OPTIONS (Call-ID c2)',
    ])
  })
})
