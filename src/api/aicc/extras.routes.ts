import { conversationOver } from '../../core/contact.js'
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { AICC, AiccError } from './errors.js'
import { OPEN, aiccContext, perUser, userOf } from './context.js'
import { clickToCallRoutes } from './click-to-call.routes.js'
import type { AiccDeps } from './routes.js'
import { historyMessageOf } from './views.js'

interface Satisfaction {
  channel: string
  userId: string
  evaluation: string | number
  comment?: string
  channelConfigId: string
  npsScore?: string | number
  fcrValue?: string | number
}

const satisfactionSchema = {
  type: 'object',
  properties: {
    channel: { type: 'string', const: 'WEB' },
    userId: { type: 'string', minLength: 1, maxLength: 32 },
    evaluation: {
      anyOf: [
        { type: 'string', pattern: '^[1-5]$' },
        { type: 'integer', minimum: 1, maximum: 5 },
      ],
    },
    comment: { type: 'string', maxLength: 511 },
    channelConfigId: { type: 'string', minLength: 1, maxLength: 64 },
    npsScore: {
      anyOf: [
        { type: 'string', pattern: '^[0-9]$' },
        { type: 'integer', minimum: 0, maximum: 9 },
      ],
    },
    fcrValue: {
      anyOf: [
        { type: 'string', pattern: '^[12]$' },
        { type: 'integer', minimum: 1, maximum: 2 },
      ],
    },
  },
  required: ['channel', 'userId', 'evaluation', 'channelConfigId'],
} as const

// AICC's default satisfaction levels, 1 (very dissatisfied) to 5 (very satisfied).
const LEVELS_ZH = ['很不满意', '不满意', '一般', '满意', '很满意']
const LEVELS_EN = ['Very dissatisfied', 'Dissatisfied', 'Neutral', 'Satisfied', 'Very satisfied']

