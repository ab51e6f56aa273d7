import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AiccSessions, AiccUser } from '../../app/aicc-sessions.js'
import type { Switchboard } from '../../app/switchboard.js'
import type { SessionToken } from './auth.js'
import { SESSION_GRACE_MS, sessionOf } from './auth.js'

export const OPEN = { access: 'open' as const }

/**
 * A rate limit per chat user (the ccmessaging-token's tenant, app and user), not per IP: the
 * customers of a site often share one address (a company proxy, a carrier's NAT). A request
 * without a valid token counts against its IP; every address also has a generous ceiling across
 * all AICC calls (`AICC_IP_CEILING`, in routes.ts).
 */
export function perUser(sb: Switchboard, max: number) {
  return {
    ...OPEN,
    rateLimit: {
      max,
      timeWindow: '1 minute',
      keyGenerator: (req: FastifyRequest): string => {
        const raw = req.headers['ccmessaging-token']
        const s =
          typeof raw === 'string'
            ? sb.tokensFor<SessionToken>('aicc-session').verify(raw, sb.now(), SESSION_GRACE_MS)
            : undefined
        return s ? `user:${s.tenantId}/${s.appKey}/${s.userId}` : `ip:${req.ip}`
      },
    },
  }
}

export const userOf = (s: SessionToken): AiccUser => ({
  tenantId: s.tenantId,
  appKey: s.appKey,
  channelId: s.channelId,
  userId: s.userId,
  userName: s.userName,
})

/** The session checks every ccmessaging call makes. */
export function aiccContext(sb: Switchboard, sessions: AiccSessions) {
  const session = (req: FastifyRequest, reply: FastifyReply) =>
    sessionOf(req, reply, sb, async (s) => (await sessions.open(userOf(s))) !== undefined)
  /** A session call other than poll (which keeps its own clock): it counts as the client alive. */
  const activeSession = async (req: FastifyRequest, reply: FastifyReply) => {
    const s = await session(req, reply)
    await sessions.seen(userOf(s))
    return s
  }
  return { session, activeSession }
}
