import type { ClickToCallService } from '../../app/voice-ports.js'
import { randomUUID } from 'node:crypto'
import type { FastifyError, FastifyInstance } from 'fastify'
import type { AiccSessions } from '../../app/aicc-sessions.js'
import type { ChatFiles } from '../../app/chat-files.js'
import type { SurveyStore } from '../../app/ports.js'
import type { Switchboard } from '../../app/switchboard.js'
import { AICC, AiccError, ok, sendAiccError } from './errors.js'
import { OPEN, aiccContext, perUser, userOf } from './context.js'
import { extraRoutes } from './extras.routes.js'
import { workbenchRoutes } from './workbench.routes.js'
import { fileOfContent, fileRoutes } from './files.routes.js'
import { tokenRoutes } from './token.routes.js'
import { ipCeiling } from '../http/ip-ceiling.js'
import { downlinkOf } from './views.js'

export interface AiccDeps {
  readonly sb: Switchboard
  readonly sessions: AiccSessions
  readonly surveys: SurveyStore
  readonly files: ChatFiles
  /** Click-to-call, when the server has voice. */
  readonly clickToCall?: ClickToCallService
}

const POLL_WAIT_MS = 20_000
/** Requests a minute from one address across every AICC call: many customers behind one NAT. */
const AICC_IP_CEILING = 6000
const MAX_TEXT_BYTES = 1024
const CONTROL_TYPES = ['CONNECT', 'CHAT', 'DISCONNECT', 'TRANS2AGENT', 'INPUT'] as const
const FILE_MEDIA = new Set(['IMAGE', 'AUDIO', 'VIDEO', 'FILE', 'FILE_IMAGE', 'FILE_VIDEO'])

interface SendBody {
  channel: string
  content?: string
  controlType: (typeof CONTROL_TYPES)[number]
  from: string
  mediaType: string
  senderNickname?: string
  sourceType: string
  timestamp?: string | number
  to: string
  userAgent?: string
  senderAvatar?: string
}

/**
 * Huawei AICC's web-client access (document 002): the API Fabric token, applyToken, then chat
 * by send and poll. Answers in AICC's `{resultCode, resultDesc}` form; docs/aicc.md maps it.
 */
