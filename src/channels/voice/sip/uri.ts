import { SipParseError } from './errors.js'
import type { Params } from './params.js'
import { formatParams, parseParams } from './params.js'

export interface SipUri {
  /** `tel` (RFC 3966: the number is the user) or another scheme, kept as written, besides SIP's. */
  readonly scheme: 'sip' | 'sips' | 'tel' | (string & {})
  readonly user: string | null
  readonly password: string | null
  /** Without brackets for IPv6. */
  readonly host: string
  readonly port: number | null
  readonly params: Params
  readonly headers: string | null
  /** A URI of a scheme we do not read (say `http:` or `urn:` in a From), as it was written. */
  readonly opaque?: string
}

/** The schemes a Request-URI may have here; others get 416 (§8.2.2.1). */
export const ROUTABLE_SCHEMES: ReadonlySet<string> = new Set(['sip', 'sips', 'tel'])

const HOST = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/

/** `sip:user:password@host:port;params?headers` (RFC 3261 §19.1). */
export function parseUri(text: string): SipUri {
  const m = /^(sips?):(.*)$/i.exec(text.trim())
  if (!m) throw new SipParseError(`not a SIP URI: ${text.slice(0, 80)}`)
  const scheme = (m[1] as string).toLowerCase() as 'sip' | 'sips'
  let rest = m[2] as string
  let headers: string | null = null
  // A user part may hold '?' (RFC 4475 §3.1.1.2): headers start at the first '?' after the host.
  const q = rest.indexOf('?', rest.lastIndexOf('@') + 1)
  if (q >= 0) {
    headers = rest.slice(q + 1)
    rest = rest.slice(0, q)
  }
  let user: string | null = null
  let password: string | null = null
  const at = rest.lastIndexOf('@')
  if (at >= 0) {
    const userinfo = rest.slice(0, at)
    rest = rest.slice(at + 1)
    const colon = userinfo.indexOf(':')
    user = decodeURIComponentSafe(colon >= 0 ? userinfo.slice(0, colon) : userinfo)
    password = colon >= 0 ? decodeURIComponentSafe(userinfo.slice(colon + 1)) : null
    if (user === '') throw new SipParseError(`empty user in URI: ${text.slice(0, 80)}`)
  }
  const semi = rest.indexOf(';')
  const hostport = semi >= 0 ? rest.slice(0, semi) : rest
  const params = semi >= 0 ? parseParams(rest.slice(semi)) : {}
  const h = HOST.exec(hostport)
  if (!h) throw new SipParseError(`bad host in URI: ${text.slice(0, 80)}`)
  const port = h[2] === undefined ? null : Number(h[2])
  if (port !== null && (port < 1 || port > 65535))
    throw new SipParseError(`bad port in URI: ${text.slice(0, 80)}`)
  return {
    scheme,
    user,
    password,
    host: (h[1] as string).replace(/^\[|\]$/g, '').toLowerCase(),
    port,
    params,
    headers,
  }
}

/**
 * Any absolute URI of a From, To or Request-URI: SIP ones read whole, `tel:` with its number as
 * the user (carriers send both), others kept opaque (RFC 4475 has `http:` and `isbn:` in To).
 */
export function parseAnyUri(text: string): SipUri {
  const t = text.trim()
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(\S+)$/.exec(t)
  if (!m) throw new SipParseError(`not a URI: ${t.slice(0, 80)}`)
  const scheme = (m[1] as string).toLowerCase()
  if (scheme === 'sip' || scheme === 'sips') return parseUri(t)
  const base = { password: null, host: '', port: null, headers: null }
  if (scheme !== 'tel') return { ...base, scheme, user: null, params: {}, opaque: t }
  const rest = m[2] as string
  const semi = rest.indexOf(';')
  // Visual separators (RFC 3966 §5.1.1) are not part of the number.
  const number = (semi >= 0 ? rest.slice(0, semi) : rest).replace(/[-.()]/g, '')
  if (!/^\+?[0-9A-Fa-f*#]+$/.test(number)) throw new SipParseError(`bad tel: number: ${t.slice(0, 80)}`)
  return { ...base, scheme, user: number, params: semi >= 0 ? parseParams(rest.slice(semi)) : {} }
}

export function formatUri(u: SipUri): string {
  if (u.opaque !== undefined) return u.opaque
  if (u.scheme === 'tel') return `tel:${u.user ?? ''}${formatParams(u.params)}`
  const userinfo =
    u.user === null ? '' : `${escapeUser(u.user)}${u.password === null ? '' : `:${escapeUser(u.password)}`}@`
  const host = u.host.includes(':') ? `[${u.host}]` : u.host
  return `${u.scheme}:${userinfo}${host}${u.port === null ? '' : `:${u.port}`}${formatParams(u.params)}${u.headers === null ? '' : `?${u.headers}`}`
}

function decodeURIComponentSafe(s: string): string {
  if (!s.includes('%')) return s
  try {
    return decodeURIComponent(s)
  } catch {
    throw new SipParseError(`bad escape in URI user part: ${s.slice(0, 40)}`)
  }
}

// Unreserved characters and the user part's own (§25.1); the rest is %-escaped.
function escapeUser(s: string): string {
  return s.replace(/[^A-Za-z0-9\-_.!~*'()&=+$,;?/]/g, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  )
}
