/** Every failure the domain can report. API dialects map each code exhaustively to their own error form. */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'PAYLOAD_TOO_LARGE'
  | 'METHOD_NOT_ALLOWED'
  | 'LENGTH_REQUIRED'
  | 'URI_TOO_LONG'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_FOUND'
  | 'TENANT_NOT_FOUND'
  | 'AGENT_NOT_FOUND'
  | 'CHANNEL_NOT_CONFIGURED'
  | 'CONTACT_NOT_FOUND'
  | 'QUEUE_NOT_FOUND'
  | 'ENTRY_POINT_NOT_FOUND'
  | 'OFFER_NOT_FOUND'
  | 'OFFER_EXPIRED'
  | 'OFFER_NOT_PENDING'
  | 'ENTRY_POINT_INACTIVE'
  | 'LEAVE_MESSAGE_DISABLED'
  | 'SURVEY_ALREADY_SUBMITTED'
  | 'ATTACHMENTS_DISABLED'
  | 'ATTACHMENT_TYPE_NOT_ALLOWED'
  | 'ATTACHMENT_NOT_FOUND'
  | 'OUTSIDE_BUSINESS_HOURS'
  | 'NO_AGENT_AVAILABLE'
  | 'QUEUE_FULL'
  | 'AGENT_NOT_AVAILABLE'
  | 'CONTACT_STATE_CONFLICT'
  | 'NOT_ASSIGNED_AGENT'
  | 'SERVICE_NOT_RUNNING'
  | 'CONFIG_INVALID'
  | 'CONFLICT'
  | 'INTERNAL'

export class DomainError extends Error {
  override readonly name = 'DomainError'
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError
}
