import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import type { Role } from '../core/tenant-config.js'

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 }

function scryptAsync(
  password: string,
  salt: Buffer,
  keylen: number,
  opts: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keylen, { ...opts, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  )
}

/** `scrypt$N$r$p$salt$hash`, base64url parts: the parameters travel with the hash. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scryptAsync(password, salt, SCRYPT.keylen, SCRYPT)
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  )
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$')
  if (kind !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  })
  return timingSafeEqual(key, expected)
}

export type Credential =
  | {
      readonly kind: 'user'
      readonly tenantId: string
      readonly username: string
      readonly role: Role
      readonly agentId: string | null
      readonly exp: number
    }
  | { readonly kind: 'customer'; readonly tenantId: string; readonly contactId: string; readonly exp: number }

/** Stateless bearer tokens: base64url(JSON) + '.' + HMAC-SHA256. Verifying costs no database query. */
export class SignedTokens<T extends { readonly exp: number }> {
  constructor(private readonly secret: string) {}

  /** Tokens for another purpose, under a key of their own: one kind never passes for another. */
  derive<U extends { readonly exp: number }>(purpose: string): SignedTokens<U> {
    return new SignedTokens<U>(createHmac('sha256', this.secret).update(purpose).digest('base64url'))
  }

  sign(credential: T): string {
    const body = Buffer.from(JSON.stringify(credential)).toString('base64url')
    return `${body}.${this.mac(body)}`
  }

  /** The token's payload if it is ours and unexpired (or expired less than `graceMs` ago). */
  verify(token: string, now: number, graceMs = 0): T | undefined {
    const dot = token.indexOf('.')
    if (dot <= 0) return undefined
    const body = token.slice(0, dot)
    const given = Buffer.from(token.slice(dot + 1), 'base64url')
    const expected = Buffer.from(this.mac(body), 'base64url')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
    try {
      const c = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T
      return typeof c.exp === 'number' && c.exp + graceMs > now ? c : undefined
    } catch {
      return undefined
    }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url')
  }
}

export class TokenSigner extends SignedTokens<Credential> {}
