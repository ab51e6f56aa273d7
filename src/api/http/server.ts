import rateLimit from '@fastify/rate-limit'
import { shareRateLimits } from './node-share.js'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import websocket from '@fastify/websocket'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import Fastify, { LogController } from 'fastify'
import type { SurveyStore } from '../../app/ports.js'
import type { Switchboard } from '../../app/switchboard.js'
import { ECE_PREFIX, eceRoutes } from '../ece/routes.js'
import { adminRoutes } from '../native-v1/admin.routes.js'
import { agentRoutes } from '../native-v1/agent.routes.js'
import { chatRoutes } from '../native-v1/chat.routes.js'
import { contactRoutes } from '../native-v1/contact.routes.js'
import { recordingRoutes } from '../native-v1/recording.routes.js'
import type {
  BlockedNumberStore,
  CallRecordingStore,
  ClickToCallService,
  SipWebSocketGateway,
  Telephony,
} from '../../app/voice-ports.js'
import { chooseSubprotocol, refuseStrayUpgrades, sipWebSocketRoutes } from './sip-websocket.routes.js'
import { PBX_PREFIX, pbxRoutes } from '../pbx/routes.js'
import { offerRoutes } from '../native-v1/offer.routes.js'
import { queueRoutes } from '../native-v1/queue.routes.js'
import { streamRoutes } from '../native-v1/stream.routes.js'
import { softphoneRoutes } from '../native-v1/softphone.routes.js'
import { chatCallRoutes } from '../native-v1/chat-call.routes.js'
import { authenticate } from './authenticate.js'
import { registerCors } from './cors.js'
import { errorBody, sendError } from './errors.js'
import type { ChatFiles } from '../../app/chat-files.js'
import { agentToolRoutes } from '../native-v1/agent-tools.routes.js'
import { conversationRoutes } from '../native-v1/conversation.routes.js'
import { customerExtraRoutes } from '../native-v1/customer-extras.routes.js'
import type { Metrics } from './metrics.js'
import type { Readiness } from './ops.routes.js'
import { opsRoutes } from './ops.routes.js'
import { statusFastPath } from './status-fast-path.js'
import { webRoutes } from './web.routes.js'
import { sendInDialect } from './dialect-errors.js'
import { methodTable } from './method-table.js'
import type { AiccSessions } from '../../app/aicc-sessions.js'
import { aiccRoutes } from '../aicc/routes.js'
import type { ReportAccess } from '../../app/report-ports.js'
import { reportRoutes } from '../native-v1/report.routes.js'
import { supervisorRoutes } from '../native-v1/supervisor.routes.js'
import type { OutboxAccess } from '../webhooks/routes.js'
import { webhookRoutes } from '../webhooks/routes.js'
import { WEBHOOK_TOPIC } from '../webhooks/deliveries.js'
import { PBX_TOPIC } from '../pbx/push.js'
import { AICC_PUSH_TOPIC } from '../aicc/push.js'
import { CXONE_TOPIC } from '../cxone/deliveries.js'
import { outboxRoutes } from '../native-v1/outbox.routes.js'
import type { CxoneMonitor } from '../cxone/monitor.js'
import { wfmRoutes } from '../cxone/routes.js'

export interface HttpDeps {
  readonly sb: Switchboard
  readonly surveys: SurveyStore
  /** Call recordings; undefined when the server has no voice channel. */
  readonly recordings?: CallRecordingStore
  /** Phones and calls, for the PBX API; undefined when the server has no voice channel. */
  readonly telephony?: Telephony
  readonly blocked: BlockedNumberStore
  readonly files: ChatFiles
  readonly aicc: AiccSessions
  readonly reports: ReportAccess
  readonly outbox: OutboxAccess
  readonly cxone: CxoneMonitor
  readonly now: () => number
  readonly metrics: Metrics
  readonly readiness: Readiness
  readonly logger: FastifyBaseLogger
  readonly version: string
  /** HTTPS (and so WSS) with this certificate; plain HTTP without. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer }
  /** Click-to-call for AICC's pages; undefined when the server has no voice channel. */
  readonly clickToCall?: ClickToCallService
  /** The voice channel's SIP over WebSocket; undefined when the server has no voice channel. */
  readonly sipWebSockets?: SipWebSocketGateway
  /** The built web pages (dist/web). */
  readonly webRoot: string
}

// Clients send Content-Type on a GET too (002's samples do): only these methods carry a body.
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])
// No call of any dialect needs more; longer ones are refused before routing work.
const MAX_URL_LENGTH = 4096

