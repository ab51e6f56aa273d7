import type { HttpSender } from '../../app/ports.js'
import type { CxoneConfig } from '../../core/tenant-config.js'

/**
 * Where each call goes under the configured base URL. CXone's SDK hides its paths; these are
 * ours, documented in docs/wfm.md, the access-key one being CXone's public authentication API.
 */
export const CXONE_PATHS = {
  token: '/authentication/v1/token/access-key',
  refresh: '/public/user/refresh',
  agentStates: '/wfm/third-party-acd/v1/agent-states',
  intervalReport: '/wfm/third-party-acd/v1/intraday-skill-history',
  activityReport: '/wfm/third-party-acd/v1/agent-activity-report',
  acdType: '/wfm/third-party-acd/v1/acd-type',
  connectionMonitor: '/wfm/third-party-acd/v1/connection-monitor',
} as const

interface Tokens {
  readonly access: string
  readonly expiresAt: number
  readonly refresh: string
  readonly refreshExpiresAt: number
}

/** A token is renewed this long before it expires, so no call goes out with a dying one. */
const MARGIN_MS = 60_000

export class CxoneAuthError extends Error {}

/**
 * The access token of one tenant's connection, as 003 shows it: an access-key token first, then
 * refreshed with its refresh token while that lasts; a refused refresh starts over.
 */
export class CxoneSession {
  private tokens: Tokens | undefined
  private pending: Promise<string> | undefined

  constructor(
    private readonly sender: HttpSender,
    private readonly now: () => number,
  ) {}

  token(cx: CxoneConfig): Promise<string> {
    const t = this.tokens
    if (t && this.now() < t.expiresAt - MARGIN_MS) return Promise.resolve(t.access)
    this.pending ??= this.renew(cx).finally(() => (this.pending = undefined))
    return this.pending
  }

  /** The endpoint refused the token (401): get a new one next time. */
  forget(): void {
    this.tokens = undefined
  }

  private async renew(cx: CxoneConfig): Promise<string> {
    const t = this.tokens
    if (t && this.now() < t.refreshExpiresAt - MARGIN_MS) {
      const res = await this.sender.post(
        cx.baseUrl + CXONE_PATHS.refresh,
        JSON.stringify({ token: t.refresh, updateCookie: true, toggleEnabled: false }),
        { 'content-type': 'application/json', authorization: `Bearer ${t.access}` },
      )
      const body = parse(res.body) as {
        token?: string
        tokenExpirationTimeSec?: number
        refreshToken?: string
        refreshTokenExpirationTimeSec?: number
      }
      if (res.status >= 200 && res.status < 300 && body.token && body.refreshToken) {
        const now = this.now()
        this.tokens = {
          access: body.token,
          expiresAt: now + (body.tokenExpirationTimeSec ?? 3600) * 1000,
          refresh: body.refreshToken,
          refreshExpiresAt: now + (body.refreshTokenExpirationTimeSec ?? 7200) * 1000,
        }
        return body.token
      }
    }
    const res = await this.sender.post(
      cx.baseUrl + CXONE_PATHS.token,
      JSON.stringify({
        tenantName: cx.tenantName,
        accessKeyTokenRequest: { accessKeyId: cx.accessKeyId, accessKeySecret: cx.accessKeySecret },
      }),
      { 'content-type': 'application/json' },
    )
    const body = parse(res.body) as { access_token?: string; refresh_token?: string; expires_in?: number }
    if (res.status < 200 || res.status >= 300 || !body.access_token)
      throw new CxoneAuthError(
        `CXone refused the access key (HTTP ${res.status}): check accessKeyId and accessKeySecret`,
      )
    const now = this.now()
    this.tokens = {
      access: body.access_token,
      expiresAt: now + (body.expires_in ?? 3600) * 1000,
      refresh: body.refresh_token ?? '',
      // 003's refresh token lasts 7200 s; none given: no refresh, a new access-key token instead.
      refreshExpiresAt: body.refresh_token ? now + 7200_000 : 0,
    }
    return body.access_token
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return {}
  }
}

/** One session per tenant. */
export class CxoneSessions {
  private readonly sessions = new Map<string, CxoneSession>()
  constructor(
    readonly sender: HttpSender,
    readonly now: () => number,
  ) {}
  of(tenantId: string): CxoneSession {
    let s = this.sessions.get(tenantId)
    if (!s) this.sessions.set(tenantId, (s = new CxoneSession(this.sender, this.now)))
    return s
  }
}
