import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AiccSessions, AiccUser } from '../../app/aicc-sessions.js'
import type { Switchboard } from '../../app/switchboard.js'
import type { SessionToken } from './auth.js'
import { sessionOf } from './auth.js'

export const OPEN = { access: 'open' as const }

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
