import { describe, expect, it } from 'vitest'
import { SipHeaders } from './headers.js'
import type { SipMessage } from './message.js'
import { request, response } from './message.js'
import { edgeRoute, SipRelay, throughEdge } from './relay.js'
import type { SipEndpoint } from './transport.js'

// Node A (10.0.0.1:5060) relays for a phone on a TCP connection to it; node B (10.0.0.2:5060)
// holds the call.
const phone: SipEndpoint = { transport: 'TCP', host: '192.0.2.7', port: 51234 }
const nodeB: SipEndpoint = { transport: 'UDP', host: '10.0.0.2', port: 5060 }

function nodeA() {
  const sent: { msg: SipMessage; to: SipEndpoint }[] = []
  const relay = new SipRelay({
    host: '10.0.0.1',
    port: 5060,
    portOf: () => 5060,
    send: (msg, to) => sent.push({ msg, to }) > 0,
    onMessage: () => undefined,
  })
  return { relay, sent }
}

const invite = (maxForwards = '70') =>
  request(
    'INVITE',
    'sip:803@192.0.2.7:5080;transport=tcp',
    SipHeaders.of({
      via: 'SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKb1;rport=5060;received=10.0.0.2',
      route: edgeRoute('10.0.0.1:5060', phone),
      'max-forwards': maxForwards,
      from: '<sip:5551234@10.0.0.2>;tag=f1',
      to: '<sip:803@example.com>',
      'call-id': 'c1',
      cseq: '1 INVITE',
      contact: '<sip:switchboard@10.0.0.2:5060>',
    }),
  )

describe('the SIP relay of a cluster node (for phones only it reaches)', () => {
  it('sends a request routed to a flow here on to the phone, record-routed, with its own Via', () => {
    const { relay, sent } = nodeA()
    expect(relay.take(invite(), nodeB)).toBe(true)
    const [out] = sent
    expect(out?.to).toEqual(phone)
    const h = out!.msg.headers
    expect(h.getAll('route')).toEqual([])
    expect(h.get('max-forwards')).toBe('69')
    expect(h.getAll('via')).toHaveLength(2)
    expect(h.get('via')).toMatch(/^SIP\/2\.0\/TCP 10\.0\.0\.1:5060;branch=z9hG4bKsbr[0-9a-f]+;rport$/)
    expect(h.get('record-route')).toMatch(/^<sip:10\.0\.0\.1:5060;transport=tcp;lr;sb-flow=/)
    // A retransmission (and its CANCEL, and the ACK of a failure) goes out with the same branch.
    relay.take(invite(), nodeB)
    expect(sent[1]!.msg.headers.get('via')).toBe(h.get('via'))
  })

  it("sends the phone's answers back by the next Via, and the phone's own requests on to the other node", () => {
    const { relay, sent } = nodeA()
    relay.take(invite(), nodeB)
    const ok = response(200, 'OK', sent[0]!.msg.headers.clone())
    expect(relay.take(ok, phone)).toBe(true)
    expect(sent[1]?.to).toEqual(nodeB)
    expect(sent[1]!.msg.headers.getAll('via')).toEqual([
      'SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKb1;rport=5060;received=10.0.0.2',
    ])
    // The phone hangs up: its BYE follows the route set (our Record-Route) to the call's node.
    const bye = request(
      'BYE',
      'sip:switchboard@10.0.0.2:5060',
      SipHeaders.of({
        via: 'SIP/2.0/TCP 192.0.2.7:5080;branch=z9hG4bKp1;received=192.0.2.7;rport=51234',
        route: sent[0]!.msg.headers.get('record-route'),
        'max-forwards': '70',
        from: '<sip:803@example.com>;tag=t9',
        to: '<sip:5551234@10.0.0.2>;tag=f1',
        'call-id': 'c1',
        cseq: '2 BYE',
      }),
    )
    expect(relay.take(bye, phone)).toBe(true)
    expect(sent[2]?.to).toEqual(nodeB)
    expect(sent[2]!.msg.headers.get('via')).toMatch(/^SIP\/2\.0\/UDP 10\.0\.0\.1:5060;branch=z9hG4bKsbr/)
    expect(sent[2]!.msg.headers.get('record-route')).toBeUndefined()
  })

  it('refuses a request out of hops with 483, and leaves every other message to this node', () => {
    const { relay, sent } = nodeA()
    expect(relay.take(invite('0'), nodeB)).toBe(true)
    expect(sent[0]?.msg).toMatchObject({ kind: 'response', status: 483 })
    expect(sent[0]?.to).toEqual(nodeB)
    const own = invite()
    own.headers.remove('route')
    expect(relay.take(own, nodeB)).toBe(false)
    expect(
      relay.take(
        response(200, 'OK', SipHeaders.of({ via: 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKx' })),
        phone,
      ),
    ).toBe(false)
  })

  it('tells another node to ring a phone bound with an edge through that edge, and the edge itself to ring it straight', () => {
    const binding = { edge: '10.0.0.1:5060', source: phone }
    expect(throughEdge(binding, '10.0.0.2:5060')).toEqual({
      to: { transport: 'UDP', host: '10.0.0.1', port: 5060 },
      route: edgeRoute('10.0.0.1:5060', phone),
    })
    expect(throughEdge(binding, '10.0.0.1:5060')).toBeUndefined()
    expect(throughEdge({ source: phone }, '10.0.0.2:5060')).toBeUndefined()
  })
})
