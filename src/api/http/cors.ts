import cors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'

/**
 * What a customer's website calls from its own pages, on its own origin: the widget's calls,
 * the ECE entry-point API and AICC's web-client access. These use no cookies (a customer token rides in Authorization), so
 * any origin may call them. The agent and admin APIs are served to our own pages only.
 */
export const CROSS_ORIGIN_PREFIXES = [
  '/api/v1/entry-points/',
  '/api/v1/chats/',
  '/system/egain/',
  '/apiaccess/ccmessaging/',
  '/apigovernance/api/oauth/',
] as const

export function crossOrigin(url: string): boolean {
  return CROSS_ORIGIN_PREFIXES.some((p) => url.startsWith(p))
}

export async function registerCors(app: FastifyInstance): Promise<void> {
  await app.register(cors, {
    delegator: (req, done) =>
      done(null, {
        origin: crossOrigin(req.url ?? '') ? '*' : false,
        methods: ['GET', 'POST'],
        allowedHeaders: [
          'authorization',
          'content-type',
          'x-tenant',
          'x-app-key',
          'ccmessaging-token',
          'x-token-expire',
        ],
        // AICC clients read their renewed token from this header.
        exposedHeaders: ['retry-after', 'ccmessaging-token'],
        maxAge: 600,
      }),
  })
}
