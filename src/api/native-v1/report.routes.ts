import type { FastifyInstance, FastifyReply } from 'fastify'
import type { SurveyStore } from '../../app/ports.js'
import type { ReportAccess, ReportRange } from '../../app/report-ports.js'
import type { Switchboard } from '../../app/switchboard.js'
import { DomainError } from '../../core/errors.js'
import { instantOf, isValidTimeZone } from '../../core/local-time.js'
import { toCsv } from '../http/csv.js'
import {
  activityView,
  agentIntervalView,
  agentQueueIntervalView,
  contactRecordView,
  queueIntervalView,
} from './report-views.js'
import { errorSchema, idParam } from './schemas.js'

const REPORTS = [
  'queue-intervals',
  'agent-queue-intervals',
  'agent-intervals',
  'contacts',
  'agent-activity',
] as const
type Report = (typeof REPORTS)[number]
const MAX_DAYS = 92
const DATE = '^\\d{4}-\\d{2}-\\d{2}$'

interface ExportQuery {
  from: string
  to?: string
  timeZone?: string
  format?: 'json' | 'csv'
  queueId?: string
  agentId?: string
}

/** Local calendar days [from, to] in a time zone, as instants. */
function dayRange(from: string, to: string, tz: string): ReportRange {
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number]
  const [ty, tm, td] = to.split('-').map(Number) as [number, number, number]
  const start = new Date(Date.UTC(fy, fm - 1, fd))
  const end = new Date(Date.UTC(ty, tm - 1, td + 1))
  if (Number.isNaN(start.getTime()) || start.getUTCDate() !== fd || end < start)
    throw new DomainError('VALIDATION_FAILED', 'from and to must be real dates, from not after to')
  if ((end.getTime() - start.getTime()) / 86_400_000 > MAX_DAYS)
    throw new DomainError('VALIDATION_FAILED', `at most ${MAX_DAYS} days per export: split the range`)
  return {
    from: instantOf(tz, fy, fm, fd, 0),
    to: instantOf(tz, end.getUTCFullYear(), end.getUTCMonth() + 1, end.getUTCDate(), 0),
  }
}

/** CSV has no nesting: lists become a count or a path, surveys "question=answer" pairs. */
function flatForCsv(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row }
  if (Array.isArray(row.transfers)) out.transfers = row.transfers.length
  if (Array.isArray(row.visits))
    out.visits = (row.visits as { queueId: string }[]).map((v) => v.queueId).join(' > ')
  if (row.survey && typeof row.survey === 'object') {
    const answers = (row.survey as { answers: { question: string; answer: string }[] }).answers
    out.survey = answers.map((a) => `${a.question}=${a.answer}`).join('; ')
  }
  return out
}

function send(reply: FastifyReply, report: Report, rows: Record<string, unknown>[], format: 'json' | 'csv') {
  if (format === 'json') return reply.send({ report, rows })
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${report}.csv"`)
    .send(toCsv(rows.map(flatForCsv)))
}

export function reportRoutes(
  app: FastifyInstance,
  sb: Switchboard,
  reports: ReportAccess,
  surveys: SurveyStore,
): void {
  app.get<{ Params: { report: Report }; Querystring: ExportQuery }>(
    '/api/v1/reports/:report',
    {
      config: { access: ['supervisor', 'admin'] },
      schema: {
        tags: ['reports'],
        summary:
          'Export a report over local days: 15-minute queue, agent-queue and agent intervals, contact records, agent activity',
        params: {
          type: 'object',
          properties: { report: { type: 'string', enum: [...REPORTS] } },
          required: ['report'],
        },
        querystring: {
          type: 'object',
          properties: {
            from: { type: 'string', pattern: DATE, description: 'first local day, YYYY-MM-DD' },
            to: { type: 'string', pattern: DATE, description: 'last local day (default: from)' },
            timeZone: { type: 'string', maxLength: 64, description: "IANA zone (default: the tenant's)" },
            format: { type: 'string', enum: ['json', 'csv'], description: 'default json, or csv' },
            queueId: { type: 'string', maxLength: 64 },
            agentId: { type: 'string', maxLength: 64 },
          },
          required: ['from'],
          additionalProperties: false,
        },
        response: { 400: errorSchema, 403: errorSchema },
      },
    },
    async (req, reply) => {
      const config = sb.storedConfig(req.tenantId).config
      const tz = req.query.timeZone ?? config.timeZone
      if (!isValidTimeZone(tz)) throw new DomainError('VALIDATION_FAILED', `unknown time zone ${tz}`)
      const range = dayRange(req.query.from, req.query.to ?? req.query.from, tz)
      const format = req.query.format ?? (req.headers.accept?.includes('text/csv') ? 'csv' : 'json')
      const { queueId, agentId } = req.query
      const keep = (r: { queueId?: string | null; agentId?: string | null }): boolean =>
        (queueId === undefined || r.queueId === queueId) && (agentId === undefined || r.agentId === agentId)
      await reports.catchUp(req.tenantId)
      const store = reports.store
      const t = req.tenantId
      const queueName = new Map(config.queues.map((q) => [q.id, q.name]))
      let rows: Record<string, unknown>[]
      switch (req.params.report) {
        case 'queue-intervals':
          rows = (await store.queueIntervals(t, range))
            .filter(keep)
            .map((q) => queueIntervalView(q, tz, queueName.get(q.queueId) ?? q.queueId))
          break
        case 'agent-queue-intervals':
          rows = (await store.agentQueueIntervals(t, range))
            .filter(keep)
            .map((r) => agentQueueIntervalView(r, tz))
          break
        case 'agent-intervals':
          rows = (await store.agentIntervals(t, range)).filter(keep).map((r) => agentIntervalView(r, tz))
          break
        case 'agent-activity':
          rows = (await store.activities(t, range)).filter(keep).map((a) => activityView(a, tz))
          break
        case 'contacts': {
          const records = (await store.contactRecords(t, range)).filter(keep)
          const bySurvey = new Map(
            (
              await surveys.list(
                t,
                records.map((c) => c.contactId),
              )
            ).map((s) => [s.contactId, s]),
          )
          rows = records.map((c) => contactRecordView(c, tz, bySurvey.get(c.contactId)))
          break
        }
      }
      return send(reply, req.params.report, rows, format)
    },
  )

  app.get<{ Params: { contactId: string } }>(
    '/api/v1/contacts/:contactId/record',
    {
      config: { access: ['supervisor', 'admin'] },
      schema: {
        tags: ['reports'],
        summary: "A contact's record: every timestamp, queue visit, agent, transfer, wrap-up code and survey",
        params: idParam('contactId'),
        response: { 404: errorSchema },
      },
    },
    async (req) => {
      await reports.catchUp(req.tenantId)
      const record = await reports.store.contactRecord(req.tenantId, req.params.contactId)
      if (!record) throw new DomainError('CONTACT_NOT_FOUND', `no contact ${req.params.contactId}`)
      const tz = sb.storedConfig(req.tenantId).config.timeZone
      return contactRecordView(record, tz, await surveys.get(req.tenantId, record.contactId))
    },
  )

  app.post(
    '/api/v1/reports/rebuild',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['reports'],
        summary: 'Forget the projections and fold the whole event log again (the result is the same)',
        response: {
          200: { type: 'object', properties: { events: { type: 'integer' } } },
          403: errorSchema,
        },
      },
    },
    async (req) => ({ events: await reports.rebuild(req.tenantId) }),
  )
}
