import type { FastifyInstance } from 'fastify'
import type { AiccDeps } from './routes.js'
import { appOf } from './auth.js'
import { AICC, AiccError } from './errors.js'
import { OPEN, aiccContext, perUser, userOf } from './context.js'

// feedbacksatisfaction's own result codes (Huawei's documentation of the call).
const FEEDBACK_CONTENT_MISSING = '30000000008'
const NOT_A_BOT_SESSION = '30000000019'

/** AICC's customer id of a contact it started: `aicc:{channelConfigId}:{userId}`. */
function aiccCustomer(externalId: string | undefined): { channelId: string; userId: string } | undefined {
  const m = /^aicc:([^:]+):(.+)$/.exec(externalId ?? '')
  return m ? { channelId: m[1] as string, userId: m[2] as string } : undefined
}

/**
 * The rest of 002's menu that a site or a workbench calls: the rating of a chatbot's reply, and
 * who is behind a chat (by its callId). Calls of the menu this server does not carry answer in
 * AICC's form, saying so.
 */
export function workbenchRoutes(app: FastifyInstance, deps: AiccDeps): void {
  const { sb, sessions } = deps
  const { activeSession } = aiccContext(sb, sessions)

  app.post<{ Body: { feedback: number; feedbackContent?: string; from: string; interIdx: string } }>(
    '/apiaccess/ccmessaging/v1/robot/feedbacksatisfaction',
    {
      config: perUser(sb, 30),
      schema: {
        tags: ['AICC'],
        summary: "feedbacksatisfaction: the customer's rating of a chatbot reply (1 satisfied, 0 not)",
        body: {
          type: 'object',
          properties: {
            feedback: { type: 'integer', enum: [0, 1] },
            feedbackContent: { type: 'string', maxLength: 64 },
            from: { type: 'string', minLength: 1, maxLength: 32 },
            interIdx: { type: 'string', minLength: 1, maxLength: 64 },
          },
          required: ['feedback', 'from', 'interIdx'],
        },
      },
    },
    async (req, reply) => {
      const s = await activeSession(req, reply)
      if (req.body.from !== s.userId)
        throw new AiccError(200, AICC.badParameter, 'from must be the userId of the token')
      if (req.body.feedback === 0 && !req.body.feedbackContent?.trim())
        throw new AiccError(
          200,
          FEEDBACK_CONTENT_MISSING,
          'feedbackContent is required when feedback is 0 (dissatisfied)',
        )
      // Every chat here is answered by people: there is no chatbot reply to rate.
      const open = await sessions.open(userOf(s))
      throw new AiccError(
        200,
        NOT_A_BOT_SESSION,
        open
          ? 'the current chat is with an agent, not a chatbot: rate it with saveSatisfaction once it ends'
          : 'there is no chatbot session to rate',
      )
    },
  )

  app.post<{ Body: { callId: string; userId: string; tenantId: string } }>(
    '/apiaccess/rest/workbench/v1/getUserInfoBycallId',
    {
      config: { ...OPEN, rateLimit: { max: 600, timeWindow: '1 minute' } },
      schema: {
        tags: ['AICC'],
        summary: 'getUserInfoBycallId: who is behind a chat (app credentials, no ccmessaging-token)',
        body: {
          type: 'object',
          properties: {
            callId: { type: 'string', minLength: 1, maxLength: 64 },
            userId: { type: 'string', minLength: 1, maxLength: 32 },
            tenantId: { type: 'string', minLength: 1, maxLength: 64 },
          },
          required: ['callId', 'userId', 'tenantId'],
        },
      },
    },
    async (req) => {
      const app = appOf(req, sb)
      if (req.body.tenantId !== app.tenantId)
        throw new AiccError(400, AICC.badParameter, `tenantId must be that of the app key (${app.tenantId})`)
      const contact = await sb.queries.contact(app.tenantId, req.body.callId)
      const who = aiccCustomer(contact?.customer.externalId)
      if (!contact || !who || who.userId !== req.body.userId)
        throw new AiccError(200, AICC.noSession, `no chat ${req.body.callId} of user ${req.body.userId}`)
      return {
        resultCode: AICC.ok,
        resultDesc: '',
        userNickname: contact.customer.name,
        userId: who.userId,
        userAvatar: null,
        channel: 'WEB',
        createTime: String(contact.createdAt),
        channelConfigId: who.channelId,
        userAgent: null,
        clientIp: null,
        osName: null,
        borderType: null,
      }
    },
  )

  // In 002's menu, not carried here: answered in AICC's form, never the native one.
  for (const [path, what] of [
    ['createcall', 'anonymous calls (createcall)'],
    ['v1/mobileagent/createcall', 'anonymous calls (createcall)'],
    ['chat_dropMail', 'email (chat_dropMail)'],
    ['sendWhatsappMessage', 'WhatsApp (sendWhatsappMessage)'],
  ] as const) {
    app.post(
      `/apiaccess/ccmessaging/${path}`,
      { config: OPEN, schema: { tags: ['AICC'], summary: `${what}: not supported by this server` } },
      async () => {
        throw new AiccError(501, AICC.badParameter, `${what} is not supported by this server`)
      },
    )
  }
}
