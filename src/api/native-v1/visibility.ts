import type { FastifyRequest } from 'fastify'
import type { Contact } from '../../core/contact.js'
import { userOf } from '../http/authenticate.js'

/** Agents see the contacts they hold, were offered or handled; supervisors and admins see all. */
export function visibleTo(req: FastifyRequest, c: Contact): boolean {
  const u = userOf(req)
  return (
    u.role !== 'agent' ||
    c.agentId === u.agentId ||
    c.offer?.agentId === u.agentId ||
    c.declinedBy.includes(u.agentId ?? '')
  )
}
