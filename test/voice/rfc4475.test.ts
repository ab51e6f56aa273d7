import { createSocket } from 'node:dgram'
import type { Socket } from 'node:dgram'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sdpOf } from '../../src/channels/voice/sip/sdp-body.js'
import { TransactionLayer } from '../../src/channels/voice/sip/transactions.js'
import { SipTransport } from '../../src/channels/voice/sip/transport.js'
import { SipUserAgent } from '../../src/channels/voice/sip/user-agent.js'
import type { TortureCase } from '../support/rfc4475.js'
import { INVALID, VALID } from '../support/rfc4475.js'

// Every parser test of RFC 4475 (§3.1.1, §3.1.2) sent as a UDP datagram to our SIP stack on
// loopback (transport, transactions, UA). A UA that takes OPTIONS and REGISTER (200) and INVITE
// (486 when the offer has audio, 488 when it has none) answers each as RFC 4475 says it must.

let transport: SipTransport
let client: Socket
const reached: string[] = []
interface Heard {
  readonly status: number
  readonly reason: string
  readonly callId: string
  readonly allow: string
}
const inbox: Heard[] = []
/** Final answers already heard: an INVITE's failure is resent until its ACK (§17.2.1). */
const heard = new Set<string>()
let waiting: (() => void) | undefined

beforeAll(async () => {
  transport = await SipTransport.listen({ host: '127.0.0.1', port: 0 })
  const ua = new SipUserAgent(new TransactionLayer(transport))
  ua.onRequest = (req, tx) => {
    reached.push(req.headers.get('call-id') ?? '')
    if (req.method !== 'INVITE') return void tx.reply(200, 'OK')
    tx.reply(sdpOf(req).includes('m=audio') ? 486 : 488, 'Busy Here')
  }
  client = createSocket('udp4')
  await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve))
  client.on('message', (data) => {
    const answer = read(data)
    const key = `${answer.callId}|${answer.status}`
    if (answer.status >= 200 && !heard.has(key)) {
      heard.add(key)
      inbox.push(answer)
    }
    waiting?.()
  })
})
afterAll(async () => {
  client.close()
  await transport.close()
})

/**
 * An answer as a client reads it. A 400 echoes the broken header that caused it (§8.2.6.2), so
 * our strict parser is not the tool here: the status line and two headers are enough.
 */
function read(data: Buffer): Heard {
  const text = data.toString('utf8')
  const status = /^SIP\/2\.0 (\d{3}) (.*)\r\n/.exec(text)
  const header = (name: RegExp) =>
    [...text.matchAll(new RegExp(`^(?:${name.source})\\s*:\\s*(.*)$`, 'gim'))].map((m) => (m[1] ?? '').trim())
  return {
    status: Number(status?.[1] ?? 0),
    reason: status?.[2] ?? '',
    callId: header(/call-id|i/)[0] ?? '',
    allow: header(/allow/).join(', '),
  }
}

/** The next final answer, whatever it answers. */
async function nextFinal(): Promise<Heard> {
  while (inbox.length === 0) await new Promise<void>((resolve) => (waiting = resolve))
  return inbox.shift()!
}

function send(message: Buffer): void {
  client.send(message, transport.port, '127.0.0.1')
}

/** An OPTIONS after a message that must get no answer: its 200 is the next thing heard. */
function probe(callId: string): Buffer {
  const { port } = client.address()
  return Buffer.from(
    [
      'OPTIONS sip:probe@127.0.0.1 SIP/2.0',
      `Via: SIP/2.0/UDP 127.0.0.1:${port};rport;branch=z9hG4bK${callId}`,
      'From: <sip:probe@127.0.0.1>;tag=p',
      'To: <sip:probe@127.0.0.1>',
      `Call-ID: ${callId}`,
      'CSeq: 1 OPTIONS',
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  )
}

/** Our own datagrams carry our port; the RFC's Vias name other hosts: answer by rport. */
function fromHere(c: TortureCase): Buffer {
  const text = c.message.toString('latin1')
  const i = text.search(/\r\nv(?:ia)?\s*:/i)
  if (i < 0 || c.answer === null) return c.message
  // A Via of our own on top, so the answer comes back to this socket (§18.2.2, rport).
  const { port } = client.address()
  const via = `\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};rport;branch=z9hG4bKtorture${c.section.replace(/\./g, '')}`
  const firstLineEnd = text.indexOf('\r\n')
  return Buffer.concat([
    c.message.subarray(0, firstLineEnd),
    Buffer.from(via, 'latin1'),
    c.message.subarray(firstLineEnd),
  ])
}

/**
 * Sends a case and waits for its final answer; for a message that must get none (a response),
 * sends an OPTIONS after it and checks that the OPTIONS' answer is the next thing heard.
 */
async function answerOf(c: TortureCase): Promise<Heard | null> {
  send(fromHere(c))
  if (c.answer !== null) return nextFinal()
  send(probe(`after-${c.section}`))
  expect((await nextFinal()).callId, 'nothing answered the response').toBe(`after-${c.section}`)
  return null
}

describe('RFC 4475 §3.1.1: valid messages are taken', () => {
  it.each(VALID.map((c) => [`§${c.section} ${c.name}`, c] as const))('%s', async (_, c) => {
    const answer = await answerOf(c)
    if (!answer) return
    expect(answer.status).toBe(c.answer)
    if (c.reaches) expect(reached).toContain(answer.callId)
    if (c.answer === 501) expect(answer.allow).toContain('INVITE')
  })
})

describe('RFC 4475 §3.1.2: invalid messages get an answer that names the problem, or none', () => {
  it.each(INVALID.map((c) => [`§${c.section} ${c.name}`, c] as const))('%s', async (_, c) => {
    const before = reached.length
    const answer = await answerOf(c)
    if (!answer) return
    expect(answer.status).toBe(c.answer)
    if (c.names) expect(answer.reason).toMatch(c.names)
    expect(reached.length, 'the broken request never reached the UA').toBe(before)
  })
})
