import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Switchboard } from '../../app/switchboard.js'
import type { AiccConfig } from '../../core/tenant-config.js'
import { AICC, AiccError } from './errors.js'

/** The API Fabric's AccessToken (tokenByAkSk): which app, of which tenant. */
export interface AppToken {
  readonly tenantId: string
  readonly appKey: string
  readonly exp: number
}

/** The `ccmessaging-token` (applyToken): one user on one channel configuration. */
export interface SessionToken {
  readonly tenantId: string
  readonly appKey: string
  readonly userId: string
  readonly userName: string
  readonly channelId: string
  readonly locale: string
  readonly exp: number
}

export const SESSION_TOKEN_MS = 3600_000
// A token this close to expiry is replaced through the response header, as AICC does.
const ROTATE_BEFORE_MS = 10 * 60_000
// An expired token of a chat still open is replaced on its next call, as AICC does mid-session.
export const SESSION_GRACE_MS = 24 * 3600_000

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name]
  return typeof v === 'string' && v.length > 0 ? v : undefined
}

/** x-app-key and Authorization: `Bearer <AccessToken>`, or the bare token as 002's sample sends it. */
export function appOf(req: FastifyRequest, sb: Switchboard): AppToken & { config: AiccConfig } {
  const appKey = header(req, 'x-app-key')
  const auth = header(req, 'authorization')
  if (!appKey || !auth)
    throw new AiccError(
      401,
      AICC.token,
      'send x-app-key and Authorization: Bearer <AccessToken from tokenByAkSk>',
    )
  const token = auth.startsWith('Bearer ') ? auth.slice(7).trim() : auth.trim()
  const app = sb.tokensFor<AppToken>('aicc-app').verify(token, sb.now())
  if (!app || app.appKey !== appKey)
    throw new AiccError(
      401,
      AICC.token,
      'auth fail! illegal or expired token info. please apply or refresh the access token from the server!',
    )
  const config = sb.storedConfig(app.tenantId).config.aicc
  if (!config?.apps.some((a) => a.appKey === appKey))
    throw new AiccError(401, AICC.token, 'this app key is no longer configured')
  return { ...app, config }
}

export function issueSessionToken(sb: Switchboard, s: Omit<SessionToken, 'exp'>): string {
  return sb.tokensFor<SessionToken>('aicc-session').sign({ ...s, exp: sb.now() + SESSION_TOKEN_MS })
}

/**
 * The app credentials and the `ccmessaging-token`. A token near its end, or just past it while
 * its chat is open (`sessionOpen` decides), comes back renewed in the `ccmessaging-token`
 * response header: the client swaps it, as with AICC.
 */
export async function sessionOf(
  req: FastifyRequest,
  reply: FastifyReply,
  sb: Switchboard,
  sessionOpen: (s: SessionToken) => Promise<boolean>,
): Promise<SessionToken & { config: AiccConfig }> {
  const app = appOf(req, sb)
  const raw = header(req, 'ccmessaging-token')
  const now = sb.now()
  const s = raw ? sb.tokensFor<SessionToken>('aicc-session').verify(raw, now, SESSION_GRACE_MS) : undefined
  if (!s || s.tenantId !== app.tenantId || s.appKey !== app.appKey)
    throw new AiccError(401, AICC.token, 'the ccmessaging-token is invalid: call applyToken')
  if (s.exp <= now && !(await sessionOpen(s)))
    throw new AiccError(401, AICC.token, 'the ccmessaging-token has expired: call applyToken')
  if (s.exp - now < ROTATE_BEFORE_MS) {
    const { exp: _old, ...rest } = s
    reply.header('ccmessaging-token', issueSessionToken(sb, rest))
  }
  return { ...s, config: app.config }
}