/** Around the conversation: a message left, the rating after, the history before. */
export function extraRoutes(app: FastifyInstance, deps: AiccDeps): void {
  const { sb, sessions, surveys } = deps
  const { activeSession } = aiccContext(sb, sessions)
  clickToCallRoutes(app, { sb, sessions, calls: deps.clickToCall, activeSession })

  app.post<{ Body: { callId: string; caller: string; leaveMessage: string; channel: string } }>(
    '/apiaccess/ccmessaging/doLeaveMessage',
    {
      config: perUser(sb, 10),
      schema: {
        tags: ['AICC'],
        summary: 'A message left when no agent could be reached: agents take it later',
        body: {
          type: 'object',
          properties: {
            // poll hands out 36-character call ids (UUIDs): 002's sample shows a shorter one.
            callId: { type: 'string', minLength: 1, maxLength: 64 },
            caller: { type: 'string', minLength: 1, maxLength: 32 },
            leaveMessage: { type: 'string', minLength: 1, maxLength: 4000 },
            channel: { type: 'string', const: 'WEB' },
          },
          required: ['callId', 'caller', 'leaveMessage', 'channel'],
        },
      },
    },
    async (req, reply) => {
      const s = await activeSession(req, reply)
      const channel = s.config.channels.find((c) => c.configId === s.channelId)
      if (!channel) throw new AiccError(200, '3', 'the leaveMessageParams is error.')
      const { caller, leaveMessage } = req.body
      await sb
        .tenant(s.tenantId)
        .run({
          type: 'leaveMessage',
          contact: {
            contactId: randomUUID(),
            entryPointId: channel.entryPointId,
            customer: { name: s.userName, externalId: `aicc:${s.channelId}:${s.userId}` },
            subject: `Call back ${caller}`,
          },
          text: leaveMessage,
        })
        .catch((e: unknown) => {
          throw new AiccError(200, AICC.saveFailed, `Save leaveMessage failed! ${(e as Error).message}`)
        })
      return { resultCode: AICC.ok, resultDesc: 'Save leaveMessage success!' }
    },
  )

  // 002 nests the answers in `satisfication` (sic); one of Huawei's samples sends them flat.
  app.post<{ Body: { satisfication?: Satisfaction } & Partial<Satisfaction> }>(
    '/apiaccess/ccmessaging/saveSatisfaction',
    {
      config: OPEN,
      schema: {
        tags: ['AICC'],
        summary: "The customer's rating of the chat (evaluation 1-5, comment, NPS, resolved): once per chat",
        body: {
          anyOf: [
            {
              type: 'object',
              properties: { satisfication: satisfactionSchema },
              required: ['satisfication'],
            },
            satisfactionSchema,
          ],
        },
      },
    },
    async (req, reply) => {
      const s = await activeSession(req, reply)
      const r = (req.body.satisfication ?? req.body) as Satisfaction
      if (r.userId !== s.userId || r.channelConfigId !== s.channelId)
        throw new AiccError(200, AICC.saveFailed, 'userId and channelConfigId must be those of the token')
      const contactId = await sessions.latest(userOf(s))
      if (!contactId) throw new AiccError(200, AICC.saveFailed, 'no chat of this user to rate')
      const contact = await sb.queries.contact(s.tenantId, contactId)
      if (contact && !conversationOver(contact.state))
        throw new AiccError(200, AICC.saveFailed, 'Save satisfaction failed: the chat has not ended yet')
      const answers = [
        { question: 'evaluation', answer: String(r.evaluation) },
        ...(r.comment ? [{ question: 'comment', answer: r.comment }] : []),
        ...(r.npsScore !== undefined ? [{ question: 'npsScore', answer: String(r.npsScore) }] : []),
        ...(r.fcrValue !== undefined ? [{ question: 'fcrValue', answer: String(r.fcrValue) }] : []),
      ]
      const stored = await surveys.submit(s.tenantId, {
        contactId,
        answers,
        source: 'aicc',
        submittedAt: sb.now(),
      })
      if (!stored)
        throw new AiccError(200, AICC.saveFailed, 'Save satisfaction failed: this chat was already rated')
      return { resultCode: AICC.ok, resultDesc: 'Save satisfaction success' }
    },
  )

  app.post<{
    Body: {
      channelId: string
      userId: string
      startTime?: string
      endTime?: string
      limit: string | number
      offset: string | number
      channel: string
    }
  }>(
    '/apiaccess/ccmessaging/queryHistoryChatMessage',
    {
      config: OPEN,
      schema: {
        tags: ['AICC'],
        summary: "The user's messages on this channel over all their chats, oldest first, by page",
        body: {
          type: 'object',
          properties: {
            channelId: { type: 'string', minLength: 1, maxLength: 64 },
            userId: { type: 'string', minLength: 1, maxLength: 32 },
            startTime: { type: 'string', maxLength: 32 },
            endTime: { type: 'string', maxLength: 32 },
            limit: {
              anyOf: [
                { type: 'string', pattern: '^[0-9]{1,4}$' },
                { type: 'integer', minimum: 0 },
              ],
            },
            offset: {
              anyOf: [
                { type: 'string', pattern: '^[0-9]{1,9}$' },
                { type: 'integer', minimum: 0 },
              ],
            },
            channel: { type: 'string', const: 'WEB' },
          },
          required: ['channelId', 'userId', 'limit', 'offset', 'channel'],
        },
      },
    },
    async (req, reply) => {
      const s = await activeSession(req, reply)
      const b = req.body
      if (b.userId !== s.userId || b.channelId !== s.channelId)
        throw new AiccError(200, AICC.badParameter, 'userId and channelId must be those of the token')
      const messages = await sb.queries.customerMessages(s.tenantId, `aicc:${s.channelId}:${s.userId}`, {
        ...timeBound('from', b.startTime),
        ...timeBound('to', b.endTime),
        offset: Number(b.offset),
        limit: Math.min(Number(b.limit), 500),
      })
      const ctx = {
        channelId: s.channelId,
        userId: s.userId,
        agentName: (id: string | null) => sb.agentName(s.tenantId, id),
      }
      return {
        resultCode: AICC.ok,
        resultDesc: '',
        messageList: messages.map((m) => historyMessageOf(m, ctx)),
      }
    },
  )

  app.post<{ Body: { strContent: string; locale: string; channel: string } }>(
    '/apiaccess/ccmessaging/queryPhraseByKeyword',
    {
      config: perUser(sb, 120),
      schema: {
        tags: ['AICC'],
        summary: "Up to 5 of the tenant's common questions containing what the customer typed",
        body: {
          type: 'object',
          properties: {
            strContent: { type: 'string', minLength: 1, maxLength: 200 },
            locale: { type: 'string', minLength: 2, maxLength: 16 },
            channel: { type: 'string', const: 'WEB' },
          },
          required: ['strContent', 'locale', 'channel'],
        },
      },
    },
    async (req, reply) => {
      const s = await activeSession(req, reply)
      const needle = req.body.strContent.trim().toLocaleLowerCase()
      const question = s.config.phrases.filter((p) => p.toLocaleLowerCase().includes(needle)).slice(0, 5)
      return { resultCode: AICC.ok, resultDesc: '', question }
    },
  )

  // 002's menu names it getSatisfactionSurveyMode; Huawei's reference writes the path in lower case.
  for (const url of ['getSatisfactionSurveyMode', 'getsatisfactionsurveymode'])
    app.post<{ Body: { language?: string } | undefined }>(
      `/apiaccess/ccmessaging/${url}`,
      {
        config: OPEN,
        schema: {
          tags: ['AICC'],
          summary: 'Whether to show the rating after the chat, with the five levels in the language asked',
          body: {
            type: ['object', 'null'],
            properties: { language: { type: 'string', maxLength: 16 } },
          },
        },
      },
      async (req, reply) => {
        const s = await activeSession(req, reply)
        const language = req.body?.language ?? s.locale
        const levels = language.toLowerCase().startsWith('en') ? LEVELS_EN : LEVELS_ZH
        return {
          resultCode: AICC.ok,
          resultDesc: '',
          satisfactionSurvey: s.config.survey
            ? {
                surveyType: 'WEB',
                satisfactionLevel: levels.map((desc, i) => ({
                  satisfactionLevelKey: String(i + 1),
                  satisfactionLevelDesc: desc,
                })),
                satisfactionQuestion: ['CSAT', 'FCR', 'NPS'],
              }
            : { surveyType: 'NO', satisfactionLevel: [], satisfactionQuestion: [] },
        }
      },
    )
}

/** A time bound as AICC clients write it: epoch milliseconds, or a date the JS parser reads. */
function timeBound(key: 'from' | 'to', value: string | undefined): { from?: number } | { to?: number } {
  if (value === undefined || value === '') return {}
  const ms = /^[0-9]+$/.test(value) ? Number(value) : Date.parse(value)
  if (!Number.isFinite(ms))
    throw new AiccError(400, AICC.badParameter, `${key === 'from' ? 'startTime' : 'endTime'} is not a time`)
  return { [key]: ms }
}
