import type { FastifyInstance } from 'fastify'
import type { Switchboard } from '../../app/switchboard.js'
import { toDocument } from '../../config/compile.js'
import type { ObjectKind, TenantDoc } from '../../config/document.js'
import { OBJECT_KINDS } from '../../config/document.js'
import { parseTenantDoc } from '../../config/parse.js'
import { DomainError } from '../../core/errors.js'
import { errorSchema } from './schemas.js'

const ADMIN = { access: ['admin'] as const }
const COLLECTION: Record<ObjectKind, keyof TenantDoc> = {
  agents: 'agents',
  users: 'users',
  'skill-groups': 'skillGroups',
  queues: 'queues',
  'entry-points': 'entryPoints',
  calendars: 'calendars',
  'canned-responses': 'cannedResponses',
  webhooks: 'webhooks',
}

type Item = { id?: string; username?: string }
const keyOf = (kind: ObjectKind, item: Item): string | undefined =>
  kind === 'users' ? item.username : item.id

/** The same objects as the configuration file, with the same validation, one at a time or whole. */
export function adminRoutes(app: FastifyInstance, sb: Switchboard): void {
  const current = (tenantId: string) => {
    const s = sb.storedConfig(tenantId)
    return { version: s.version, doc: toDocument(s.config) }
  }
  const apply = async (tenantId: string, raw: Record<string, unknown>, version: number) => {
    const doc = parseTenantDoc({ ...raw, id: tenantId })
    const s = await sb.applyDocument(doc, version)
    return { version: s.version, tenant: toDocument(s.config) }
  }

  app.get(
    '/api/v1/admin/config',
    { config: ADMIN, schema: { tags: ['admin'], summary: "The tenant's whole configuration" } },
    async (req) => {
      const { version, doc } = current(req.tenantId)
      return { version, tenant: doc }
    },
  )

  app.put<{ Body: { version: number; tenant: Record<string, unknown> } }>(
    '/api/v1/admin/config',
    {
      config: ADMIN,
      schema: {
        tags: ['admin'],
        summary: 'Replace the whole configuration (optimistic: send the version you read)',
        body: {
          type: 'object',
          properties: { version: { type: 'integer', minimum: 0 }, tenant: { type: 'object' } },
          required: ['version', 'tenant'],
          additionalProperties: false,
        },
        response: { 409: errorSchema, 422: errorSchema },
      },
    },
    async (req) => apply(req.tenantId, req.body.tenant, req.body.version),
  )

  for (const kind of Object.keys(OBJECT_KINDS) as ObjectKind[]) {
    const field = COLLECTION[kind]
    const list = (doc: TenantDoc): Item[] => doc[field] as Item[]
    const params = {
      type: 'object',
      properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
      required: ['id'],
    } as const

    app.get(
      `/api/v1/admin/${kind}`,
      { config: ADMIN, schema: { tags: ['admin'], summary: `List ${kind}` } },
      async (req) => {
        const { version, doc } = current(req.tenantId)
        return { version, items: list(doc) }
      },
    )

    app.get<{ Params: { id: string } }>(
      `/api/v1/admin/${kind}/:id`,
      {
        config: ADMIN,
        schema: { tags: ['admin'], summary: `One of ${kind}`, params, response: { 404: errorSchema } },
      },
      async (req) => {
        const item = list(current(req.tenantId).doc).find((x) => keyOf(kind, x) === req.params.id)
        if (!item) throw new DomainError('NOT_FOUND', `no ${kind} "${req.params.id}"`)
        return item
      },
    )

    app.put<{ Params: { id: string }; Body: Record<string, unknown> }>(
      `/api/v1/admin/${kind}/:id`,
      {
        config: ADMIN,
        schema: {
          tags: ['admin'],
          summary: `Create or replace one of ${kind}`,
          params,
          body: { type: 'object' },
          response: { 422: errorSchema },
        },
      },
      async (req) => {
        const { version, doc } = current(req.tenantId)
        const item = { ...req.body, [kind === 'users' ? 'username' : 'id']: req.params.id }
        const items = list(doc).filter((x) => keyOf(kind, x) !== req.params.id)
        const next = await apply(req.tenantId, { ...doc, [field]: [...items, item] }, version)
        return {
          version: next.version,
          item: list(next.tenant).find((x) => keyOf(kind, x) === req.params.id),
        }
      },
    )

    app.delete<{ Params: { id: string } }>(
      `/api/v1/admin/${kind}/:id`,
      {
        config: ADMIN,
        schema: {
          tags: ['admin'],
          summary: `Delete one of ${kind}`,
          params,
          response: { 404: errorSchema, 422: errorSchema },
        },
      },
      async (req) => {
        const { version, doc } = current(req.tenantId)
        const items = list(doc)
        if (!items.some((x) => keyOf(kind, x) === req.params.id))
          throw new DomainError('NOT_FOUND', `no ${kind} "${req.params.id}"`)
        const next = await apply(
          req.tenantId,
          { ...doc, [field]: items.filter((x) => keyOf(kind, x) !== req.params.id) },
          version,
        )
        return { version: next.version }
      },
    )
  }
}
