import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { isDomainError } from '../../core/errors.js'
import { STATUS } from '../http/errors.js'

/** 004's answer form: `{status: "success" | "error", message, data?}`. */
export class PbxError extends Error {
  constructor(
    readonly httpStatus: number,
    message: string,
  ) {
    super(message)
  }
}

export const success = (message: string, data?: unknown) =>
  data === undefined ? { status: 'success', message } : { status: 'success', message, data }

export function sendPbxError(error: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const send = (status: number, message: string) => reply.status(status).send({ status: 'error', message })
  if (error instanceof PbxError) return send(error.httpStatus, error.message)
  if (isDomainError(error)) return send(STATUS[error.code], error.message)
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(413, 'the request body is too large')
  if (error.statusCode !== undefined && error.statusCode < 500) return send(error.statusCode, error.message)
  req.log.error({ err: error }, 'PBX API request failed')
  return send(500, 'internal error')
}
