import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { ErrorCode } from '../../core/errors.js'
import { isDomainError } from '../../core/errors.js'

/** Every domain code has an HTTP status: adding a code fails compilation until it is mapped here. */
export const STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  PAYLOAD_TOO_LARGE: 413,
  METHOD_NOT_ALLOWED: 405,
  LENGTH_REQUIRED: 411,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_FOUND: 404,
  TENANT_NOT_FOUND: 404,
  AGENT_NOT_FOUND: 404,
  CHANNEL_NOT_CONFIGURED: 404,
  CONTACT_NOT_FOUND: 404,
  QUEUE_NOT_FOUND: 404,
  ENTRY_POINT_NOT_FOUND: 404,
  OFFER_NOT_FOUND: 404,
  OFFER_EXPIRED: 409,
  OFFER_NOT_PENDING: 409,
  ENTRY_POINT_INACTIVE: 409,
  LEAVE_MESSAGE_DISABLED: 409,
  SURVEY_ALREADY_SUBMITTED: 409,
  ATTACHMENTS_DISABLED: 409,
  ATTACHMENT_TYPE_NOT_ALLOWED: 415,
  ATTACHMENT_NOT_FOUND: 404,
  OUTSIDE_BUSINESS_HOURS: 409,
  NO_AGENT_AVAILABLE: 409,
  QUEUE_FULL: 409,
  AGENT_NOT_AVAILABLE: 409,
  CONTACT_STATE_CONFLICT: 409,
  NOT_ASSIGNED_AGENT: 403,
  SERVICE_NOT_RUNNING: 503,
  CONFIG_INVALID: 422,
  CONFLICT: 409,
  INTERNAL: 500,
}

export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly details?: readonly string[] }
}

export function errorBody(code: ErrorCode, message: string, details?: readonly string[]): ErrorBody {
  return { error: { code, message, ...(details ? { details } : {}) } }
}

/** Fastify's own failures (validation, body size, bad JSON) in the one error form. */
function classify(e: FastifyError): { code: ErrorCode; message: string } {
  if (e.validation) return { code: 'VALIDATION_FAILED', message: e.message }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'PAYLOAD_TOO_LARGE', message: 'the request body is too large' }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send the body as application/json' }
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { code: 'VALIDATION_FAILED', message: e.message }
    default:
      break
  }
  if (e.statusCode === 429) return { code: 'RATE_LIMITED', message: 'too many requests; wait and retry' }
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
    return { code: 'VALIDATION_FAILED', message: e.message }
  return { code: 'INTERNAL', message: 'internal error; the server log has the details' }
}

export function sendError(error: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isDomainError(error)) {
    const status = STATUS[error.code]
    if (status >= 500) req.log.error({ err: error }, 'request failed')
    return reply.status(status).send(errorBody(error.code, error.message, error.details))
  }
  const { code, message } = classify(error as FastifyError)
  if (code === 'INTERNAL') req.log.error({ err: error }, 'request failed')
  return reply.status(STATUS[code]).send(errorBody(code, message))
}
