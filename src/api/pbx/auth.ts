import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { Switchboard } from '../../app/switchboard.js'
import { localDate } from '../../core/local-time.js'
import type { PbxConfig } from '../../core/tenant-config.js'
import { PbxError } from './errors.js'

/** 004's key of the day: md5(WEBKEY + 'YYYY-MM-DD'), the date local to the tenant. */
export function dayKey(webKey: string, timeZone: string, now: number): string {
  return md5(webKey + localDate(timeZone, now))
}

/**
 * Today's key, and within `keyGraceSeconds` of midnight the neighbouring date's too: a client
 * whose clock is a little off, or that turned its date a moment earlier or later, still gets in.
 * Stored configurations from before these settings take the tenant's zone and 300 s.
 */
export function acceptedKeys(pbx: PbxConfig, tenantZone: string, now: number): string[] {
  const zone = pbx.keyTimeZone ?? tenantZone
  const grace = (pbx.keyGraceSeconds ?? 300) * 1000
  const dates = new Set([now - grace, now, now + grace].map((t) => localDate(zone, t)))
  return [...dates].map((d) => md5(pbx.webKey + d))
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex')

/**
 * The tenant a request acts for: the one whose key of the day it carries in `Authorization`
 * (X-Tenant narrows the search when several tenants use the API). A tenant with an empty
 * WEBKEY takes requests without one, as 004 allows; the server warns about it at start.
 */
export function pbxTenant(req: FastifyRequest, sb: Switchboard): { tenantId: string; pbx: PbxConfig } {
  const named = req.headers['x-tenant']
  const tenants = sb
    .tenantIds()
    .filter((id) => typeof named !== 'string' || id === named)
    .flatMap((id) => {
      const c = sb.storedConfig(id).config
      return c.pbx ? [{ tenantId: id, pbx: c.pbx, timeZone: c.timeZone }] : []
    })
  if (tenants.length === 0)
    throw new PbxError(404, 'the PBX API is not turned on: add `pbx` to the tenant configuration')
  const given = (req.headers.authorization ?? '').trim().toLowerCase()
  const now = sb.now()
  const keyed = tenants.filter(
    (t) => t.pbx.webKey !== '' && acceptedKeys(t.pbx, t.timeZone, now).some((k) => same(given, k)),
  )
  const open = tenants.filter((t) => t.pbx.webKey === '')
  const match = keyed.length > 0 ? keyed : open
  if (match.length === 1 && match[0]) return match[0]
  if (match.length > 1)
    throw new PbxError(401, 'several tenants could be meant: name one with the X-Tenant header')
  throw new PbxError(
    401,
    given === ''
      ? "send Authorization: md5(WEBKEY + today's date as YYYY-MM-DD)"
      : "Authorization is not md5(WEBKEY + today's date as YYYY-MM-DD); the date is the server's, in the tenant's time zone",
  )
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
