import { conversationOver } from '../../core/contact.js'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AiccSessions } from '../../app/aicc-sessions.js'
import type { Switchboard } from '../../app/switchboard.js'
import type { ClickToCallService } from '../../app/voice-ports.js'
import { sipDomainFor, sipWebSocketUrl } from '../http/sip-websocket.routes.js'
import type { SessionToken } from './auth.js'
import type { StoredClickToCall } from '../../app/ports.js'
import { C2C, clickToCallEventOf, failureOf } from './click-to-call.js'
import { OPEN, userOf } from './context.js'
import { AICC, AiccError, ok } from './errors.js'

/** A poll waits this long for an event: under the 60 s the document's client waits. */
const POLL_WAIT_MS = 50_000

const mediaSchema = {
  type: 'object',
  properties: {
    channel: { type: 'string', const: 'WEB' },
    mediaAbility: {
      anyOf: [
        { type: 'string', pattern: '^[01]$' },
        { type: 'integer', enum: [0, 1] },
      ],
    },
  },
  required: ['channel'],
} as const

/**
 * Click-to-call (002, 协同点击通话): a customer who chats asks to talk. The call queues with the
 * chat's place in line (or goes to the chat's agent); the page long-polls its events; once an
 * agent answers (168101) it learns where to dial over SIP on WebSocket and as whom.
 */
