import { conversationOver } from '../../core/contact.js'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { SurveyAnswer, SurveyStore } from '../../app/ports.js'
import type { Switchboard } from '../../app/switchboard.js'
import type { TenantHandle } from '../../app/remote-tenant.js'
import type { EntryPointStatus } from '../../core/availability.js'
import { isDomainError } from '../../core/errors.js'
import {
  STATUS_VIEWS,
  chatAllowedXml,
  errorXml,
  initializeJson,
  sessionStatusXml,
  transcriptXml,
} from './views.js'
import type { StatusCall } from './views.js'
import { XmlInputError, decodeEntities, parseXmlBody } from './xml.js'

export const ECE_PREFIX = '/system/egain/chat/entrypoint'

export interface EceDeps {
  readonly sb: Switchboard
  readonly surveys: SurveyStore
  readonly now: () => number
}

class EceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

const ID = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' } },
  required: ['id'],
} as const
const MAX_SURVEY_ITEMS = 50
const MAX_TEXT = 2000

function sendXml(reply: FastifyReply, status: number, xml: string): FastifyReply {
  return reply.status(status).type('application/xml; charset=utf-8').send(xml)
}

/**
 * Cisco ECE's customer-facing entry-point API (documents 000 and 001). Status calls read the
 * in-memory entry-point snapshot; the rules are in docs/ece.md.
 */
