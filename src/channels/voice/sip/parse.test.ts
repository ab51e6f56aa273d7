import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { answerToBroken } from './broken-request.js'
import { SipParseError } from './errors.js'
import { SipHeaders } from './headers.js'
import { cseqOf, fromOf, request, toOf, topVia } from './message.js'
import type { SipMessage, SipRequest } from './message.js'
import { parseMessage } from './parse.js'
import { serialize } from './serialize.js'
import { readFrame, StreamFramer } from './stream-framer.js'

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'))

const INVITE = crlf([
  'INVITE sip:8000@127.0.0.1:5060 SIP/2.0',
  'v: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK776asdhds ;rport, SIP/2.0/TCP proxy.example.com;branch=z9hG4bKnashds8',
  'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1',
  'Max-Forwards: 70',
  'To: <sip:8000@127.0.0.1>',
  'f: "Bob, the \\"caller\\"" <sip:bob@127.0.0.1:5070>;tag=1928301774',
  'i: a84b4c76e66710@pc33',
  'CSeq: 314159 INVITE',
  'm: <sip:bob@127.0.0.1:5070;transport=udp>;expires=60, "x" <sip:x@h>',
  'Subject: a folded',
  '   subject line',
  'c: application/sdp',
  'l: 10',
  '',
  'v=0\r\no=-\r\nEXTRA BYTES AFTER THE BODY',
])

describe('SIP parser', () => {
  it('reads compact names, folded lines, list headers in one line or many, and the body by Content-Length', () => {
    const m = parseMessage(INVITE) as SipRequest
    expect(m).toMatchObject({ kind: 'request', method: 'INVITE', uri: 'sip:8000@127.0.0.1:5060' })
    expect(m.headers.getAll('via')).toHaveLength(3)
    expect(topVia(m)).toMatchObject({
      transport: 'UDP',
      host: '127.0.0.1',
      port: 5070,
      params: { branch: 'z9hG4bK776asdhds', rport: null },
    })
    expect(fromOf(m)).toMatchObject({
      display: 'Bob, the "caller"',
      uri: { user: 'bob', port: 5070 },
      params: { tag: '1928301774' },
    })
    expect(toOf(m).params.tag).toBeUndefined()
    expect(m.headers.getAll('contact')).toEqual([
      '<sip:bob@127.0.0.1:5070;transport=udp>;expires=60',
      '"x" <sip:x@h>',
    ])
    expect(m.headers.get('subject')).toBe('a folded subject line')
    expect(cseqOf(m)).toEqual({ seq: 314159, method: 'INVITE' })
    expect(m.body.toString()).toBe('v=0\r\no=-\r\n')
  })

  it('reads a response, and survives its own serialization unchanged', () => {
    const raw = crlf([
      'SIP/2.0 180 Ringing',
      'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1;received=127.0.0.1;rport=5070',
      'From: <sip:bob@h>;tag=a',
      'To: <sip:8000@h>;tag=b',
      'Call-ID: x@y',
      'CSeq: 1 INVITE',
      'Content-Length: 0',
      '',
      '',
    ])
    const m = parseMessage(raw)
    expect(m).toMatchObject({ kind: 'response', status: 180, reason: 'Ringing' })
    const again = parseMessage(serialize(m))
    expect([...again.headers]).toEqual([...m.headers])
  })

  it.each([
    [
      'no Call-ID',
      [
        'INVITE sip:a@b SIP/2.0',
        'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
        'From: <sip:a@b>;tag=1',
        'To: <sip:a@b>',
        'CSeq: 1 INVITE',
      ],
      400,
    ],
    [
      'a CSeq for another method',
      [
        'BYE sip:a@b SIP/2.0',
        'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
        'From: <sip:a@b>;tag=1',
        'To: <sip:a@b>',
        'Call-ID: c',
        'CSeq: 1 INVITE',
      ],
      400,
    ],
    [
      'another SIP version',
      [
        'INVITE sip:a@b SIP/7.0',
        'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
        'From: <sip:a@b>;tag=1',
        'To: <sip:a@b>',
        'Call-ID: c',
        'CSeq: 1 INVITE',
      ],
      505,
    ],
    [
      'a body shorter than Content-Length',
      [
        'OPTIONS sip:a@b SIP/2.0',
        'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
        'From: <sip:a@b>;tag=1',
        'To: <sip:a@b>',
        'Call-ID: c',
        'CSeq: 1 OPTIONS',
        'Content-Length: 99',
      ],
      400,
    ],
    [
      'a negative Content-Length',
      [
        'OPTIONS sip:a@b SIP/2.0',
        'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
        'From: <sip:a@b>;tag=1',
        'To: <sip:a@b>',
        'Call-ID: c',
        'CSeq: 1 OPTIONS',
        'Content-Length: -5',
      ],
      400,
    ],
    [
      'an unclosed <',
      [
        'OPTIONS sip:a@b SIP/2.0',
        'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
        'From: <sip:a@b;tag=1',
        'To: <sip:a@b>',
        'Call-ID: c',
        'CSeq: 1 OPTIONS',
      ],
      400,
    ],
  ])('refuses a request with %s, answered where it can be', (_, lines, status) => {
    const raw = crlf([...lines, '', ''])
    let error: unknown
    try {
      parseMessage(raw)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(SipParseError)
    expect((error as SipParseError).status).toBe(status)
    const answer = answerToBroken(raw, error as SipParseError)
    // Without a Call-ID no answer can be matched to the request: it is dropped.
    if (!raw.includes('Call-ID')) return expect(answer).toBeUndefined()
    expect(answer?.status).toBe(status)
    expect(answer?.headers.get('via')).toBe('SIP/2.0/UDP h;branch=z9hG4bK1')
  })

  it('frames a TCP stream cut anywhere, skipping keep-alive CRLFs', () => {
    const a = serialize(parseMessage(INVITE))
    const b = Buffer.concat([Buffer.from('\r\n\r\n'), a, a])
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: b.length - 1 }), { maxLength: 8 }), (cuts) => {
        const framer = new StreamFramer()
        const points = [...new Set(cuts)].sort((x, y) => x - y)
        const frames = [0, ...points].flatMap(
          (from, i) => framer.push(b.subarray(from, points[i] ?? b.length)).frames,
        )
        expect(frames.map((f) => f.kind)).toEqual(['message', 'message'])
      }),
    )
  })
})

