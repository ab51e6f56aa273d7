import { existsSync } from 'node:fs'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { errorBody } from './errors.js'

const OPEN = { access: 'open' as const }
const HIDDEN = { hide: true }

/**
 * The browser side, built by Vite into `dist/web`: the widget script, the agent desktop and the
 * demo website. They use only the public API, like any integrator's page would.
 */
export async function webRoutes(app: FastifyInstance, root: string): Promise<void> {
  const built = existsSync(root)
  if (built) await app.register(fastifyStatic, { root, serve: false, index: false })
  const send = (reply: FastifyReply, file: string, cache: string): FastifyReply =>
    built
      ? reply.header('cache-control', cache).sendFile(file)
      : reply
          .status(404)
          .send(
            errorBody('NOT_FOUND', 'the web pages are not built: run `npm run build` (npm start does it)'),
          )

  // Short cache: sites embed /widget.js by a fixed name, so a new release must reach them soon.
  app.get('/widget.js', { config: OPEN, schema: HIDDEN }, (_req, reply) =>
    send(reply, 'widget.js', 'public, max-age=300'),
  )
  // The widget's SIP client, loaded when a customer calls ("Call us").
  app.get('/widget-sip.js', { config: OPEN, schema: HIDDEN }, (_req, reply) =>
    send(reply, 'widget-sip.js', 'public, max-age=300'),
  )
  app.get('/agent', { config: OPEN, schema: HIDDEN }, (_req, reply) => reply.redirect('/agent/'))
  app.get('/agent/', { config: OPEN, schema: HIDDEN }, (_req, reply) =>
    send(reply, 'agent/index.html', 'no-cache'),
  )
  app.get('/supervisor', { config: OPEN, schema: HIDDEN }, (_req, reply) => reply.redirect('/supervisor/'))
  app.get('/supervisor/', { config: OPEN, schema: HIDDEN }, (_req, reply) =>
    send(reply, 'supervisor/index.html', 'no-cache'),
  )
  app.get('/demo', { config: OPEN, schema: HIDDEN }, (_req, reply) =>
    send(reply, 'demo/index.html', 'no-cache'),
  )
  // Document 002's click-to-call sample, run against this server.
  app.get('/demo/click-to-call', { config: OPEN, schema: HIDDEN }, (_req, reply) =>
    send(reply, 'demo/click-to-call.html', 'no-cache'),
  )
  app.get('/', { config: OPEN, schema: HIDDEN }, (_req, reply) => reply.redirect('/demo'))
  // Vite names assets by content hash: they never change, so they can be cached for good.
  app.get<{ Params: { '*': string } }>('/assets/*', { config: OPEN, schema: HIDDEN }, (req, reply) =>
    send(reply, `assets/${req.params['*']}`, 'public, max-age=31536000, immutable'),
  )
}
