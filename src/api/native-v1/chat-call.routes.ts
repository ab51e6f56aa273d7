import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Switchboard } from '../../app/switchboard.js'
import type { ClickToCallService } from '../../app/voice-ports.js'
import type { GateReason } from '../../core/availability.js'
import type { Contact } from '../../core/contact.js'
import { conversationOver } from '../../core/contact.js'
import { DomainError } from '../../core/errors.js'
import { refusalError } from '../../core/routing/admission.js'
import { customerContact } from '../http/authenticate.js'
import { sipDomainFor, sipWebSocketUrl } from '../http/sip-websocket.routes.js'
import { errorSchema, idParam } from './schemas.js'

const callSchema = {
  type: 'object',
  required: ['callId', 'webSocket', 'uri', 'from'],
  properties: {
    callId: { type: 'string', description: "The call's contact id: it continues the chat" },
    webSocket: {
      type: 'string',
      description: 'SIP over WebSocket (RFC 7118, subprotocol sip) to call through',
    },
    uri: { type: 'string', description: 'What to call: the access number at our SIP domain' },
    from: { type: 'string', description: 'Who to call as: good for this call only, its only credential' },
  },
} as const

/**
 * The widget's "Call us": the customer of a chat calls from the browser, and the call joins the
 * chat (one conversation; the chat's agent gets it first, else it keeps the chat's place in
 * line). The browser calls at once: it hears the queue until an agent answers.
 */
export function chatCallRoutes(app: FastifyInstance, sb: Switchboard, calls: ClickToCallService | undefined) {
  app.post<{ Params: { contactId: string } }>(
    '/api/v1/chats/:contactId/call',
    {
      config: { access: 'customer', rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags: ['customer chat'],
        summary:
          "Calls from the browser, joined to this chat: where and as whom the browser's SIP client calls",
        params: idParam('contactId'),
        response: { 201: callSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema },
      },
    },
    async (req, reply) => {
      const { chat, accessNumber } = await callableChat(req)
      const started = await calls!.start({
        tenantId: req.tenantId,
        accessNumber,
        customer: { name: chat.customer.name },
        chatContactId: chat.id,
        enqueuedAt: chat.enqueuedAt,
        ...(chat.state === 'connected' && chat.agentId ? { preferredAgentId: chat.agentId } : {}),
      })
      if (!started.started) throw refusalError(started.reason as GateReason)
      const domain = sipDomainFor(req, sb.storedConfig(req.tenantId).config.voice?.domain)
      return reply.code(201).send({
        callId: started.contactId,
        webSocket: sipWebSocketUrl(req),
        uri: `sip:${accessNumber}@${domain}`,
        from: `sip:${started.callerName}@${domain}`,
      })
    },
  )

  app.post<{ Params: { contactId: string } }>(
    '/api/v1/chats/:contactId/call/end',
    {
      config: { access: 'customer' },
      schema: {
        tags: ['customer chat'],
        summary: "Ends this chat's call from the customer's side (also before the browser got through)",
        params: idParam('contactId'),
        response: { 404: errorSchema },
      },
    },
    async (req, reply) => {
      customerContact(req, req.params.contactId)
      const call = (await callsOf(req.tenantId, req.params.contactId))[0]
      if (!call || !calls?.drop(req.tenantId, call.id))
        throw new DomainError('CONTACT_NOT_FOUND', 'this chat has no call in progress')
      return reply.code(204).send()
    },
  )

  /** The chat, when its customer may call now, and the number the call goes to. */
  async function callableChat(req: FastifyRequest<{ Params: { contactId: string } }>) {
    const { contactId } = req.params
    customerContact(req, contactId)
    const chat = await sb.tenant(req.tenantId).ask({ type: 'contact', contactId })
    if (!chat) throw new DomainError('CONTACT_NOT_FOUND', `contact ${contactId} not found`)
    const config = sb.storedConfig(req.tenantId).config
    const accessNumber = config.entryPoints.find((e) => e.id === chat.entryPointId)?.chat.clickToCall
      ?.accessNumber
    if (!calls || !config.voice || accessNumber === undefined)
      throw new DomainError('CHANNEL_NOT_CONFIGURED', 'this chat cannot call: its entry point takes no calls')
    if (conversationOver(chat.state))
      throw new DomainError('CONTACT_STATE_CONFLICT', `the chat is ${chat.state}: only an open chat can call`)
    if ((await callsOf(req.tenantId, contactId)).length > 0)
      throw new DomainError('CONFLICT', 'this chat has a call in progress: end it first')
    return { chat, accessNumber }
  }

  /** The chat's calls in progress. */
  async function callsOf(tenantId: string, chatId: string): Promise<readonly Contact[]> {
    const open = (await sb.tenant(tenantId).ask({ type: 'contacts', channel: 'voice' })) ?? []
    return open.filter((c) => c.relatedContactId === chatId && !conversationOver(c.state))
  }
}
