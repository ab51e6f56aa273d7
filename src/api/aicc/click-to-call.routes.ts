import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AICC, AiccError } from './errors.js'
import { OPEN } from './context.js'

/**
 * Click-to-call needs voice over WebRTC, which this server does not offer yet: it says so
 * (both flags false), and the calls that would place one are refused in AICC's form.
 */
export function clickToCallRoutes(
  app: FastifyInstance,
  activeSession: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
): void {
  app.get<{ Querystring: { channel?: string } }>(
    '/apiaccess/ccmessaging/v1/checkClickToCallSupport',
    { config: OPEN, schema: { tags: ['AICC'], summary: 'Click-to-call: not supported (false, false)' } },
    async (req, reply) => {
      await activeSession(req, reply)
      return { resultCode: AICC.ok, resultDesc: '', webRTCSupported: false, clickToCallSupported: false }
    },
  )
  for (const [method, path] of [
    ['POST', 'createClickToCall'],
    ['GET', 'getClickToCallEvents'],
    ['POST', 'dropClickToCall'],
  ] as const) {
    app.route({
      method,
      url: `/apiaccess/ccmessaging/v1/${path}`,
      config: OPEN,
      schema: { tags: ['AICC'], summary: `${path}: refused while click-to-call is not supported` },
      handler: async (req, reply) => {
        await activeSession(req, reply)
        throw new AiccError(200, AICC.badParameter, 'click-to-call is not supported on this channel')
      },
    })
  }
}
