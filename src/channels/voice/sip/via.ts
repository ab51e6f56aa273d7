import { SipParseError } from './errors.js'
import type { Params } from './params.js'
import { formatParams, parseParams } from './params.js'
import type { SipMessage } from './message.js'
import type { SipEndpoint } from './transport.js'

export interface Via {
  readonly transport: string
  readonly host: string
  readonly port: number | null
  readonly params: Params
}

/** The magic cookie that marks an RFC 3261 branch (§8.1.1.7). */
export const BRANCH_COOKIE = 'z9hG4bK'

export function parseVia(text: string): Via {
  const m =
    /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?:\s*:\s*(\d{1,5}))?\s*(;.*)?$/.exec(
      text.trim(),
    )
  if (!m) throw new SipParseError(`bad Via: ${text.slice(0, 80)}`)
  const port = m[3] === undefined ? null : Number(m[3])
  if (port !== null && (port < 1 || port > 65535))
    throw new SipParseError(`bad port in Via: ${text.slice(0, 80)}`)
  return {
    transport: (m[1] as string).toUpperCase(),
    host: (m[2] as string).replace(/^\[|\]$/g, ''),
    port,
    params: m[4] ? parseParams(m[4]) : {},
  }
}

export function formatVia(v: Via): string {
  const host = v.host.includes(':') ? `[${v.host}]` : v.host
  return `SIP/2.0/${v.transport} ${host}${v.port === null ? '' : `:${v.port}`}${formatParams(v.params)}`
}

/**
 * Where the answers to a request go (§18.2.2, RFC 3581): back over the connection it came on;
 * over UDP to `maddr` when the Via names one, to the source address and port when the Via asked
 * for `rport`, and otherwise to the source address at the port the Via's sent-by gives (5060).
 */
export function responseTarget(req: SipMessage, source: SipEndpoint): SipEndpoint {
  if (source.transport !== 'UDP') return source
  const top = req.headers.get('via')
  if (top === undefined) return source
  const via = parseVia(top)
  const maddr = via.params.maddr
  if (maddr) return { transport: 'UDP', host: maddr, port: via.port ?? 5060 }
  if ('rport' in via.params) return source
  return { transport: 'UDP', host: source.host, port: via.port ?? 5060 }
}
