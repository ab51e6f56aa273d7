import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Switchboard } from '../../app/switchboard.js'
import type { EntryPointStatus } from '../../core/availability.js'
import { statusView } from '../native-v1/views.js'

const STATUS_URL = /^\/api\/v1\/entry-points\/([A-Za-z0-9._-]{1,64})\/status(?:\?.*)?$/

/**
 * Websites poll the entry-point status hard, and Fastify's per-request machinery costs a third of
 * raw node:http here. The plain case (GET, no credential, a known tenant and entry point) is
 * answered straight from the in-memory snapshot, serialized once per change; every other case
 * falls through to the Fastify route, which gives the same answers and all the error forms.
 */
export function statusFastPath(
  sb: Switchboard,
  onServed: () => void,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const bodies = new WeakMap<EntryPointStatus, Buffer>()
  return (req, res) => {
    if (req.method !== 'GET' || req.headers.authorization !== undefined) return false
    const m = STATUS_URL.exec(req.url ?? '')
    if (!m) return false
    const named = req.headers['x-tenant']
    const tenantId = typeof named === 'string' ? named : sb.defaultTenantId()
    if (tenantId === undefined || !sb.isRunning(tenantId)) return false
    let status: EntryPointStatus
    try {
      status = sb.runtime(tenantId).entryPointStatus(m[1] as string)
    } catch {
      return false
    }
    if (status.reason === 'invalid_entry_point') return false
    let body = bodies.get(status)
    if (!body) {
      body = Buffer.from(JSON.stringify(statusView(status)))
      bodies.set(status, body)
    }
    res.writeHead(200, {
      'cache-control': 'public, max-age=1',
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
    })
    res.end(body)
    onServed()
    return true
  }
}
