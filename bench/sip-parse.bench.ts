import { parseMessage } from '../src/channels/voice/sip/parse.js'
import type { BenchResult } from './stats.js'
import { fmt, median, verdict } from './stats.js'

const SDP = [
  'v=0',
  'o=- 3912 3913 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40012 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  '',
].join('\r\n')

const msg = (lines: string[], body = ''): Buffer =>
  Buffer.from([...lines, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n'))

const common = (method: string, seq: number, toTag = '') => [
  'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1a2b3c4d5e;rport',
  'Via: SIP/2.0/UDP 10.1.2.3:5060;branch=z9hG4bKproxy77;received=10.1.2.3',
  'Max-Forwards: 70',
  'From: "Ann Caller" <sip:5551234@127.0.0.1:5070>;tag=8f7e6d',
  `To: <sip:8000@127.0.0.1>${toTag}`,
  'Call-ID: 4d1b9a3c-77aa-4f2e-b1c0-1e2f3a4b5c6d@127.0.0.1',
  `CSeq: ${seq} ${method}`,
  'User-Agent: baresip v1.0.0 (x86_64/linux)',
]

/** What a B2BUA reads most: call set-up and tear-down, a registration with credentials, a keep-alive. */
const CORPUS: Buffer[] = [
  msg(
    [
      'INVITE sip:8000@127.0.0.1 SIP/2.0',
      ...common('INVITE', 1),
      'Contact: <sip:5551234@127.0.0.1:5070;transport=udp>',
      'Allow: INVITE,ACK,BYE,CANCEL,OPTIONS,NOTIFY,SUBSCRIBE,INFO,MESSAGE,UPDATE,REFER',
      'Supported: replaces,norefersub',
      'Content-Type: application/sdp',
    ],
    SDP,
  ),
  msg(['SIP/2.0 100 Trying', ...common('INVITE', 1)]),
  msg(['SIP/2.0 180 Ringing', ...common('INVITE', 1, ';tag=a1b2'), 'Contact: <sip:801@127.0.0.1:5091>']),
  msg(
    [
      'SIP/2.0 200 OK',
      ...common('INVITE', 1, ';tag=a1b2'),
      'Contact: <sip:801@127.0.0.1:5091>',
      'Content-Type: application/sdp',
    ],
    SDP,
  ),
  msg(['ACK sip:801@127.0.0.1:5091 SIP/2.0', ...common('ACK', 1, ';tag=a1b2')]),
  msg(['BYE sip:801@127.0.0.1:5091 SIP/2.0', ...common('BYE', 2, ';tag=a1b2')]),
  msg(['SIP/2.0 200 OK', ...common('BYE', 2, ';tag=a1b2')]),
  msg([
    'REGISTER sip:127.0.0.1 SIP/2.0',
    ...common('REGISTER', 7),
    'Contact: <sip:801@127.0.0.1:5091;transport=udp>;expires=600',
    'Authorization: Digest username="801",realm="demo",nonce="m5x1.K7d2kQ9sP0aZ3xT8vY1uWq",uri="sip:127.0.0.1",response="6629fae49393a05397450978507c4ef1",algorithm=MD5,qop=auth,nc=00000001,cnonce="0a4f113b"',
    'Expires: 600',
  ]),
  msg(['OPTIONS sip:127.0.0.1 SIP/2.0', ...common('OPTIONS', 3), 'Accept: application/sdp']),
]

const ROUND = 40_000

function round(work: (b: Buffer) => unknown): number {
  let sink = 0
  const t0 = performance.now()
  for (let i = 0; i < ROUND; i++) {
    const r = work(CORPUS[i % CORPUS.length] as Buffer)
    sink += r ? 1 : 0
  }
  const elapsed = performance.now() - t0
  if (sink !== ROUND) throw new Error('a message did not parse')
  return (ROUND / elapsed) * 1000
}

/** SIP messages parsed per second against splitting the same bytes into lines, same run. */
export function sipParseBench(): BenchResult {
  const lines = (b: Buffer) => b.toString('utf8').split('\r\n').length
  const parse = (b: Buffer) => parseMessage(b)
  for (let i = 0; i < 3; i++) {
    round(lines) // warm-up
    round(parse)
  }
  const ours: number[] = []
  const base: number[] = []
  for (let i = 0; i < 9; i++) {
    // The order alternates, so a drift of the machine touches both sides alike.
    if (i % 2) base.push(round(lines))
    ours.push(round(parse))
    if (i % 2 === 0) base.push(round(lines))
  }
  const bytes = CORPUS.reduce((n, b) => n + b.length, 0) / CORPUS.length
  return verdict({
    name: 'sip-parse',
    ratio: median(ours) / median(base),
    threshold: 0.05,
    details: [
      [
        'workload',
        `${CORPUS.length} kinds of message (INVITE with SDP, its answers, ACK, BYE, REGISTER with credentials, OPTIONS), ${fmt(bytes)} bytes on average`,
      ],
      [
        'parsed and checked (start line, every header, the headers a transaction needs), messages/s (median of 9)',
        fmt(median(ours)),
      ],
      ['split into lines only, messages/s', fmt(median(base))],
    ],
  })
}
