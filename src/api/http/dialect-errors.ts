import type { FastifyReply } from 'fastify'
import type { ErrorCode } from '../../core/errors.js'
import { aiccFailure } from '../aicc/errors.js'
import { ECE_PREFIX } from '../ece/routes.js'
import { eceFailureXml } from '../ece/views.js'
import { PBX_PREFIX } from '../pbx/routes.js'
import { STATUS, errorBody } from './errors.js'

export type Dialect = 'native' | 'ece' | 'aicc' | 'pbx'

/** Which dialect a URL speaks, by its prefix: its failures answer in that dialect's form. */
export function dialectOf(url: string): Dialect {
  if (url.startsWith(ECE_PREFIX)) return 'ece'
  if (url.startsWith('/apiaccess/') || url.startsWith('/apigovernance/')) return 'aicc'
  if (url.startsWith(PBX_PREFIX)) return 'pbx'
  return 'native'
}

/**
 * The failures that come before any route (no such route, a wrong method, a URL too long, a
 * body without a length): one table of each dialect's form, so none answers in Fastify's own.
 */
export function sendInDialect(
  reply: FastifyReply,
  url: string,
  code: ErrorCode,
  message: string,
): FastifyReply {
  const status = STATUS[code]
  reply.status(status)
  switch (dialectOf(url)) {
    case 'ece':
      return reply.type('application/xml; charset=utf-8').send(eceFailureXml(status, message))
    case 'aicc':
      return reply.send(aiccFailure(status, message))
    case 'pbx':
      return reply.send({ status: 'error', message })
    case 'native':
      return reply.send(errorBody(code, message))
  }
}