export async function eceRoutes(app: FastifyInstance, deps: EceDeps): Promise<void> {
  const { sb } = deps

  app.addContentTypeParser(
    ['application/xml', 'text/xml'],
    { parseAs: 'string', bodyLimit: 16 * 1024 },
    (_req, body, done) => {
      try {
        done(null, parseXmlBody(body as string))
      } catch (e) {
        done(e as Error)
      }
    },
  )

  app.setErrorHandler((error: FastifyError, req, reply) => {
    if (error instanceof EceError) return sendXml(reply, error.status, errorXml(error.code, error.message))
    if (error instanceof XmlInputError) return sendXml(reply, 400, errorXml('400-101', error.message))
    if (isDomainError(error) && error.code === 'TENANT_NOT_FOUND')
      return sendXml(reply, 404, errorXml('404-101', error.message))
    if (error.validation) return sendXml(reply, 400, errorXml('400-101', error.message))
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return sendXml(reply, 413, errorXml('413-101', 'the request body is too large'))
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      return sendXml(reply, 415, errorXml('415-101', 'send the body as application/xml'))
    if (error.statusCode === 429)
      return sendXml(reply, 429, errorXml('429-101', 'too many requests; wait and retry'))
    req.log.error({ err: error }, 'ECE request failed')
    return sendXml(reply, 500, errorXml('500-100', 'internal error'))
  })

  /** The tenant's router (here or on its owner), or ECE's 500 while none runs it. */
  const tenantOf = (req: FastifyRequest): TenantHandle => {
    try {
      return sb.tenant(req.tenantId)
    } catch {
      throw new EceError(500, '500-102', 'the chat routing service is not running')
    }
  }

  /** The snapshot, or ECE's 500 when there is no such entry point or no router. */
  const statusOf = (req: FastifyRequest, id: string): EntryPointStatus => {
    const s = sb.entryPointStatus(req.tenantId, id)
    if (!s) throw new EceError(500, '500-102', 'the chat routing service is not running')
    if (s.reason === 'invalid_entry_point')
      throw new EceError(500, '500-101', `entry point ${id} does not exist`)
    return s
  }

  for (const call of Object.keys(STATUS_VIEWS) as StatusCall[]) {
    app.get<{ Params: { id: string } }>(
      `/${call}/:id`,
      { config: { access: 'public' }, schema: { tags: ['ECE'], summary: `ECE ${call}`, params: ID } },
      (req, reply) => {
        // chatAllowed answers every case with a reason; the other calls fail as ECE does, with 500.
        if (call === 'chatAllowed') {
          const s = sb.entryPointStatus(req.tenantId, req.params.id)
          if (!s) return sendXml(reply, 200, chatAllowedXml('service_not_running'))
          return sendXml(reply, 200, STATUS_VIEWS.chatAllowed(s))
        }
        return sendXml(reply, 200, STATUS_VIEWS[call](statusOf(req, req.params.id)))
      },
    )
  }

  app.get<{ Params: { id: string } }>(
    '/initialize/:id',
    {
      config: { access: 'public' },
      schema: {
        tags: ['ECE'],
        summary: 'ECE initialize: eligibility and widget settings (JSON)',
        params: ID,
      },
    },
    (req, reply) => {
      const s = statusOf(req, req.params.id)
      const ep = sb.storedConfig(req.tenantId).config.entryPoints.find((e) => e.id === req.params.id)
      if (!ep) throw new EceError(500, '500-101', `entry point ${req.params.id} does not exist`)
      return reply.send(initializeJson(s, ep.chat))
    },
  )

  app.get<{ Params: { id: string } }>(
    '/sessionStatus/:id',
    {
      config: { access: 'public' },
      schema: { tags: ['ECE'], summary: "ECE sessionStatus: one chat's place in line and wait", params: ID },
    },
    async (req, reply) => {
      const tenant = tenantOf(req)
      const [contact, wait] = await Promise.all([
        tenant.ask({ type: 'contact', contactId: req.params.id }),
        tenant.ask({ type: 'contactWait', contactId: req.params.id }),
      ])
      const live = { contact, wait }
      if (!live.contact && !(await sb.queries.contact(req.tenantId, req.params.id))) {
        throw new EceError(400, '400-116', `no chat session ${req.params.id}`)
      }
      return sendXml(
        reply,
        200,
        sessionStatusXml(live.wait ? live.wait.estimatedWaitMs : 0, live.wait?.position ?? 0),
      )
    },
  )

  app.post<{ Body: Record<string, unknown> | string }>(
    '/transcript',
    {
      config: { access: 'public' },
      schema: { tags: ['ECE'], summary: 'ECE transcript of an open chat session ({"sid"} or <sid>)' },
    },
    async (req, reply) => {
      const body = req.body
      const raw =
        typeof body === 'object' && body !== null
          ? (body.sid ?? (body.transcript as Record<string, unknown> | undefined)?.['@sid'])
          : undefined
      const sid = typeof raw === 'string' || typeof raw === 'number' ? decodeEntities(String(raw)) : ''
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(sid))
        throw new EceError(400, '400-101', 'send the session id as {"sid": "…"} or <sid>…</sid>')
      const contact = await sb.queries.contact(req.tenantId, sid)
      if (!contact) throw new EceError(400, '400-116', `no chat session ${sid}`)
      if (contact.closedAt !== null || contact.endedAt !== null)
        throw new EceError(400, '400-115', `chat session ${sid} is closed`)
      return sendXml(reply, 200, transcriptXml(sid, await sb.queries.messages(req.tenantId, sid)))
    },
  )

  app.post<{ Body: Record<string, unknown> }>(
    '/survey',
    {
      config: { access: 'public', rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        tags: ['ECE'],
        summary: 'ECE survey: <egainSurvey sid><survey><question/><answer/></survey>…</egainSurvey> → 204',
      },
    },
    async (req, reply) => {
      // 000 defines the survey as an XML document; JSON, which other calls take, is not one.
      if (!/^(application|text)\/xml\b/.test(req.headers['content-type'] ?? ''))
        throw new EceError(415, '415-101', 'send the survey as application/xml')
      const survey = readSurvey(req.body)
      const contact = await sb.queries.contact(req.tenantId, survey.sid)
      if (!contact) throw new EceError(400, '400-116', `no chat session ${survey.sid}`)
      // Only the customer of an ended chat rates it: a survey sent while it runs would pre-empt theirs.
      if (!conversationOver(contact.state))
        throw new EceError(
          409,
          '409-102',
          `chat session ${survey.sid} has not ended; send the survey once the chat is over`,
        )
      const stored = await deps.surveys.submit(req.tenantId, {
        contactId: survey.sid,
        answers: survey.answers,
        source: 'ece',
        submittedAt: deps.now(),
      })
      if (!stored) throw new EceError(409, '409-101', `chat session ${survey.sid} already has a survey`)
      return reply.status(204).send()
    },
  )
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return decodeEntities(v)
  if (typeof v === 'number') return String(v)
  return undefined
}

function readSurvey(body: unknown): { sid: string; answers: SurveyAnswer[] } {
  const root = (body as Record<string, unknown> | undefined)?.egainSurvey as
    Record<string, unknown> | undefined
  if (!root || typeof root !== 'object')
    throw new EceError(400, '400-101', 'the body must be an <egainSurvey sid="…"> document')
  const sid = text(root['@sid']) ?? ''
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(sid))
    throw new EceError(400, '400-101', 'egainSurvey needs a valid sid attribute')
  const items = (root.survey as unknown[] | undefined) ?? []
  if (items.length === 0 || items.length > MAX_SURVEY_ITEMS) {
    throw new EceError(
      400,
      '400-101',
      `a survey carries 1 to ${MAX_SURVEY_ITEMS} <survey> question/answer pairs`,
    )
  }
  const answers = items.map((item, i) => {
    const o = (item ?? {}) as Record<string, unknown>
    const question = text(o.question)
    const answer = text(o.answer) ?? ''
    if (!question || question.length > MAX_TEXT || answer.length > MAX_TEXT) {
      throw new EceError(
        400,
        '400-101',
        `survey ${i + 1}: question (required) and answer must be text up to ${MAX_TEXT} characters`,
      )
    }
    return { question, answer }
  })
  return { sid, answers }
}
