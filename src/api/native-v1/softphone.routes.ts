import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Switchboard } from '../../app/switchboard.js'
import type { Telephony } from '../../app/voice-ports.js'
import { DomainError } from '../../core/errors.js'
import { actingAgent, userOf } from '../http/authenticate.js'
import { sipDomainFor, sipWebSocketUrl } from '../http/sip-websocket.routes.js'
import { errorSchema } from './schemas.js'

const softphoneSchema = {
  type: 'object',
  required: ['extension', 'uri', 'username', 'password', 'realm', 'webSocket', 'expiresAt'],
  properties: {
    extension: { type: 'string', description: "The agent's extension: calls for the agent ring it" },
    uri: { type: 'string', description: 'The SIP address to register (sip:extension@domain)' },
    username: { type: 'string', description: 'The digest user name (the extension and when it runs out)' },
    password: { type: 'string', description: 'The digest password, good until expiresAt' },
    realm: { type: 'string' },
    webSocket: { type: 'string', description: 'SIP over WebSocket (RFC 7118), subprotocol sip' },
    expiresAt: { type: 'string', format: 'date-time' },
  },
} as const

/**
 * The agent's softphone: what a browser needs to register the agent's extension over
 * WebSocket, with credentials made from the login (they run out with it), so the agent never
 * types a SIP password.
 */
export function softphoneRoutes(
  app: FastifyInstance,
  sb: Switchboard,
  voiceOn: boolean,
  telephony: Telephony | undefined,
): void {
  app.get(
    '/api/v1/softphone',
    {
      config: { access: 'user' },
      schema: {
        tags: ['agents'],
        summary: "SIP over WebSocket credentials for the signed-in agent's extension (a browser softphone)",
        response: { 200: softphoneSchema, 404: errorSchema, 403: errorSchema },
      },
    },
    async (req) => {
      const { voice, extension } = extensionOf(req, voiceOn)
      const login = sb.softphones().issue(req.tenantId, extension.number, userOf(req).exp)
      const domain = sipDomainFor(req, voice.domain)
      return {
        extension: extension.number,
        uri: `sip:${extension.number}@${domain}`,
        username: login.username,
        password: login.password,
        realm: voice.realm,
        webSocket: sipWebSocketUrl(req),
        expiresAt: new Date(login.expiresAt).toISOString(),
      }
    },
  )

  app.post<{ Body: { to: string } }>(
    '/api/v1/calls',
    {
      config: { access: 'user' },
      schema: {
        tags: ['agents'],
        summary:
          "Calls a number for the signed-in agent: the agent's phone (softphone or desk phone) rings first, then the number (an extension, or out through the trunk)",
        body: {
          type: 'object',
          required: ['to'],
          additionalProperties: false,
          properties: {
            to: { type: 'string', pattern: '^[+]?[0-9*#]{1,32}$', description: 'The number to call' },
          },
        },
        response: {
          201: {
            type: 'object',
            required: ['callId'],
            properties: { callId: { type: 'string', description: "The call's id in call records" } },
          },
          400: errorSchema,
          403: errorSchema,
          404: errorSchema,
          409: errorSchema,
          503: errorSchema,
        },
      },
    },
    async (req, reply) => {
      const { extension } = extensionOf(req, voiceOn && telephony !== undefined)
      const placed = await telephony!.place(req.tenantId, extension.number, req.body.to)
      return reply.code(201).send(placed)
    },
  )

  /** The signed-in agent's extension, or why there is none. */
  function extensionOf(req: FastifyRequest, on: boolean) {
    const agentId = actingAgent(req)
    const voice = sb.storedConfig(req.tenantId).config.voice
    if (!on || !voice)
      throw new DomainError('CHANNEL_NOT_CONFIGURED', 'voice is off on this server: there is no softphone')
    const extension = voice.extensions.find((x) => x.agentId === agentId)
    if (!extension)
      throw new DomainError(
        'CHANNEL_NOT_CONFIGURED',
        `agent ${agentId} has no extension: give the agent one in the voice configuration`,
      )
    return { voice, extension }
  }
}
