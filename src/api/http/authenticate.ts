// Route options of these plugins (schema tags, per-route rate limits) are typed by their imports.
import type {} from '@fastify/rate-limit'
import type {} from '@fastify/swagger'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { Credential } from '../../app/auth.js'
import type { Switchboard } from '../../app/switchboard.js'
import { DomainError } from '../../core/errors.js'
import type { Role } from '../../core/tenant-config.js'

/**
 * Each route declares who may call it in `config.access`; a route without one is refused
 * (default deny). `open` routes (health, metrics) belong to no tenant; `public` routes act for
 * the tenant named by `X-Tenant` or the default one.
 */
export type Access = 'open' | 'public' | 'user' | 'customer' | 'customer-or-user' | readonly Role[]

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    credential?: Credential
    tenantId: string
  }
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization
  if (h?.startsWith('Bearer ')) return h.slice(7).trim()
  // Browsers cannot set headers on a WebSocket: the stream takes the token as a query parameter.
  const q = (req.query as Record<string, unknown> | undefined)?.token
  return typeof q === 'string' ? q : undefined
}

// A callback hook, not an async one: it runs on every request, and the status routes are polled hard.
export function authenticate(sb: Switchboard) {
  return (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    try {
      check(sb, req)
      done()
    } catch (e) {
      done(e as Error)
    }
  }
}

function check(sb: Switchboard, req: FastifyRequest): void {
  const access = req.routeOptions.config.access
  // A CORS preflight carries no credentials and does nothing; the CORS plugin answers it.
  if (access === 'open' || req.method === 'OPTIONS') return
  if (access === undefined) {
    const url = req.routeOptions.url
    // The not-found handler, and the API documentation pages the swagger-ui plugin adds.
    if (url === undefined || url.startsWith('/docs')) return
    throw new DomainError('FORBIDDEN', 'this route is not open to anyone')
  }
  const token = bearer(req)
  const credential = token ? sb.verify(token) : undefined
  if (token && !credential && access !== 'public')
    throw new DomainError('UNAUTHENTICATED', 'the token is invalid or expired; log in again')
  if (access === 'public') {
    const named = req.headers['x-tenant']
    const tenantId = credential?.tenantId ?? (typeof named === 'string' ? named : sb.defaultTenantId())
    if (tenantId === undefined || !sb.hasTenant(tenantId))
      throw new DomainError('TENANT_NOT_FOUND', 'no such tenant')
    req.tenantId = tenantId
    if (credential) req.credential = credential
    return
  }
  if (!credential)
    throw new DomainError('UNAUTHENTICATED', 'send Authorization: Bearer <token> (POST /api/v1/login)')
  const allowed =
    (access === 'customer-or-user' && (credential.kind === 'customer' || credential.kind === 'user')) ||
    (access === 'user' && credential.kind === 'user') ||
    (access === 'customer' && credential.kind === 'customer') ||
    (Array.isArray(access) && credential.kind === 'user' && access.includes(credential.role))
  if (!allowed) throw new DomainError('FORBIDDEN', 'your role may not do this')
  req.credential = credential
  req.tenantId = credential.tenantId
}

export function userOf(req: FastifyRequest): Extract<Credential, { kind: 'user' }> {
  const c = req.credential
  if (c?.kind !== 'user') throw new DomainError('FORBIDDEN', 'log in as a user')
  return c
}

/** An agent acts for itself; supervisors and admins for anyone in their tenant. */
export function mayActFor(req: FastifyRequest, agentId: string): void {
  const c = userOf(req)
  if (c.role === 'agent' && c.agentId !== agentId)
    throw new DomainError('AGENT_NOT_FOUND', `agent ${agentId} does not exist`)
}

/** The agent behind the credential, for commands only an agent can give (accept, write, wrap up). */
export function actingAgent(req: FastifyRequest): string {
  const c = userOf(req)
  if (!c.agentId) throw new DomainError('FORBIDDEN', 'only an agent can do this')
  return c.agentId
}

export function customerContact(req: FastifyRequest, contactId: string): void {
  const c = req.credential
  // Another contact's id is "not found", so tokens cannot probe for existence.
  if (c?.kind !== 'customer' || c.contactId !== contactId)
    throw new DomainError('CONTACT_NOT_FOUND', `contact ${contactId} not found`)
}
