import { SipParseError } from './errors.js'
import { SipHeaders } from './headers.js'
import type { SipMessage } from './message.js'
import { callIdOf, cseqOf, fromOf, toOf, topVia } from './message.js'
import { parseNameAddr } from './name-addr.js'
import { parseUri } from './uri.js'

/** Bigger than any sane SIP message; a datagram cannot exceed it anyway. */
export const MAX_MESSAGE_BYTES = 65_535
const MAX_HEADERS = 256
const TOKEN = /^[A-Za-z0-9!%*_+`'~.-]+$/

/** Where the header section ends (the empty line), and where the body starts. */
export function headerEnd(data: Buffer, from = 0): { end: number; bodyStart: number } | undefined {
  const crlf = data.indexOf('\r\n\r\n', from)
  const lf = data.indexOf('\n\n', from)
  // Bare LF line ends are not RFC 3261, but some stacks send them; accept what comes first.
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { end: crlf, bodyStart: crlf + 4 }
  if (lf >= 0) return { end: lf, bodyStart: lf + 2 }
  return undefined
}

/**
 * Reads one message (a UDP datagram, or a frame the stream framer cut). Line folding, compact
 * names, repeated and comma-joined list headers are accepted; anything that breaks the framing
 * or the headers every transaction needs is a SipParseError.
 */
export function parseMessage(data: Buffer): SipMessage {
  if (data.length > MAX_MESSAGE_BYTES) throw new SipParseError('message too large')
  let start = 0
  while (data[start] === 0x0d || data[start] === 0x0a) start++
  const bounds = headerEnd(data, start)
  if (!bounds) throw new SipParseError('no end of headers')
  const lines = unfold(data.toString('utf8', start, bounds.end))
  const first = lines.shift() ?? ''
  const headers = new SipHeaders()
  if (lines.length > MAX_HEADERS) throw new SipParseError('too many headers')
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon <= 0) throw new SipParseError(`bad header line: ${line.slice(0, 80)}`)
    const name = line.slice(0, colon).trim()
    if (!TOKEN.test(name)) throw new SipParseError(`bad header name: ${name.slice(0, 80)}`)
    headers.append(name, line.slice(colon + 1))
  }
  const body = bodyOf(data, bounds.bodyStart, headers)
  const message = startLine(first, headers, body)
  checkMandatory(message)
  return message
}

function unfold(text: string): string[] {
  const lines: string[] = []
  for (const piece of text.split('\n')) {
    const raw = piece.endsWith('\r') ? piece.slice(0, -1) : piece
    const first = raw.charCodeAt(0)
    if ((first === 0x20 || first === 0x09) && lines.length > 0) lines[lines.length - 1] += ` ${raw.trim()}`
    else lines.push(raw)
  }
  return lines
}

function bodyOf(data: Buffer, at: number, headers: SipHeaders): Buffer {
  const all = new Set(headers.getAll('content-length').map((v) => v.trim()))
  if (all.size > 1)
    throw new SipParseError(`two different Content-Lengths: ${[...all].join(', ').slice(0, 40)}`)
  const declared = headers.get('content-length')
  if (declared === undefined) return data.subarray(at)
  if (!/^\d{1,9}$/.test(declared)) throw new SipParseError(`bad Content-Length: ${declared.slice(0, 20)}`)
  const length = Number(declared)
  // Extra bytes after the body are dropped (§18.3); fewer is a broken message.
  if (at + length > data.length) throw new SipParseError('body shorter than Content-Length')
  return data.subarray(at, at + length)
}

function startLine(line: string, headers: SipHeaders, body: Buffer): SipMessage {
  if (line.startsWith('SIP/')) {
    const m = /^SIP\/(\d+\.\d+) (\d{3}) ?(.*)$/.exec(line)
    if (!m) throw new SipParseError(`bad status line: ${line.slice(0, 80)}`)
    if (m[1] !== '2.0') throw new SipParseError(`SIP version ${m[1]} is not supported`, 505)
    const status = Number(m[2])
    if (status < 100 || status > 699) throw new SipParseError(`bad status code ${status}`)
    return { kind: 'response', status, reason: m[3] ?? '', headers, body }
  }
  // Exactly one SP between the three parts (§25.1): a space inside the Request-URI, or two
  // between parts, is a broken request line, not something to guess at (RFC 4475 §3.1.2.8–10).
  const parts = line.split(' ')
  if (parts.length !== 3 || parts.includes(''))
    throw new SipParseError(
      `bad request line (one space between method, URI and version): ${line.slice(0, 80)}`,
    )
  const [method, uri, version] = parts as [string, string, string]
  if (!TOKEN.test(method)) throw new SipParseError(`bad method: ${method.slice(0, 40)}`)
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(uri))
    throw new SipParseError(`bad Request-URI: ${uri.slice(0, 80)}`)
  if (/^sips?:/i.test(uri) && parseUri(uri).headers !== null)
    throw new SipParseError(`headers in the Request-URI (§19.1.5): ${uri.slice(0, 80)}`)
  if (!/^SIP\/\d+\.\d+$/i.test(version)) throw new SipParseError(`bad SIP version: ${version.slice(0, 20)}`)
  if (version.toUpperCase() !== 'SIP/2.0')
    throw new SipParseError(`SIP version ${version} is not supported`, 505)
  return { kind: 'request', method: method.toUpperCase(), uri, headers, body }
}

/** What every transaction and dialog reads (§8.1.1): a message without them cannot be handled. */
function checkMandatory(msg: SipMessage): void {
  callIdOf(msg)
  fromOf(msg)
  toOf(msg)
  topVia(msg)
  const cseq = cseqOf(msg)
  if (msg.kind === 'request' && cseq.method !== msg.method)
    throw new SipParseError(`CSeq method ${cseq.method} does not match ${msg.method}`)
  // Leading zeros are fine (RFC 4475 §3.1.1.1); the value is 0 to 255 (§20.22).
  const mf = msg.headers.get('max-forwards')
  if (mf !== undefined && (!/^\d+$/.test(mf) || Number(mf) > 255))
    throw new SipParseError(`bad Max-Forwards: ${mf.slice(0, 20)}`)
  const date = msg.headers.get('date')
  if (date !== undefined && !/ GMT$/.test(date))
    throw new SipParseError('bad Date (it must be in GMT, §20.17)')
  if (msg.kind === 'request')
    for (const c of msg.headers.getAll('contact')) if (c.trim() !== '*') parseNameAddr(c)
}
