import { createHash } from 'node:crypto'
import stringify from 'safe-stable-stringify'
import { toDocument } from './compile.js'
import type { TenantDoc } from './document.js'
import type { TenantConfig } from '../core/tenant-config.js'

/**
 * JSON with every object's keys sorted: the same value gives the same text whatever order its
 * keys came in (PostgreSQL's jsonb hands them back in an order of its own).
 */
export function canonicalJson(value: unknown): string {
  return stringify(value) ?? 'null'
}

/** A tenant document as written in a configuration file, hashed canonically. */
export function fileHash(doc: TenantDoc): string {
  return createHash('sha256').update(canonicalJson(doc)).digest('hex')
}

export function sameConfig(a: TenantConfig, b: TenantConfig): boolean {
  return canonicalJson(a) === canonicalJson(b)
}

// Collections of the tenant document whose items are named by a key of their own.
const KEYS: Partial<Record<keyof TenantDoc, string>> = {
  calendars: 'id',
  agents: 'id',
  users: 'username',
  skillGroups: 'id',
  queues: 'id',
  entryPoints: 'id',
  cannedResponses: 'id',
  webhooks: 'id',
  wrapUpCodes: 'code',
}

/**
 * The objects that differ between two configurations, named as an administrator knows them:
 * `queues/support`, `webhooks/crm`, `pbx`, `aicc`. An item added or removed differs too.
 */
export function changedObjects(before: TenantConfig, after: TenantConfig): string[] {
  const a = toDocument(before) as unknown as Record<string, unknown>
  const b = toDocument(after) as unknown as Record<string, unknown>
  const changed: string[] = []
  for (const field of new Set([...Object.keys(a), ...Object.keys(b)]).values()) {
    const key = KEYS[field as keyof TenantDoc]
    if (key === undefined) {
      if (canonicalJson(a[field]) !== canonicalJson(b[field])) changed.push(field)
      continue
    }
    const items = (doc: Record<string, unknown>) =>
      new Map(
        ((doc[field] ?? []) as Record<string, unknown>[]).map((x) => [String(x[key]), canonicalJson(x)]),
      )
    const was = items(a)
    const is = items(b)
    for (const name of new Set([...was.keys(), ...is.keys()]))
      if (was.get(name) !== is.get(name)) changed.push(`${field}/${name}`)
  }
  return changed.sort()
}
