import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AiccSessions } from '../../app/aicc-sessions.js'
import type { Switchboard } from '../../app/switchboard.js'
import type { ClickToCallService } from '../../app/voice-ports.js'
import { SIP_WEBSOCKET_PATH } from '../http/sip-websocket.routes.js'
import type { SessionToken } from './auth.js'
import type { ClickToCallState } from './click-to-call.js'
import { C2C, clickToCallEventOf, failureOf } from './click-to-call.js'
import { OPEN, userOf } from './context.js'
import { AICC, AiccError, ok } from './errors.js'

/** A poll waits this long for an event: under the 60 s the document's client waits. */
const POLL_WAIT_MS = 50_000
/** A click-to-call's events are kept for its page this long at most (a call of hours is rare). */
const FORGET_AFTER_MS = 6 * 3600_000

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
  /** Each chat user's click-to-call (one at a time), by tenant, app, channel and user. */
  const current = new Map<string, ClickToCallState>()
  /** A page that never polled to the end leaves its call here: gone once long over. */
  const forgetOld = (now: number) => {
    for (const [key, c] of current) if (c.createdAt < now - FORGET_AFTER_MS) current.delete(key)
  }
  /** The server has voice, and the chat's tenant too. */
  const takesCalls = (s: SessionToken): boolean =>
    calls !== undefined && sb.storedConfig(s.tenantId).config.voice !== null
  const keyOf = (s: SessionToken) => `${s.tenantId}/${s.appKey}/${s.channelId}/${s.userId}`
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
      const key = keyOf(s)
      const before = current.get(key)
      if (before && (await stillOn(before)))
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
      forgetOld(sb.now())
      current.set(key, {
        createdAt: sb.now(),
        tenantId: s.tenantId,
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
  async function stillOn(c: ClickToCallState): Promise<boolean> {
    if (!c.contactId) return false
    const contact = await sb.tenant(c.tenantId).ask({ type: 'contact', contactId: c.contactId })
    return !!contact && ['queued', 'offered', 'connected'].includes(contact.state)
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
      const key = keyOf(s)
      const c = current.get(key)
      if (!c) throw new AiccError(200, AICC.noClickToCall, 'no call to report on: createClickToCall first')
      if (c.failure) {
        current.delete(key)
        return ok({ resultDesc: 'Call failed', eventId: C2C.failed, content: c.failure })
      }
      const aborted = new AbortController()
      req.raw.once('close', () => aborted.abort())
      const deadline = Date.now() + POLL_WAIT_MS
      while (!aborted.signal.aborted && Date.now() < deadline) {
        const events = await sb.feed.poll(
          c.tenantId,
          { contactId: c.contactId ?? '' },
          c.cursor,
          deadline - Date.now(),
          20,
          aborted.signal,
        )
        if (events.length === 0) break
        for (const e of events) {
          c.cursor = Math.max(c.cursor, e.seq)
          const told = clickToCallEventOf(e, c.answered)
          if (!told) continue
          if (told.eventId === C2C.connected) c.answered = true
          if (told.last) current.delete(key)
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
      return ok({ resultDesc: 'ClickToCall polled without any events' })
    },
  )

  /** 168101's content: where the browser reaches our SIP over WebSocket, what to dial, as whom. */
  function gateway(req: FastifyRequest, tenantId: string, c: ClickToCallState) {
    const scheme = req.protocol === 'https' ? 'wss' : 'ws'
    return {
      domain: sb.storedConfig(tenantId).config.voice?.domain ?? req.hostname,
      gwAddresses: [`${scheme}://${req.host}${SIP_WEBSOCKET_PATH}`],
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
      const c = current.get(keyOf(s))
      if (!c?.contactId || !calls) throw new AiccError(200, AICC.noClickToCall, 'there is no call to drop')
      if (!calls.drop(c.tenantId, c.contactId) && (await stillOn(c)))
        // The call is held by another node: its contact ends, and that node hangs the call up.
        await sb
          .tenant(c.tenantId)
          .run({ type: 'endContact', contactId: c.contactId, by: 'customer', agentId: null })
      return ok()
    },
  )
}
