import { randomUUID } from 'node:crypto'
import { standIn } from './stand-in.js'

// Document 003's payloads as schemas: every member required, with its type.
type Shape = 'string' | 'number' | 'boolean' | 'iso' | readonly [Shape] | { readonly [k: string]: Shape }

// Members the queue and agent-queue reports share.
const QUEUE_AND_PARTY = {
  queueValue: 'string',
  queueName: 'string',
  isOutbound: 'boolean',
  rightPartyHandleTime: 'number',
  rightPartyContacts: 'number',
  wrongPartyHandleTime: 'number',
  wrongPartyContacts: 'number',
  holdTime: 'number',
  active: 'number',
} as const
const QUEUE_REPORT: Shape = {
  ...QUEUE_AND_PARTY,
  contactsReceived: 'number',
  abandonedShort: 'number',
  abandonedLong: 'number',
  handledShort: 'number',
  handledLong: 'number',
  handleTime: 'number',
  workTime: 'number',
  queueDelayTime: 'number',
  svcLvlPct: 'number',
  backlog: 'number',
  backlogNotExpired: 'number',
  backlogExpired: 'number',
}
const AGENT_QUEUE_REPORT: Shape = {
  ...QUEUE_AND_PARTY,
  agentValue: 'string',
  agentId: 'string',
  handled: 'number',
  handledTime: 'number',
  workTime: 'number',
}
export const SCHEMAS = {
  token: {
    tenantName: 'string',
    accessKeyTokenRequest: { accessKeyId: 'string', accessKeySecret: 'string' },
  },
  refresh: { token: 'string', updateCookie: 'boolean', toggleEnabled: 'boolean' },
  intraday: {
    acdType: 'string',
    reportVersion: 'string',
    startDate: 'iso',
    endDate: 'iso',
    status: 'string',
    statusReason: 'string',
    reportData: {
      queueReport: [QUEUE_REPORT],
      agentQueueReport: [AGENT_QUEUE_REPORT],
      agentSystemPerformanceReport: [
        {
          agentValue: 'string',
          agentId: 'string',
          readyTime: 'number',
          notReadyTime: 'number',
          loginTime: 'number',
        },
      ],
    },
  },
  activity: {
    acdType: 'string',
    reportVersion: 'string',
    startDate: 'iso',
    endDate: 'iso',
    reportData: [
      {
        agentValue: 'string',
        agentId: 'string',
        userName: 'string',
        agentActivity: [{ state: 'string', startTime: 'iso', duration: 'number', reason: 'string' }],
      },
    ],
  },
  states: {
    agentStateList: [
      { loginId: 'string', acdId: 'string', eventCode: 'string', reasonCode: 'string', eventUtcTime: 'iso' },
    ],
  },
} as const satisfies Record<string, Shape>

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** Every problem of `v` against `shape`: missing or extra members, wrong types. */
export function check(v: unknown, shape: Shape, at = '$'): string[] {
  if (shape === 'iso')
    return typeof v === 'string' && ISO.test(v) ? [] : [`${at}: not an ISO UTC time: ${String(v)}`]
  if (typeof shape === 'string')
    return typeof v === shape && !(typeof v === 'number' && !Number.isFinite(v))
      ? []
      : [`${at}: not a ${shape}`]
  if (Array.isArray(shape)) {
    if (!Array.isArray(v)) return [`${at}: not an array`]
    return v.flatMap((x, i) => check(x, shape[0] as Shape, `${at}[${i}]`))
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return [`${at}: not an object`]
  const obj = v as Record<string, unknown>
  const fields = shape as Record<string, Shape>
  return [
    ...Object.keys(fields).flatMap((k) =>
      k in obj ? check(obj[k], fields[k] as Shape, `${at}.${k}`) : [`${at}.${k}: missing`],
    ),
    ...Object.keys(obj)
      .filter((k) => !(k in fields))
      .map((k) => `${at}.${k}: not in 003`),
  ]
}

export interface CxoneCredentials {
  readonly tenantName: string
  readonly accessKeyId: string
  readonly accessKeySecret: string
}

/**
 * CXone's ASC Manager as far as a third-party ACD sees it: the token and refresh flow of 003
 * (tokens expire on the given clock), and the pushes, each checked against 003's schema.
 */
export async function cxoneStandIn(creds: CxoneCredentials, now: () => number) {
  const received = { states: [] as unknown[], intraday: [] as unknown[], activity: [] as unknown[] }
  const problems: string[] = []
  const calls = { token: 0, refresh: 0, heartbeat: 0, acdType: 0, refused: 0 }
  const access = new Map<string, number>() // token → expires at
  const refresh = new Map<string, number>()
  let down = false
  const issue = () => {
    const token = randomUUID()
    const refreshToken = randomUUID()
    access.set(token, now() + 3600_000)
    refresh.set(refreshToken, now() + 7200_000)
    return { token, refreshToken }
  }
  const server = await standIn((req, body, res) => {
    const json = (status: number, v?: unknown) =>
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(v === undefined ? '' : JSON.stringify(v))
    if (down) return json(503, { error: 'maintenance' })
    let parsed: unknown = undefined
    try {
      parsed = body ? (JSON.parse(body) as unknown) : undefined
    } catch {
      problems.push(`${req.url}: body is not JSON`)
      return json(400)
    }
    const path = req.url ?? ''
    if (path === '/authentication/v1/token/access-key' && req.method === 'POST') {
      calls.token++
      problems.push(...check(parsed, SCHEMAS.token, 'token'))
      const p = parsed as {
        tenantName: string
        accessKeyTokenRequest: { accessKeyId: string; accessKeySecret: string }
      }
      if (
        p.tenantName !== creds.tenantName ||
        p.accessKeyTokenRequest?.accessKeyId !== creds.accessKeyId ||
        p.accessKeyTokenRequest?.accessKeySecret !== creds.accessKeySecret
      )
        return json(401, { error: 'invalid access key' })
      const t = issue()
      return json(200, {
        id_token: randomUUID(),
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: t.refreshToken,
        access_token: t.token,
      })
    }
    if (path === '/public/user/refresh' && req.method === 'POST') {
      calls.refresh++
      problems.push(...check(parsed, SCHEMAS.refresh, 'refresh'))
      const old = (parsed as { token: string }).token
      if ((refresh.get(old) ?? 0) <= now()) return json(401, { error: 'refresh token expired' })
      refresh.delete(old)
      const t = issue()
      return json(200, {
        token: t.token,
        tokenExpirationTimeSec: 3600,
        refreshToken: t.refreshToken,
        refreshTokenExpirationTimeSec: 7200,
        sessionId: null,
      })
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? ''
    if ((access.get(bearer) ?? 0) <= now()) {
      calls.refused++
      return json(401, { error: 'token expired or unknown' })
    }
    const route: Record<string, [keyof typeof received, Shape]> = {
      'POST /wfm/third-party-acd/v1/agent-states': ['states', SCHEMAS.states],
      'POST /wfm/third-party-acd/v1/intraday-skill-history': ['intraday', SCHEMAS.intraday],
      'POST /wfm/third-party-acd/v1/agent-activity-report': ['activity', SCHEMAS.activity],
    }
    const hit = route[`${req.method} ${path}`]
    if (hit) {
      const issues = check(parsed, hit[1], hit[0])
      problems.push(...issues)
      if (issues.length > 0) return json(400, { errors: issues })
      received[hit[0]].push(parsed)
      return json(200)
    }
    if (req.method === 'GET' && path === '/wfm/third-party-acd/v1/connection-monitor') {
      calls.heartbeat++
      return json(200, { status: 'UP' })
    }
    if (req.method === 'GET' && path === '/wfm/third-party-acd/v1/acd-type') {
      calls.acdType++
      return json(200, { acdType: 'Generic_Switchboard' })
    }
    problems.push(`unexpected ${req.method} ${path}`)
    return json(404)
  })
  return {
    base: server.base,
    received,
    problems,
    calls,
    setDown: (v: boolean) => (down = v),
    close: () => server.close(),
  }
}
