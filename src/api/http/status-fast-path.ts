import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Switchboard } from '../../app/switchboard.js'
import type { EntryPointStatus } from '../../core/availability.js'
import { STATUS_VIEWS } from '../ece/views.js'
import type { StatusCall } from '../ece/views.js'
import { statusView } from '../native-v1/views.js'

interface Rendering {
  readonly key: string
  /** Header names and values, flat: writeHead takes them without building an object. */
  readonly headers: readonly string[]
  readonly render: (s: EntryPointStatus) => string
}

// Websites on any origin read the status (the same CORS answer as the routes': see cors.ts).
const ANY_ORIGIN = ['access-control-allow-origin', '*']

interface Prepared {
  readonly body: Buffer
  readonly headers: string[]
}

const NATIVE: Rendering = {
  key: 'native',
  headers: [
    'cache-control',
    'public, max-age=1',
    'content-type',
    'application/json; charset=utf-8',
    ...ANY_ORIGIN,
  ],
  render: (s) => JSON.stringify(statusView(s)),
}

const ECE: Readonly<Record<string, Rendering>> = Object.fromEntries(
  (Object.keys(STATUS_VIEWS) as StatusCall[]).map((call) => [
    call,
    {
      key: call,
      headers: ['content-type', 'application/xml; charset=utf-8', ...ANY_ORIGIN],
      render: STATUS_VIEWS[call],
    },
  ]),
)

const NATIVE_URL = /^\/api\/v1\/entry-points\/([A-Za-z0-9._-]{1,64})\/status(?:\?.*)?$/
const ECE_URL =
  /^\/system\/egain\/chat\/entrypoint\/(agentAvailability|capacity|liveSessionStatus|checkEligibility|chatAllowed)\/([A-Za-z0-9._-]{1,64})(?:\?.*)?$/

function match(url: string): { rendering: Rendering; entryPointId: string } | undefined {
  const n = NATIVE_URL.exec(url)
  if (n) return { rendering: NATIVE, entryPointId: n[1] as string }
  const e = ECE_URL.exec(url)
  const rendering = e ? ECE[e[1] as string] : undefined
  return e && rendering ? { rendering, entryPointId: e[2] as string } : undefined
}

/**
 * Websites poll the entry-point status hard (native JSON and ECE's five XML calls), and
 * Fastify's per-request machinery costs a third of raw node:http here. The plain case (GET, no
 * credential, a known running tenant and entry point) is answered straight from the in-memory
 * snapshot, each body serialized once per change by the same mappers the routes use; every
 * other case falls through to the Fastify routes, which give the same answers and all the error
 * forms.
 */
export function statusFastPath(
  sb: Switchboard,
  onServed: () => void,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const prepared = new WeakMap<EntryPointStatus, Map<string, Prepared>>()
  return (req, res) => {
    if (req.method !== 'GET' || req.headers.authorization !== undefined) return false
    const m = match(req.url ?? '')
    if (!m) return false
    const named = req.headers['x-tenant']
    const tenantId = typeof named === 'string' ? named : sb.defaultTenantId()
    const status = tenantId === undefined ? undefined : sb.entryPointStatus(tenantId, m.entryPointId)
    if (!status || status.reason === 'invalid_entry_point') return false
    let cache = prepared.get(status)
    if (!cache) prepared.set(status, (cache = new Map<string, Prepared>()))
    let p = cache.get(m.rendering.key)
    if (!p) {
      const body = Buffer.from(m.rendering.render(status))
      p = { body, headers: [...m.rendering.headers, 'content-length', String(body.length)] }
      cache.set(m.rendering.key, p)
    }
    res.writeHead(200, p.headers)
    res.end(p.body)
    onServed()
    return true
  }
}