export async function aiccRoutes(app: FastifyInstance, deps: AiccDeps): Promise<void> {
  const { sb, sessions } = deps
  app.setErrorHandler((error: FastifyError, req, reply) => sendAiccError(error, req, reply))
  app.addHook(
    'onRequest',
    ipCeiling(
      AICC_IP_CEILING,
      () => sb.liveNodes(),
      () => sb.now(),
      (m) => new AiccError(429, AICC.unknown, m),
    ),
  )
  tokenRoutes(app, sb)

  const { session, activeSession } = aiccContext(sb, sessions)
  extraRoutes(app, deps)
  workbenchRoutes(app, deps)
  fileRoutes(app, deps)

  /** A CHAT message carrying an uploaded file: the file must belong to this chat. */
  const sendFile = async (tenantId: string, contactId: string, mediaType: string, content: string) => {
    if (!FILE_MEDIA.has(mediaType))
      throw new AiccError(200, AICC.badParameter, `mediaType ${mediaType} is not supported`)
    const { id, name } = fileOfContent(mediaType, content)
    const a = await deps.files.get(tenantId, id)
    if (!a || a.contactId !== contactId)
      throw new AiccError(
        200,
        AICC.badParameter,
        `no file ${id} in this chat: upload it with uploadFileStream`,
      )
    const attachment = { id: a.id, name: name ?? a.name, contentType: a.contentType, size: a.size }
    await sb.actions.postMessage(tenantId, {
      contactId,
      from: 'customer',
      agentId: null,
      text: '',
      extras: { attachment, clientMessageId: a.id },
    })
  }

  app.post<{ Body: SendBody }>(
    '/apiaccess/ccmessaging/send',
    {
      config: OPEN,
      schema: {
        tags: ['AICC'],
        summary: 'Send: CONNECT, CHAT, INPUT (typing), TRANS2AGENT, DISCONNECT',
        body: {
          type: 'object',
          properties: {
            channel: { type: 'string', const: 'WEB' },
            content: { type: 'string', maxLength: 8192 },
            controlType: { type: 'string', enum: CONTROL_TYPES },
            from: { type: 'string', minLength: 1, maxLength: 32 },
            mediaType: { type: 'string', minLength: 1, maxLength: 32 },
            senderNickname: { type: 'string', maxLength: 200 },
            sourceType: { type: 'string', const: 'CUSTOMER' },
            timestamp: { anyOf: [{ type: 'string' }, { type: 'number' }] },
            to: { type: 'string', minLength: 1, maxLength: 64 },
            userAgent: { type: 'string', maxLength: 1024 },
            senderAvatar: { type: 'string', maxLength: 2048 },
          },
          required: ['channel', 'controlType', 'from', 'mediaType', 'sourceType', 'to'],
        },
      },
    },
    async (req, reply) => {
      const s = await activeSession(req, reply)
      const body = req.body
      if (body.from !== s.userId || body.to !== s.channelId)
        throw new AiccError(
          400,
          AICC.badParameter,
          'from and to must be the userId and channelId of the token',
        )
      const user = userOf(s)
      const tenant = sb.tenant(s.tenantId)
      switch (body.controlType) {
        case 'CONNECT':
        case 'TRANS2AGENT': {
          const channel = s.config.channels.find((c) => c.configId === s.channelId)
          if (!channel) throw new AiccError(200, AICC.badParameter, `no channel configuration ${s.channelId}`)
          await sessions.connect(user, channel.entryPointId, randomUUID())
          return ok()
        }
        case 'CHAT': {
          const contact = await sessions.open(user)
          if (!contact) throw new AiccError(200, AICC.noSession, 'no open chat: send CONNECT first')
          const content = body.content ?? ''
          if (body.mediaType !== 'TEXT') {
            await sendFile(s.tenantId, contact.id, body.mediaType, content)
            return ok()
          }
          if (content.length === 0 || Buffer.byteLength(content) > MAX_TEXT_BYTES)
            throw new AiccError(400, AICC.badParameter, 'a TEXT message has 1 byte to 1 KB of content')
          await sb.actions.postMessage(s.tenantId, {
            contactId: contact.id,
            from: 'customer',
            agentId: null,
            text: content,
          })
          return ok()
        }
        case 'INPUT': {
          const contact = await sessions.open(user)
          if (contact) sb.typing.typing(s.tenantId, contact.id, 'customer', contact.agentId, sb.now())
          return ok()
        }
        case 'DISCONNECT': {
          const contact = await sessions.open(user)
          if (!contact) return ok()
          if (contact.state !== 'wrap_up')
            await tenant.run({ type: 'endContact', contactId: contact.id, by: 'customer', agentId: null })
          return ok()
        }
      }
    },
  )

  app.get<{ Querystring: { receiverId?: string; channel?: string; isNeedRead?: string } }>(
    '/apiaccess/ccmessaging/poll',
    {
      config: perUser(sb, 120),
      schema: {
        tags: ['AICC'],
        summary: 'Poll the messages for the user (waits up to 20 s for one)',
        querystring: {
          type: 'object',
          properties: {
            receiverId: { type: 'string', maxLength: 32 },
            channel: { type: 'string', maxLength: 16 },
            isNeedRead: { type: 'string', maxLength: 8 },
          },
        },
      },
    },
    async (req, reply) => {
      const s = await session(req, reply)
      if (req.query.receiverId !== undefined && req.query.receiverId !== s.userId)
        throw new AiccError(400, AICC.badParameter, 'receiverId must be the userId of the token')
      const abort = new AbortController()
      req.raw.once('close', () => abort.abort())
      const events = await sessions.poll(userOf(s), POLL_WAIT_MS, abort.signal)
      const ctx = {
        channelId: s.channelId,
        userId: s.userId,
        locale: s.locale,
        wantRead: req.query.isNeedRead === 'true',
        agentName: (id: string | null) => sb.agentName(s.tenantId, id),
      }
      return {
        resultCode: AICC.ok,
        resultDesc: 'query user messages success.',
        downlinkMessages: events.flatMap((e) => downlinkOf(e, ctx) ?? []),
      }
    },
  )

  app.post<{ Body: { userId: string; channelConfigId: string; channel: string } }>(
    '/apiaccess/ccmessaging/queryQueueInfo',
    {
      config: OPEN,
      schema: {
        tags: ['AICC'],
        summary: "The user's place in the queue and the waits (seconds)",
        body: {
          type: 'object',
          properties: {
            userId: { type: 'string', minLength: 1, maxLength: 32 },
            channelConfigId: { type: 'string', minLength: 1, maxLength: 64 },
            channel: { type: 'string', maxLength: 16 },
          },
          required: ['userId', 'channelConfigId', 'channel'],
        },
      },
    },
    async (req, reply) => {
      const s = await activeSession(req, reply)
      if (req.body.userId !== s.userId || req.body.channelConfigId !== s.channelId)
        throw new AiccError(200, AICC.badParameter, 'userId and channelConfigId must be those of the token')
      const contact = await sessions.open(userOf(s))
      if (!contact) throw new AiccError(200, AICC.noSession, 'no open chat for this user')
      if (contact.state !== 'queued' && contact.state !== 'offered')
        throw new AiccError(200, AICC.withAgent, 'the chat is with an agent, not in the queue')
      const tenant = sb.tenant(s.tenantId)
      const [wait, stats] = await Promise.all([
        tenant.ask({ type: 'contactWait', contactId: contact.id }),
        tenant.ask({ type: 'queueStats', queueId: contact.queueId }),
      ])
      const now = sb.now()
      const queue = sb.storedConfig(s.tenantId).config.queues.find((q) => q.id === contact.queueId)
      return {
        position: wait?.position ?? 0,
        totalWaitTime: Math.round((now - contact.enqueuedAt) / 1000),
        currentDeviceWaitTime: Math.round((now - contact.queuedAt) / 1000),
        configMaxcWaitTime: queue?.maxWaitSeconds ?? 0,
        longestWaitTime: Math.round((stats?.oldestWaitMs ?? 0) / 1000),
        // -1: nobody can serve the queue, so there is no wait to tell (docs/aicc.md).
        estimateWaitTime:
          wait?.estimatedWaitMs === null ? -1 : Math.round((wait?.estimatedWaitMs ?? 0) / 1000),
        resultCode: AICC.ok,
        resultDesc: '',
      }
    },
  )
}
