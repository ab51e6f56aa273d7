import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { SipWebSocketGateway } from '../../app/voice-ports.js'
import { sendInDialect } from './dialect-errors.js'
import { errorBody, sendError } from './errors.js'
import { DomainError } from '../../core/errors.js'

/** Where browsers reach SIP over WebSocket (RFC 7118) on the HTTP server. */
export const SIP_WEBSOCKET_PATH = '/sip'
const SUBPROTOCOL = 'sip'

/** Where the browser that made this request reaches SIP over WebSocket: WSS behind HTTPS. */
export const sipWebSocketUrl = (req: FastifyRequest): string =>
  `${req.protocol === 'https' ? 'wss' : 'ws'}://${req.host}${SIP_WEBSOCKET_PATH}`

/** The SIP domain a browser registers or calls in: the tenant's own, else the host it called. */
export const sipDomainFor = (req: FastifyRequest, configured: string | null | undefined): string =>
  configured ?? req.hostname.replace(/:\d+$/, '')

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes WebSocket upgrades: any other route refuses them. */
    webSocket?: boolean
  }
}

/** The subprotocols a client offered, from its `Sec-WebSocket-Protocol` header. */
const offered = (req: { headers: Record<string, string | string[] | undefined> }): string[] =>
  String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)

/**
 * The WebSocket server's choice of subprotocol: `sip` on the SIP path (RFC 7118 §4), none
 * anywhere else, so a SIP client that dialled the wrong path is refused by its own browser
 * (RFC 6455 §4.1: no protocol chosen of those offered fails the connection) instead of being
 * told it connected.
 */
export function chooseSubprotocol(protocols: Set<string>, path: string | undefined): string | false {
  const at = (path ?? '').split('?')[0]
  if (at === SIP_WEBSOCKET_PATH) return protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false
  return protocols.has(SUBPROTOCOL) ? false : ([...protocols][0] ?? false)
}

/**
 * Marks WebSocket routes, and refuses an upgrade on any other route with an HTTP error (the
 * WebSocket plugin would answer 101 and then close it).
 */
export function refuseStrayUpgrades(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (route.websocket || route.wsHandler) route.config = { ...route.config, webSocket: true }
  })
  app.addHook('onRequest', async (req, reply) => {
    if (!req.ws || req.routeOptions.config.webSocket) return
    const path = req.url.split('?')[0]
    return sendInDialect(
      reply,
      req.url,
      'VALIDATION_FAILED',
      offered(req).includes(SUBPROTOCOL)
        ? `${path} takes no WebSocket; SIP over WebSocket is at ${SIP_WEBSOCKET_PATH}`
        : `${path} takes no WebSocket`,
    )
  })
}

/**
 * SIP over WebSocket for browsers (the agent's softphone, a customer's click-to-call). SIP's
 * own digest authenticates what arrives, as on UDP and TCP: the route itself is open.
 */
export function sipWebSocketRoutes(
  app: FastifyInstance,
  gateway: SipWebSocketGateway | undefined,
  secure: boolean,
): void {
  const refuse = (req: FastifyRequest, reply: FastifyReply) => {
    if (!gateway)
      return sendError(
        new DomainError(
          'CHANNEL_NOT_CONFIGURED',
          'voice is off on this server: SIP over WebSocket is unavailable',
        ),
        req,
        reply,
      )
    if (!req.ws)
      return reply
        .code(426)
        .header('upgrade', 'websocket')
        .send(
          errorBody(
            'VALIDATION_FAILED',
            `${SIP_WEBSOCKET_PATH} is SIP over WebSocket (RFC 7118): connect with the subprotocol "${SUBPROTOCOL}"`,
          ),
        )
    if (!offered(req).includes(SUBPROTOCOL))
      return sendError(
        new DomainError(
          'VALIDATION_FAILED',
          `offer the WebSocket subprotocol "${SUBPROTOCOL}" (RFC 7118) to connect to ${SIP_WEBSOCKET_PATH}`,
        ),
        req,
        reply,
      )
    return undefined
  }
  app.route({
    method: 'GET',
    url: SIP_WEBSOCKET_PATH,
    config: { access: 'open' },
    schema: { hide: true },
    preValidation: async (req, reply) => {
      const refused = refuse(req, reply)
      if (refused) return refused
    },
    handler: async (req, reply) => refuse(req, reply),
    wsHandler: (socket, req) => {
      gateway?.accept(
        socket,
        { host: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0 },
        secure,
      )
    },
  })
}