/** Valid requests with random methods, header values and bodies. */
const requests = fc
  .record({
    method: fc.constantFrom(
      'INVITE',
      'ACK',
      'BYE',
      'CANCEL',
      'REGISTER',
      'OPTIONS',
      'INFO',
      'REFER',
      'NOTIFY',
      'X-CUSTOM',
    ),
    user: fc.stringMatching(/^[a-z0-9]{1,12}$/),
    host: fc.constantFrom('127.0.0.1', 'example.com', '[::1]', 'a-b.c'),
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    display: fc.option(
      fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, '')),
      { nil: undefined },
    ),
    tag: fc.stringMatching(/^[A-Za-z0-9]{1,16}$/),
    callId: fc.stringMatching(/^[A-Za-z0-9.@-]{1,30}$/),
    seq: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    extra: fc.array(
      fc.tuple(fc.stringMatching(/^X-[A-Za-z]{1,10}$/), fc.stringMatching(/^[!-~][ -~]{0,40}[!-~]$/)),
      { maxLength: 5 },
    ),
    body: fc.uint8Array({ maxLength: 300 }),
  })
  .map((r): SipRequest => {
    const host = `${r.host}${r.port ? `:${r.port}` : ''}`
    const display = r.display === undefined ? '' : `"${r.display.replace(/(["\\])/g, '\\$1')}" `
    const headers = SipHeaders.of({
      via: `SIP/2.0/UDP ${host};branch=z9hG4bK${r.tag}`,
      from: `${display}<sip:${r.user}@${host}>;tag=${r.tag}`,
      to: `<sip:${r.user}@${host}>`,
      'call-id': r.callId,
      cseq: `${r.seq} ${r.method}`,
      'max-forwards': '70',
    })
    for (const [k, v] of r.extra) headers.append(k, v)
    return request(r.method, `sip:${r.user}@${host}`, headers, Buffer.from(r.body))
  })

function parsesOrRefuses(raw: Buffer): void {
  try {
    parseMessage(raw)
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e
    // Whatever broke, answering it must not throw either.
    answerToBroken(raw, e)
  }
  readFrame(raw)
}

describe('SIP parser under fuzzing', () => {
  it('gives back what it serialized, for any valid request', () => {
    fc.assert(
      fc.property(requests, (req) => {
        const back = parseMessage(serialize(req)) as SipMessage
        expect(back).toMatchObject({ kind: 'request', method: req.method, uri: req.uri })
        expect(back.body.equals(req.body)).toBe(true)
        expect([...back.headers].filter(([n]) => n !== 'content-length')).toEqual([...req.headers])
        expect(back.headers.get('content-length')).toBe(String(req.body.length))
      }),
      { numRuns: 500 },
    )
  })

  it('never throws anything but a parse error on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => parsesOrRefuses(Buffer.from(bytes))),
      { numRuns: 2000 },
    )
  })

  it('never throws anything but a parse error on valid messages with bytes flipped, cut or inserted', () => {
    fc.assert(
      fc.property(
        requests,
        fc.array(
          fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'cut', 'insert')),
          { minLength: 1, maxLength: 6 },
        ),
        (req, edits) => {
          let raw = serialize(req)
          for (const [at, byte, how] of edits) {
            const i = at % Math.max(1, raw.length)
            if (how === 'flip')
              raw = Buffer.concat([raw.subarray(0, i), Buffer.from([byte]), raw.subarray(i + 1)])
            else if (how === 'cut') raw = raw.subarray(0, i)
            else raw = Buffer.concat([raw.subarray(0, i), Buffer.from([byte]), raw.subarray(i)])
          }
          parsesOrRefuses(raw)
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('never throws anything but a parse error on header lines made of SIP-ish pieces', () => {
    const piece = fc.constantFrom(
      '<',
      '>',
      '"',
      ';',
      '=',
      ',',
      ':',
      '@',
      'sip:',
      'sips:',
      '[',
      ']',
      '::1',
      'tag',
      'z9hG4bK',
      ' ',
      '\t',
      '\\',
      '%',
      '%zz',
      '1',
      '65536',
      'a',
    )
    const value = fc.array(piece, { maxLength: 20 }).map((p) => p.join(''))
    fc.assert(
      fc.property(
        fc.constantFrom('Via', 'From', 'To', 'Contact', 'CSeq', 'Call-ID', 'Content-Length', 'Max-Forwards'),
        value,
        fc.constantFrom('INVITE', 'sip:x@y'),
        (name, v, where) => {
          const base = [
            'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
            'From: <sip:a@b>;tag=1',
            'To: <sip:a@b>',
            'Call-ID: c',
            'CSeq: 1 INVITE',
          ]
          const lines = base.map((l) => (l.startsWith(`${name}:`) ? `${name}: ${v}` : l))
          if (!base.some((l) => l.startsWith(`${name}:`))) lines.push(`${name}: ${v}`)
          parsesOrRefuses(
            crlf([where === 'INVITE' ? 'INVITE sip:a@b SIP/2.0' : `INVITE ${v} SIP/2.0`, ...lines, '', '']),
          )
        },
      ),
      { numRuns: 3000 },
    )
  })
})