export function clickToCallRoutes(
  app: FastifyInstance,
  deps: {
    readonly sb: Switchboard
    readonly sessions: AiccSessions
    readonly calls: ClickToCallService | undefined
    readonly activeSession: (req: FastifyRequest, reply: FastifyReply) => Promise<SessionToken>
  },
): void {
  const { sb, sessions, calls, activeSession } = deps
  /** The server has voice, and the chat's tenant too. */
  const takesCalls = (s: SessionToken): boolean =>
    calls !== undefined && sb.storedConfig(s.tenantId).config.voice !== null
  const accessNumberOf = (s: SessionToken): string | undefined =>
    sb.storedConfig(s.tenantId).config.aicc?.channels.find((c) => c.configId === s.channelId)?.clickToCall
      ?.accessNumber

  app.get<{ Querystring: { channel?: string } }>(
    '/apiaccess/ccmessaging/v1/checkClickToCallSupport',
    {
      config: OPEN,
      schema: {
        tags: ['AICC'],
        summary: "Whether this server takes WebRTC calls, and this chat's channel allows click-to-call",
      },
    },
    async (req, reply) => {
      const s = await activeSession(req, reply)
      const voice = takesCalls(s)
      return ok({
        webRTCSupported: voice,
        clickToCallSupported: voice && accessNumberOf(s) !== undefined,
      })
    },
  )

  app.post<{ Body: { channel: string; mediaAbility?: string | number } }>(
    '/apiaccess/ccmessaging/v1/createClickToCall',
    {
      config: OPEN,
      schema: {
        tags: ['AICC'],
        summary: 'A voice call for the customer of this chat: it queues with the chat’s place in line',
        body: mediaSchema,
      },
    },
    async (req, reply) => {
      const s = await activeSession(req, reply)
      if (String(req.body.mediaAbility ?? '0') === '1')
        throw new AiccError(
          200,
          AICC.noVideo,
          'video calls are not offered: ask for a voice call (mediaAbility "0")',
        )
      const accessNumber = accessNumberOf(s)
      if (!calls || accessNumber === undefined || !takesCalls(s))
        throw new AiccError(
          200,
          AICC.noClickToCall,
          'this channel does not take click-to-call: checkClickToCallSupport says so',
        )
      const chat = await sessions.open(userOf(s))
      if (!chat)
        throw new AiccError(200, AICC.noSession, 'no chat is open: send CONNECT first, then ask for a call')
      const user = userOf(s)
      const before = await sessions.clickToCall(user)
      if (before && (await stillOn(s.tenantId, before)))
        throw new AiccError(200, AICC.callInProgress, 'a call is already in progress: drop it first')
      const cursor = sb.feed.lastSeq(s.tenantId)
      const started = await calls.start({
        tenantId: s.tenantId,
        accessNumber,
        customer: { name: s.userName },
        chatContactId: chat.id,
        enqueuedAt: chat.enqueuedAt,
        ...(chat.state === 'connected' && chat.agentId ? { preferredAgentId: chat.agentId } : {}),
      })
      await sessions.startClickToCall(user, {
        createdAt: sb.now(),
        contactId: started.contactId,
        callerName: started.started ? started.callerName : '',
        accessNumber,
        cursor,
        failure: started.started ? null : failureOf(started.reason),
        answered: false,
      })
      return ok()
    },
  )

  /** Whether a call's contact is still queued, ringing or talking. */
  async function stillOn(tenantId: string, c: StoredClickToCall): Promise<boolean> {
    if (!c.contactId) return false
    const contact = await sb.tenant(tenantId).ask({ type: 'contact', contactId: c.contactId })
    return !!contact && !conversationOver(contact.state)
  }

  app.get<{ Querystring: { channel?: string } }>(
    '/apiaccess/ccmessaging/v1/getClickToCallEvents',
    {
      config: OPEN,
      schema: {
        tags: ['AICC'],
        summary: 'Long poll (up to 50 s): the next event of the call, each once and in order',
      },
    },
    async (req, reply) => {
      const s = await activeSession(req, reply)
      const user = userOf(s)
      const c = await sessions.clickToCall(user)
      if (!c) throw new AiccError(200, AICC.noClickToCall, 'no call to report on: createClickToCall first')
      if (c.failure) {
        await sessions.endClickToCall(user, c)
        return ok({ resultDesc: 'Call failed', eventId: C2C.failed, content: c.failure })
      }
      let { cursor, answered } = c
      const aborted = new AbortController()
      req.raw.once('close', () => aborted.abort())
      const deadline = Date.now() + POLL_WAIT_MS
      while (!aborted.signal.aborted && Date.now() < deadline) {
        const events = await sb.feed.poll(
          s.tenantId,
          { contactId: c.contactId ?? '' },
          cursor,
          deadline - Date.now(),
          20,
          aborted.signal,
        )
        if (events.length === 0) break
        for (const e of events) {
          cursor = Math.max(cursor, e.seq)
          const told = clickToCallEventOf(e, answered)
          if (!told) continue
          if (told.eventId === C2C.connected) answered = true
          // Written down before it is told: the page's next poll, on any node, goes on from here.
          if (told.last) await sessions.endClickToCall(user, c)
          else await sessions.saveClickToCall(user, { ...c, cursor, answered })
          return ok({
            resultDesc: told.resultDesc,
            eventId: told.eventId,
            ...(told.eventId === C2C.connected
              ? { content: gateway(req, s.tenantId, c) }
              : told.cause
                ? { content: told.cause }
                : {}),
          })
        }
      }
      if (cursor > c.cursor) await sessions.saveClickToCall(user, { ...c, cursor })
      return ok({ resultDesc: 'ClickToCall polled without any events' })
    },
  )

  /** 168101's content: where the browser reaches our SIP over WebSocket, what to dial, as whom. */
  function gateway(req: FastifyRequest, tenantId: string, c: StoredClickToCall) {
    return {
      domain: sipDomainFor(req, sb.storedConfig(tenantId).config.voice?.domain),
      gwAddresses: [sipWebSocketUrl(req)],
      accessCode: c.accessNumber,
      clickToCallCaller: c.callerName,
    }
  }

  app.post<{ Body: { channel: string } }>(
    '/apiaccess/ccmessaging/v1/dropClickToCall',
    {
      config: OPEN,
      schema: {
        tags: ['AICC'],
        summary: 'The customer hangs up the call (queued, ringing or talking)',
        body: mediaSchema,
      },
    },
    async (req, reply) => {
      const s = await activeSession(req, reply)
      const c = await sessions.clickToCall(userOf(s))
      if (!c?.contactId || !calls) throw new AiccError(200, AICC.noClickToCall, 'there is no call to drop')
      if (!calls.drop(s.tenantId, c.contactId) && (await stillOn(s.tenantId, c)))
        // The call is held by another node: its contact ends, and that node hangs the call up.
        await sb
          .tenant(s.tenantId)
          .run({ type: 'endContact', contactId: c.contactId, by: 'customer', agentId: null })
      return ok()
    },
  )
}
