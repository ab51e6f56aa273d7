// What the transaction layer and its two kinds of transaction share: timing, the wire, ids, responses.
import { randomHex } from './random-hex.js'
import { SipHeaders } from './headers.js'
import type { SipMessage, SipRequest, SipResponse } from './message.js'
import { response } from './message.js'
import type { SipEndpoint } from './transport.js'
import { BRANCH_COOKIE, formatVia } from './via.js'

/** RFC 3261 §17 timer base values; tests shrink them. */
export interface Timing {
  readonly T1: number
  readonly T2: number
  readonly T4: number
}
export const RFC_TIMING: Timing = { T1: 500, T2: 4000, T4: 5000 }

/** What the transaction layer needs of a transport. */
export interface Wire {
  readonly host: string
  readonly port: number
  /** The port of another transport, when it has its own (TLS). */
  portOf?(transport: SipEndpoint['transport']): number
  /** False: not sent, the peer's connection is gone and only it can open another (a WebSocket). */
  send(msg: SipMessage, to: SipEndpoint): boolean
  onMessage(handler: (msg: SipMessage, from: SipEndpoint) => void): void
}

export interface ClientCallbacks {
  onProvisional?(res: SipResponse): void
  onFinal(res: SipResponse): void
  /** Timer B or F fired: no final answer (the TU treats it as 408, §8.1.3.1). */
  onTimeout(): void
}

export const newBranch = (): string => `${BRANCH_COOKIE}${randomHex(10)}`
export const newTag = (): string => randomHex(6)

/** Our Via for a request sent over `transport` (with `rport`, RFC 3581: answers come back to us). */
export function ownVia(wire: Wire, transport: SipEndpoint['transport'], branch: string): string {
  return formatVia({
    transport,
    host: wire.host,
    port: wire.portOf?.(transport) ?? wire.port,
    params: { branch, rport: null },
  })
}

/**
 * A response to `req` with its Via, From, To, Call-ID and CSeq (§8.2.6.2). A response other than
 * 100 to a request without a To tag gets one: `toTag` (a dialog's), else a new one.
 */
export function responseTo(
  req: SipRequest,
  status: number,
  reason: string,
  opts: {
    readonly toTag?: string
    readonly headers?: Record<string, string | readonly string[]>
    readonly body?: Buffer | string
  } = {},
): SipResponse {
  const h = new SipHeaders()
  for (const v of req.headers.getAll('via')) h.append('via', v)
  h.append('from', req.headers.get('from') ?? '')
  const to = req.headers.get('to') ?? ''
  h.append('to', status > 100 && !/;\s*tag=/i.test(to) ? `${to};tag=${opts.toTag ?? newTag()}` : to)
  h.append('call-id', req.headers.get('call-id') ?? '')
  h.append('cseq', req.headers.get('cseq') ?? '')
  for (const [name, value] of Object.entries(opts.headers ?? {}))
    for (const v of typeof value === 'string' ? [value] : value) h.append(name, v)
  return response(status, reason, h, opts.body)
}

export type Timer = ReturnType<typeof setTimeout>

/** What a transaction needs of the layer that owns it. */
export interface TransactionHost {
  readonly wire: Wire
  readonly timing: Timing
}
