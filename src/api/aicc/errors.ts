import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { ErrorCode } from '../../core/errors.js'
import { isDomainError } from '../../core/errors.js'

/** AICC's failure form: `{resultCode, resultDesc}`, the code a string as AICC sends it. */
export class AiccError extends Error {
  constructor(
    readonly status: number,
    readonly resultCode: string,
    message: string,
  ) {
    super(message)
  }
}

// AICC's documented codes (queryQueueInfo lists the richest set; other calls use 0 / 1 / 3 / 13).
export const AICC = {
  ok: '0',
  badParameter: '1',
  token: '3',
  unknown: '4',
  sessionEnded: '5',
  saveFailed: '13',
  noSession: '160004',
  withAgent: '160021',
  // Click-to-call's own refusals (002 names none): video asked for, not on this channel, one at a time.
  noVideo: '160031',
  noClickToCall: '160032',
  callInProgress: '160033',
} as const

/** AICC's success: resultCode "0" and whatever the call answers. */
export const ok = (extra: Record<string, unknown> = {}) => ({ resultCode: AICC.ok, resultDesc: '', ...extra })

// What our core errors mean to an AICC client.
const FROM_DOMAIN: Partial<Record<ErrorCode, [number, string]>> = {
  VALIDATION_FAILED: [400, AICC.badParameter],
  CONTACT_NOT_FOUND: [200, AICC.noSession],
  CONTACT_STATE_CONFLICT: [200, AICC.sessionEnded],
  ENTRY_POINT_NOT_FOUND: [200, AICC.badParameter],
  ENTRY_POINT_INACTIVE: [200, AICC.unknown],
  OUTSIDE_BUSINESS_HOURS: [200, AICC.unknown],
  NO_AGENT_AVAILABLE: [200, AICC.unknown],
  QUEUE_FULL: [200, AICC.unknown],
  SERVICE_NOT_RUNNING: [503, AICC.unknown],
  PAYLOAD_TOO_LARGE: [413, AICC.badParameter],
  ATTACHMENT_TYPE_NOT_ALLOWED: [200, AICC.badParameter],
  ATTACHMENTS_DISABLED: [200, AICC.badParameter],
  SURVEY_ALREADY_SUBMITTED: [200, AICC.saveFailed],
  RATE_LIMITED: [429, AICC.unknown],
}

/** A failure of the transport (no such call, wrong method, URL too long…) in AICC's form. */
export function aiccFailure(status: number, message: string): { resultCode: string; resultDesc: string } {
  return { resultCode: status >= 500 ? AICC.unknown : AICC.badParameter, resultDesc: message }
}

export function sendAiccError(error: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const send = (status: number, resultCode: string, resultDesc: string) =>
    reply.status(status).send({ resultCode, resultDesc })
  if (error instanceof AiccError) return send(error.status, error.resultCode, error.message)
  if (isDomainError(error)) {
    const [status, code] = FROM_DOMAIN[error.code] ?? [500, AICC.unknown]
    return send(status, code, error.message)
  }
  if (error.validation) return send(400, AICC.badParameter, error.message)
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return send(413, AICC.badParameter, 'the request body is too large')
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return send(415, AICC.badParameter, 'send the body as application/json')
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.statusCode === 400)
    return send(400, AICC.badParameter, error.message)
  if (error.statusCode === 429) return send(429, AICC.unknown, 'too many requests; wait and retry')
  req.log.error({ err: error }, 'AICC request failed')
  return send(500, AICC.unknown, 'internal error')
}