export async function buildHttpServer(deps: HttpDeps): Promise<FastifyInstance> {
  const fast = statusFastPath(deps.sb, () => deps.metrics.statusFastPathServed++)
  const app = Fastify({
    serverFactory: (handler) => {
      const serve = (req: IncomingMessage, res: ServerResponse) => fast(req, res) || handler(req, res)
      return deps.tls
        ? createHttpsServer({ cert: deps.tls.cert, key: deps.tls.key }, serve)
        : createServer(serve)
    },
    loggerInstance: deps.logger,
    // Per-request log lines cost throughput on the polled status routes; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    // Fastify's default is 0 (no limit): a trickled body would hold a socket forever. Slow headers
    // are cut by headersTimeout below. No connectionTimeout: it re-arms a socket timer on every
    // read and write, which costs the polled status routes more than it protects.
    requestTimeout: 30_000,
    keepAliveTimeout: 72_000,
    routerOptions: { maxParamLength: 100 },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
    // Failures before routing (an id past maxParamLength, a malformed URL) in the dialect's form.
    frameworkErrors: (error, req, reply) => {
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
        void sendInDialect(reply, req.url, 'URI_TOO_LONG', 'a path segment is longer than 100 characters')
      else void sendInDialect(reply, req.url, 'VALIDATION_FAILED', `malformed URL ${req.url}`)
    },
  })
  app.server.headersTimeout = 20_000

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Switchboard API',
        version: deps.version,
        description: 'Native API v1 of the Switchboard contact-center server',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  // A single server keeps its limits as written (a number: nothing to work out per request).
  if (deps.sb.clustered) shareRateLimits(app, () => deps.sb.liveNodes())
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      ...errorBody('RATE_LIMITED', `too many requests; retry in ${Math.ceil(ctx.ttl / 1000)} s`),
    }),
  })
  await app.register(websocket, {
    options: {
      maxPayload: 64 * 1024,
      handleProtocols: (protocols, req) => chooseSubprotocol(protocols, req.url),
    },
  })
  refuseStrayUpgrades(app)
  await registerCors(app)

  app.decorateRequest('tenantId', '')
  const methodsOf = methodTable(app)
  // A URL too long, or a body announced by its type with neither a length nor chunked framing.
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.length > MAX_URL_LENGTH)
      return sendInDialect(
        reply,
        req.url,
        'URI_TOO_LONG',
        `the URL is longer than ${MAX_URL_LENGTH} characters`,
      )
    const h = req.headers
    if (
      BODY_METHODS.has(req.method) &&
      h['content-type'] &&
      h['content-length'] === undefined &&
      h['transfer-encoding'] === undefined
    )
      return sendInDialect(
        reply,
        req.url,
        'LENGTH_REQUIRED',
        'the request has a Content-Type but neither Content-Length nor Transfer-Encoding',
      )
  })
  app.addHook('onRequest', authenticate(deps.sb))
  app.addHook('onResponse', (req, reply, done) => {
    deps.metrics.observeRequest(
      req.method,
      req.routeOptions.url ?? 'unknown',
      reply.statusCode,
      reply.elapsedTime / 1000,
    )
    done()
  })
  app.setErrorHandler((error, req, reply) => sendError(error, req, reply))
  app.setNotFoundHandler((req, reply) => {
    const allowed = methodsOf(req.url)
    // A path the request's own method has (a file not found, say) is a plain 404.
    if (allowed.length === 0 || allowed.includes(req.method as (typeof allowed)[number]))
      return sendInDialect(reply, req.url, 'NOT_FOUND', `no route ${req.method} ${req.url}`)
    reply.header('allow', allowed.join(', '))
    return sendInDialect(
      reply,
      req.url,
      'METHOD_NOT_ALLOWED',
      `${req.method} is not allowed on ${req.url.split('?')[0]}; use ${allowed.join(', ')}`,
    )
  })

  opsRoutes(app, deps.metrics, deps.readiness, () =>
    Object.fromEntries(deps.sb.tenantIds().map((t) => [t, deps.sb.routerState(t)] as const)),
  )
  app.get('/openapi.json', { config: { access: 'open' }, schema: { hide: true } }, async () => app.swagger())
  agentRoutes(app, deps.sb)
  offerRoutes(app, deps.sb)
  chatRoutes(app, deps.sb)
  contactRoutes(app, deps.sb, deps.surveys, deps.recordings)
  if (deps.recordings) recordingRoutes(app, deps.recordings)
  queueRoutes(app, deps.sb)
  adminRoutes(app, deps.sb)
  streamRoutes(app, deps.sb)
  sipWebSocketRoutes(app, deps.sipWebSockets, deps.tls !== undefined)
  softphoneRoutes(app, deps.sb, deps.sipWebSockets !== undefined, deps.telephony)
  chatCallRoutes(app, deps.sb, deps.sipWebSockets === undefined ? undefined : deps.clickToCall)
  conversationRoutes(app, deps.sb, deps.files)
  agentToolRoutes(app, deps.sb)
  customerExtraRoutes(
    app,
    deps.sb,
    deps.surveys,
    deps.clickToCall !== undefined && deps.sipWebSockets !== undefined,
  )
  reportRoutes(app, deps.sb, deps.reports, deps.surveys)
  webhookRoutes(app, deps.sb, deps.outbox)
  outboxRoutes(app, deps.sb, deps.outbox, [WEBHOOK_TOPIC, PBX_TOPIC, AICC_PUSH_TOPIC, CXONE_TOPIC])
  supervisorRoutes(app, deps.sb)
  wfmRoutes(app, deps.sb, deps.cxone, deps.outbox.store)
  await app.register((scope) =>
    aiccRoutes(scope, {
      sb: deps.sb,
      sessions: deps.aicc,
      surveys: deps.surveys,
      files: deps.files,
      ...(deps.clickToCall ? { clickToCall: deps.clickToCall } : {}),
    }),
  )
  await webRoutes(app, deps.webRoot)
  await app.register((scope) => eceRoutes(scope, { sb: deps.sb, surveys: deps.surveys, now: deps.now }), {
    prefix: ECE_PREFIX,
  })
  await app.register(
    (scope) =>
      pbxRoutes(scope, {
        sb: deps.sb,
        blocked: deps.blocked,
        telephony: deps.telephony,
        recordings: deps.recordings,
      }),
    { prefix: PBX_PREFIX },
  )
  return app
}
