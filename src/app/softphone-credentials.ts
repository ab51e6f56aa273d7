import type { SignedTokens } from './auth.js'

/** What a softphone password is made from: the tenant, the extension and when it runs out. */
interface SoftphoneClaim {
  readonly t: string
  readonly x: string
  readonly exp: number
}

/** Digest credentials (RFC 2617) for a browser's softphone. */
export interface SoftphoneLogin {
  /** The digest user name: the extension and, after a dot, when it runs out (base 36 seconds). */
  readonly username: string
  readonly password: string
  readonly expiresAt: number
}

/**
 * A browser's softphone registers with credentials made from the agent's login, so the agent
 * never types a SIP password: nothing is stored, any node can check them (the key is the
 * cluster's token key, derived for this purpose), and they run out with the login.
 */
export class SoftphoneCredentials {
  constructor(private readonly tokens: SignedTokens<SoftphoneClaim>) {}

  issue(tenantId: string, extension: string, expiresAt: number): SoftphoneLogin {
    const exp = Math.floor(expiresAt / 1000)
    const username = `${extension}.${exp.toString(36)}`
    return { username, password: this.passwordOf(tenantId, extension, exp), expiresAt: exp * 1000 }
  }

  /** The password of `username`, when it is one we issued for this extension and it has not run out. */
  passwordFor(tenantId: string, extension: string, username: string, now: number): string | undefined {
    const dot = username.lastIndexOf('.')
    if (dot <= 0 || username.slice(0, dot) !== extension) return undefined
    const exp = parseInt(username.slice(dot + 1), 36)
    if (!Number.isSafeInteger(exp) || exp * 1000 <= now) return undefined
    return this.passwordOf(tenantId, extension, exp)
  }

  private passwordOf(tenantId: string, extension: string, exp: number): string {
    // The signature of the claim is the password; the claim itself is known to both sides.
    const signed = this.tokens.sign({ t: tenantId, x: extension, exp: exp * 1000 })
    return signed.slice(signed.indexOf('.') + 1)
  }
}
