import FindMyWay from 'find-my-way'
import type { HTTPMethod } from 'find-my-way'
import type { FastifyInstance } from 'fastify'

const METHODS: readonly HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

/**
 * Which methods a path has, for a 405 with `Allow` instead of Fastify's 404 for a wrong method.
 * Fastify's own router is not public: a second one (the same library) learns every route as it
 * is added. Call before any route is registered.
 */
export function methodTable(app: FastifyInstance): (path: string) => HTTPMethod[] {
  const router = FindMyWay({ maxParamLength: 100 })
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat() as HTTPMethod[]) {
      if (!METHODS.includes(method)) continue
      // The same path twice (a HEAD Fastify adds, constraints): the first is enough.
      if (router.find(method, route.url) === null) router.on(method, route.url, () => undefined)
    }
  })
  return (path) => METHODS.filter((m) => router.find(m, path.split('?')[0] ?? path) !== null)
}
