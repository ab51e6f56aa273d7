import { SipParseError } from './errors.js'
import type { SipHeaders } from './headers.js'
import type { NameAddr } from './name-addr.js'
import { parseNameAddr } from './name-addr.js'
import type { Via } from './via.js'
import { parseVia } from './via.js'

export interface SipRequest {
  readonly kind: 'request'
  readonly method: string
  /** As received; `parseUri` reads it when a SIP URI is needed. */
  readonly uri: string
  readonly headers: SipHeaders
  readonly body: Buffer
}

export interface SipResponse {
  readonly kind: 'response'
  readonly status: number
  readonly reason: string
  readonly headers: SipHeaders
  readonly body: Buffer
}

export type SipMessage = SipRequest | SipResponse

const EMPTY = Buffer.alloc(0)

export function request(
  method: string,
  uri: string,
  headers: SipHeaders,
  body: Buffer | string = EMPTY,
): SipRequest {
  return { kind: 'request', method, uri, headers, body: typeof body === 'string' ? Buffer.from(body) : body }
}

export function response(
  status: number,
  reason: string,
  headers: SipHeaders,
  body: Buffer | string = EMPTY,
): SipResponse {
  return {
    kind: 'response',
    status,
    reason,
    headers,
    body: typeof body === 'string' ? Buffer.from(body) : body,
  }
}

function required(msg: SipMessage, name: string): string {
  const v = msg.headers.get(name)
  if (v === undefined) throw new SipParseError(`missing ${name} header`)
  return v
}

export function callIdOf(msg: SipMessage): string {
  return required(msg, 'call-id')
}

export function cseqOf(msg: SipMessage): { readonly seq: number; readonly method: string } {
  const m = /^(\d{1,10})\s+([A-Za-z0-9!%*_+`'~.-]+)$/.exec(required(msg, 'cseq'))
  const seq = m ? Number(m[1]) : NaN
  if (!m || seq > 2 ** 31 - 1) throw new SipParseError('bad CSeq header')
  return { seq, method: (m[2] as string).toUpperCase() }
}

export function fromOf(msg: SipMessage): NameAddr {
  return parseNameAddr(required(msg, 'from'))
}

export function toOf(msg: SipMessage): NameAddr {
  return parseNameAddr(required(msg, 'to'))
}

export function topVia(msg: SipMessage): Via {
  return parseVia(required(msg, 'via'))
}
