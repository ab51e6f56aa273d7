import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { splitList } from './headers.js'
import { quote, unquote } from './params.js'

/** RFC 2617 / 3261 §22 digest authentication, MD5 with qop=auth (what SIP phones speak). */
export type DigestParams = Readonly<Record<string, string>>

const md5 = (s: string): string => createHash('md5').update(s).digest('hex')

/** `Digest realm="…", nonce="…"` → lower-cased names, unquoted values; undefined if not Digest. */
export function parseDigest(header: string): DigestParams | undefined {
  const m = /^\s*Digest\s+(.*)$/is.exec(header)
  if (!m) return undefined
  const params: Record<string, string> = {}
  for (const item of splitList(m[1] as string)) {
    const eq = item.indexOf('=')
    if (eq <= 0) continue
    params[item.slice(0, eq).trim().toLowerCase()] = unquote(item.slice(eq + 1).trim())
  }
  return params
}

/** md5(username:realm:password): what a server keeps instead of the password. */
export function digestHa1(username: string, realm: string, password: string): string {
  return md5(`${username}:${realm}:${password}`)
}

/** The response a client computes (and the server recomputes) for a request. */
export function digestResponse(p: {
  readonly ha1: string
  readonly method: string
  readonly uri: string
  readonly nonce: string
  readonly qop?: string
  readonly nc?: string
  readonly cnonce?: string
}): string {
  const ha2 = md5(`${p.method}:${p.uri}`)
  return p.qop
    ? md5(`${p.ha1}:${p.nonce}:${p.nc ?? ''}:${p.cnonce ?? ''}:${p.qop}:${ha2}`)
    : md5(`${p.ha1}:${p.nonce}:${ha2}`)
}

/** The Authorization header a client sends after a 401/407 challenge. */
export function authorizationFor(
  challenge: DigestParams,
  credentials: { readonly username: string; readonly password: string },
  method: string,
  uri: string,
  nc = 1,
): string {
  const realm = challenge.realm ?? ''
  const nonce = challenge.nonce ?? ''
  const qop = challenge.qop
    ?.split(',')
    .map((q) => q.trim())
    .includes('auth')
    ? 'auth'
    : undefined
  const cnonce = qop ? randomBytes(8).toString('hex') : undefined
  const ncText = nc.toString(16).padStart(8, '0')
  const ha1 = digestHa1(credentials.username, realm, credentials.password)
  const response = digestResponse({ ha1, method, uri, nonce, qop, nc: ncText, cnonce })
  const parts = [
    `username=${quote(credentials.username)}`,
    `realm=${quote(realm)}`,
    `nonce=${quote(nonce)}`,
    `uri=${quote(uri)}`,
    `response=${quote(response)}`,
    'algorithm=MD5',
    ...(challenge.opaque !== undefined ? [`opaque=${quote(challenge.opaque)}`] : []),
    ...(qop ? [`qop=${qop}`, `nc=${ncText}`, `cnonce=${quote(cnonce as string)}`] : []),
  ]
  return `Digest ${parts.join(', ')}`
}

export type DigestCheck =
  { readonly ok: true; readonly username: string } | { readonly ok: false; readonly stale: boolean }

/**
 * The server side. Nonces are self-validating (time and HMAC under this process's key): no
 * state is kept per nonce. An expired one asks the phone to retry with `stale=true` rather than
 * prompting for a password; after a restart old nonces fail and phones are simply challenged.
 */
export class DigestAuthenticator {
  private readonly key: Buffer
  private lastNonceTime = ''
  private lastNonce = ''

  constructor(
    readonly realm: string,
    private readonly nonceLifetimeMs = 5 * 60_000,
    key?: Buffer,
  ) {
    this.key = key ?? randomBytes(32)
  }

  challenge(now: number, stale = false): string {
    const t = Math.floor(now / 1000).toString(36)
    const nonce = `${t}.${this.macOf(t)}`
    return `Digest realm=${quote(this.realm)}, nonce=${quote(nonce)}, algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`
  }

  /** Checks an Authorization header against the HA1 `lookup` gives for its username. */
  check(
    header: string | undefined,
    method: string,
    now: number,
    lookup: (username: string) => string | undefined,
  ): DigestCheck {
    const p = header === undefined ? undefined : parseDigest(header)
    if (!p?.username || !p.nonce || !p.response || p.uri === undefined) return { ok: false, stale: false }
    if (p.realm !== this.realm) return { ok: false, stale: false }
    if (p.algorithm && p.algorithm.toUpperCase() !== 'MD5') return { ok: false, stale: false }
    const [t, mac] = p.nonce.split('.')
    const expected = t ? this.macOf(t) : ''
    if (!t || !mac || !safeEqual(mac, expected)) return { ok: false, stale: false }
    const ha1 = lookup(p.username)
    if (ha1 === undefined) return { ok: false, stale: false }
    const wanted = digestResponse({
      ha1,
      method,
      uri: p.uri,
      nonce: p.nonce,
      qop: p.qop,
      nc: p.nc,
      cnonce: p.cnonce,
    })
    if (!safeEqual(p.response.toLowerCase(), wanted)) return { ok: false, stale: false }
    // Right password, old nonce: the phone may retry at once without asking anyone.
    if (now - parseInt(t, 36) * 1000 > this.nonceLifetimeMs) return { ok: false, stale: true }
    return { ok: true, username: p.username }
  }

  /** A nonce's signature; a nonce is minted per second, so the last one is kept. */
  private macOf(t: string): string {
    if (t !== this.lastNonceTime)
      this.lastNonce = createHmac('sha256', this.key).update(t).digest('base64url').slice(0, 22)
    this.lastNonceTime = t
    return this.lastNonce
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
