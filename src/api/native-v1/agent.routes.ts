import type { AgentSnapshot } from '../../core/queries.js'
import type { TenantHandle } from '../../app/remote-tenant.js'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Switchboard } from '../../app/switchboard.js'
import type { AgentStateKind } from '../../core/agent.js'
import type { Channel } from '../../core/channel.js'
import { DomainError } from '../../core/errors.js'
import { mayActFor, userOf } from '../http/authenticate.js'
import type { PollQuery } from './schemas.js'
import { agentSchema, errorSchema, idParam, pollQuery } from './schemas.js'
import { agentView, eventView } from './views.js'

export function agentRoutes(app: FastifyInstance, sb: Switchboard): void {
  app.post<{ Body: { username: string; password: string; tenant?: string } }>(
    '/api/v1/login',
    {
      config: {
        access: 'public',
        // Per account and address: a whole shift logs in from one office address at nine, while
        // guessing one account's password stays slow.
        rateLimit: {
          max: 10,
          timeWindow: '1 minute',
          hook: 'preHandler',
          // Runs after the body's validation (preHandler): it has a username.
          keyGenerator: (req: FastifyRequest) => {
            const body = req.body as { username: string; tenant?: string }
            return `${req.ip}|${body.tenant ?? ''}|${body.username}`
          },
        },
      },
      schema: {
        tags: ['auth'],
        summary: 'Log in as an agent, supervisor or admin',
        body: {
          type: 'object',
          properties: {
            username: { type: 'string', minLength: 1, maxLength: 64 },
            password: { type: 'string', minLength: 1, maxLength: 256 },
            tenant: { type: 'string', maxLength: 64 },
          },
          required: ['username', 'password'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              token: { type: 'string' },
              expiresAt: { type: 'string', format: 'date-time' },
              user: {
                type: 'object',
                properties: {
                  id: { type: 'string' },
                  role: { type: 'string' },
                  agentId: { type: 'string' },
                  tenantId: { type: 'string' },
                },
              },
            },
          },
          401: errorSchema,
        },
      },
    },
    async (req) => {
      const r = await sb.login(req.body.tenant ?? req.tenantId, req.body.username, req.body.password)
      return { ...r, expiresAt: new Date(r.expiresAt).toISOString() }
    },
  )

  app.get(
    '/api/v1/agents',
    {
      config: { access: ['supervisor', 'admin'] },
      schema: { tags: ['agents'], summary: 'Every agent with its channel states' },
    },
    async (req) => ({ agents: (await sb.tenant(req.tenantId).ask({ type: 'agents' })).map(agentView) }),
  )

  app.get<{ Params: { agentId: string } }>(
    '/api/v1/agents/:agentId',
    {
      config: { access: 'user' },
      schema: {
        tags: ['agents'],
        summary: "An agent's state on each channel",
        params: idParam('agentId'),
        response: { 200: agentSchema, 404: errorSchema },
      },
    },
    async (req) => {
      mayActFor(req, req.params.agentId)
      return agentView(await agentOf(sb.tenant(req.tenantId), req.params.agentId))
    },
  )

  app.put<{
    Params: { agentId: string; channel: Channel }
    Body: { state: AgentStateKind; reason?: string }
  }>(
    '/api/v1/agents/:agentId/channels/:channel',
    {
      config: { access: 'user' },
      schema: {
        tags: ['agents'],
        summary: 'Log in, become ready, not ready (with a reason) or log out on one channel',
        params: {
          type: 'object',
          properties: {
            agentId: { type: 'string', maxLength: 64 },
            channel: { type: 'string', enum: ['chat', 'voice', 'email'] },
          },
          required: ['agentId', 'channel'],
        },
        body: {
          type: 'object',
          properties: {
            state: { type: 'string', enum: ['ready', 'not_ready', 'logged_out'] },
            reason: { type: 'string', minLength: 1, maxLength: 64 },
          },
          required: ['state'],
          additionalProperties: false,
        },
        response: { 200: agentSchema, 404: errorSchema },
      },
    },
    async (req) => {
      mayActFor(req, req.params.agentId)
      const by = userOf(req).username
      const { agentId, channel } = req.params
      const { reason } = req.body
      await sb.actions.setAgentState(req.tenantId, { agentId, channel, state: req.body.state, by, reason })
      return agentView(await agentOf(sb.tenant(req.tenantId), agentId))
    },
  )

  app.get<{ Params: { agentId: string }; Querystring: PollQuery }>(
    '/api/v1/agents/:agentId/events',
    {
      config: { access: 'user' },
      schema: {
        tags: ['agents'],
        summary: "Long-poll an agent's events after a seq: offers, contact changes, messages, state changes",
        params: idParam('agentId'),
        querystring: pollQuery,
      },
    },
    async (req) => {
      mayActFor(req, req.params.agentId)
      await agentOf(sb.tenant(req.tenantId), req.params.agentId)
      const abort = new AbortController()
      req.raw.once('close', () => abort.abort())
      const { after, wait, limit } = req.query
      // A waiting long-poll by the agent itself is its client being there (presence).
      const own = wait > 0 && userOf(req).agentId === req.params.agentId
      const detach = own ? sb.presence.attach(req.tenantId, req.params.agentId) : undefined
      const events = await sb.feed
        .poll(req.tenantId, { agentId: req.params.agentId }, after, wait * 1000, limit, abort.signal)
        .finally(() => detach?.())
      return { events: events.map(eventView), lastSeq: events[events.length - 1]?.seq ?? after }
    },
  )
}

/** The agent as the router has it, or AGENT_NOT_FOUND. */
async function agentOf(tenant: TenantHandle, agentId: string): Promise<AgentSnapshot> {
  const a = await tenant.ask({ type: 'agent', agentId })
  if (!a) throw new DomainError('AGENT_NOT_FOUND', `agent ${agentId} does not exist`)
  return a
}
