import { agentState } from '../../core/commands.js'
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import type { Switchboard } from '../../app/switchboard.js'
import type {
  BlockedNumberStore,
  CallRecordingStore,
  ListenMode,
  PhoneStatus,
  Telephony,
} from '../../app/voice-ports.js'
import type { AgentStateKind } from '../../core/agent.js'
import { DomainError } from '../../core/errors.js'
import type { TenantConfig } from '../../core/tenant-config.js'
import { openRecording } from '../native-v1/recording.routes.js'
import { pbxTenant } from './auth.js'
import { PbxError, sendPbxError, success } from './errors.js'
import { ipCeiling } from '../http/ip-ceiling.js'
import { fieldsOf } from './form.js'
import { channelView, hintView, peerView, queueInfoView, queueMembers } from './views.js'

export const PBX_PREFIX = '/coocenter-api'
const PBX_IP_CEILING = 1200

export interface PbxDeps {
  readonly sb: Switchboard
  readonly blocked: BlockedNumberStore
  /** Undefined when the server runs without voice: the call commands say so. */
  readonly telephony?: Telephony
  readonly recordings?: CallRecordingStore
}

const OPEN = { access: 'open' } as const
const TAGS = { tags: ['PBX API (004)'] }

/**
 * The call-center HTTP API of document 004, under /coocenter-api: extension and queue state,
 * queue membership and pause, call control, the blacklist and recordings. Each request is
 * authenticated by 004's key of the day; answers are `{status, message, data}`.
 */
export async function pbxRoutes(app: FastifyInstance, deps: PbxDeps): Promise<void> {
  const { sb } = deps
  app.setErrorHandler((error: FastifyError, req, reply) => sendPbxError(error, req, reply))
  // A CRM calls from one or two servers: generous, against floods (and guessing the daily key).
  app.addHook(
    'onRequest',
    ipCeiling(
      PBX_IP_CEILING,
      () => sb.liveNodes(),
      () => sb.now(),
      (m) => new PbxError(429, m),
    ),
  )
  // Form bodies (sloppy ones included) and plain text are read as text; JSON stays JSON.
  app.addContentTypeParser(
    ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data'],
    { parseAs: 'string' },
    (_req, body, done) => done(null, body),
  )

  const tenantOf = (req: FastifyRequest) => {
    const t = pbxTenant(req, sb)
    return { ...t, config: sb.storedConfig(t.tenantId).config }
  }
  const fields = (req: FastifyRequest, names: readonly string[], required: readonly string[] = names) => {
    const f = fieldsOf(req.body, req.query, names)
    const missing = required.filter((n) => !f[n])
    if (missing.length > 0)
      throw new PbxError(
        400,
        `give ${missing.join(', ')} (as a form body: ${names.map((n) => `${n}=…`).join('&')})`,
      )
    return f
  }
  const telephony = () => {
    if (!deps.telephony)
      throw new PbxError(503, 'voice is not running on this server: start it with a SIP port')
    return deps.telephony
  }
  // Asked of the tenant's router, here or on its owner: 004's API answers from any node.
  const voiceStates = async (tenantId: string) => {
    const tenant = sb.tenant(tenantId)
    const [wrapUps, agents] = await Promise.all([
      tenant.ask({ type: 'contacts', channel: 'voice', state: 'wrap_up' }),
      tenant.ask({ type: 'agents' }),
    ])
    const afterCall = new Set(wrapUps.flatMap((c) => c.agentId ?? []))
    const states = new Map<string, { state: AgentStateKind; paused: boolean }>()
    for (const a of agents) {
      const s = a.channels.voice
      if (s)
        states.set(a.profile.id, {
          state: s.state,
          paused: s.state === 'not_ready' || s.notResponding || !s.reachable || afterCall.has(a.profile.id),
        })
    }
    return states
  }

  const both = (path: string, handler: (req: FastifyRequest) => unknown) => {
    app.route({
      method: ['GET', 'POST'],
      url: path,
      config: OPEN,
      schema: TAGS,
      handler: (req) => handler(req),
    })
  }

  both('/extensions/current-calls', async (req) => {
    const { tenantId } = tenantOf(req)
    const calls = (await deps.telephony?.channels(tenantId)) ?? []
    const now = sb.now()
    return success(
      'Channels will follow',
      calls.map((c) => channelView(c, now)),
    )
  })

  both('/extensions/extension-status', async (req) => {
    const { tenantId } = tenantOf(req)
    return success('Peer status list will follow', (await phones(tenantId)).map(peerView))
  })

  // 004 answers this one with the bare list.
  both('/extensions/extension-hints-status', async (req) => {
    const { tenantId, config } = tenantOf(req)
    const names = new Map(config.agents.map((a) => [a.id, a.name]))
    return (await phones(tenantId)).map((p) => hintView(p, names.get(p.agentId) ?? p.extension))
  })

  const phones = async (tenantId: string): Promise<PhoneStatus[]> =>
    (await deps.telephony?.phones(tenantId)) ??
    (sb.storedConfig(tenantId).config.voice?.extensions ?? []).map((x) => ({
      extension: x.number,
      agentId: x.agentId,
      address: null,
      latencyMs: undefined,
      hint: 4 as const,
    }))

  both('/queues/queue-info', async (req) => {
    const { tenantId, config } = tenantOf(req)
    const states = await voiceStates(tenantId)
    return success(
      'Queue status will follow',
      queueInfoView(config, (id) => states.get(id)),
    )
  })

  app.post('/queues/agent-pause', { config: OPEN, schema: TAGS }, async (req) => {
    const { tenantId, config } = tenantOf(req)
    const f = fields(req, ['queue', 'member', 'state', 'reason'], ['member', 'state'])
    const agentId = memberAgent(config, f.member ?? '')
    if (f.queue) servedQueue(config, agentId, f.queue)
    const on = onOff(f.state ?? '')
    await sb
      .tenant(tenantId)
      .run({
        type: 'pauseAgent',
        agentId,
        channel: 'voice',
        paused: on,
        reason: on ? f.reason || 'Paused' : null,
        by: 'pbx-api',
      })
      .catch((e: unknown) => {
        if (e instanceof DomainError && e.code === 'AGENT_NOT_AVAILABLE')
          throw new DomainError(
            'AGENT_NOT_AVAILABLE',
            `${f.member} is not logged in to the queues: agent-login first`,
          )
        throw e
      })
    return success(on ? 'pause extension success' : 'unpause extension success')
  })

  const membership = (login: boolean) => async (req: FastifyRequest) => {
    const { tenantId, config } = tenantOf(req)
    const f = fields(req, ['extension', 'queue'], ['extension'])
    const agentId = memberAgent(config, f.extension ?? '')
    if (f.queue) servedQueue(config, agentId, f.queue)
    // Signing in again leaves a paused agent paused, as Asterisk's QueueAdd does.
    await sb
      .tenant(tenantId)
      .run(
        login
          ? { type: 'signIn', agentId, channel: 'voice', by: 'pbx-api' }
          : agentState(agentId, 'voice', 'logged_out', 'pbx-api'),
      )
    return success(login ? 'login extension success' : 'logout extension success')
  }
  app.post('/queues/agent-login', { config: OPEN, schema: TAGS }, membership(true))
  app.post('/queues/agent-logout', { config: OPEN, schema: TAGS }, membership(false))

  app.post('/extensions/hangup', { config: OPEN, schema: TAGS }, async (req) => {
    const { tenantId } = tenantOf(req)
    const f = fields(req, ['extension'])
    await telephony().hangUp(tenantId, f.extension ?? '')
    return success('hangup extension success')
  })

  app.post('/extensions/transfer', { config: OPEN, schema: TAGS }, async (req) => {
    const { tenantId } = tenantOf(req)
    const f = fields(req, ['dst', 'src'])
    notItself(f.src, f.dst, 'transfer to')
    await telephony().transfer(tenantId, f.src ?? '', f.dst ?? '')
    // 004's wording, typo and all: a client may compare it.
    return success('tansfer extension success')
  })

  // 004: the system calls `src` first, then `dst` once `src` answers.
  app.post('/extensions/click-number', { config: OPEN, schema: TAGS }, async (req) => {
    const { tenantId } = tenantOf(req)
    const f = fields(req, ['src', 'dst'])
    const dst = dialable(f.dst ?? '')
    notItself(f.src, dst, 'call')
    const { callId } = await telephony().place(tenantId, f.src ?? '', dst)
    return success('click number success', { uniqueid: callId })
  })

  // 004: `dst` is the extension listened to, `src` the one listening.
  app.post('/extensions/extenSpy', { config: OPEN, schema: TAGS }, async (req) => {
    const { tenantId } = tenantOf(req)
    const f = fields(req, ['dst', 'src', 'mode', 'options'], ['dst', 'src'])
    const mode = listenMode(f.mode, f.options)
    notItself(f.src, f.dst, 'listen to')
    await telephony().listenIn(tenantId, f.src ?? '', f.dst ?? '', mode)
    return success('spy extension success')
  })

  both('/blacklist/index', async (req) => {
    const { tenantId } = tenantOf(req)
    return { status: 'success', data: await deps.blocked.list(tenantId) }
  })

  app.post('/blacklist/create', { config: OPEN, schema: TAGS }, async (req) => {
    const { tenantId } = tenantOf(req)
    const number = callerNumber(fields(req, ['number']).number ?? '')
    await deps.blocked.add(tenantId, number, sb.now())
    return success('Updated database successfully')
  })

  app.route({
    method: ['DELETE', 'POST'],
    url: '/blacklist/delete',
    config: OPEN,
    schema: TAGS,
    handler: async (req) => {
      const { tenantId } = tenantOf(req)
      const number = callerNumber(fields(req, ['number']).number ?? '')
      if (!(await deps.blocked.remove(tenantId, number)))
        throw new PbxError(404, `${number} is not in the blacklist`)
      return success('Key deleted successfully')
    },
  })

  // The file name is only a key: it is looked up among the tenant's recordings, never opened as a path.
  app.get<{ Params: { '*': string } }>('/monitor/*', { config: OPEN, schema: TAGS }, async (req, reply) => {
    const { tenantId } = tenantOf(req)
    const name = req.params['*']
    const contactId = /^([A-Za-z0-9_-]{1,100})\.wav$/.exec(name)?.[1]
    const rec = contactId && deps.recordings ? await deps.recordings.get(tenantId, contactId) : undefined
    if (!contactId || !rec) throw new PbxError(404, `no recording ${name}`)
    const stream = await openRecording(rec)
    return reply.type('audio/wav').header('content-length', rec.bytes).send(stream)
  })
}

/** A member as 004 names it: `808`, `sip/808` or `SIP/808` (an extension), or an agent id. */
function memberAgent(config: TenantConfig, member: string): string {
  const bare = member.replace(/^(sip|pjsip|agent)\//i, '')
  const x = config.voice?.extensions.find((e) => e.number === bare)
  if (x) return x.agentId
  if (config.agents.some((a) => a.id === bare && a.channels.voice)) return bare
  throw new PbxError(404, `no extension ${member}`)
}

/** A queue by its number (or id) that the agent serves. */
function servedQueue(config: TenantConfig, agentId: string, queue: string): void {
  const q = config.queues.find(
    (q) => q.channel === 'voice' && (config.voice?.queues[q.id]?.number === queue || q.id === queue),
  )
  if (!q) throw new PbxError(404, `no queue ${queue}`)
  if (!queueMembers(config, q).has(agentId))
    throw new PbxError(
      409,
      `queue ${queue} is not served by this agent: add it to one of the queue's skill groups`,
    )
}

function onOff(state: string): boolean {
  const s = state.toLowerCase()
  if (['on', '1', 'true', 'yes', 'pause'].includes(s)) return true
  if (['off', '0', 'false', 'no', 'unpause'].includes(s)) return false
  throw new PbxError(400, `state must be on or off, not "${state}"`)
}

/** `mode` listen / whisper / barge, or Asterisk ChanSpy's options: `w` whispers, `B` barges. */
function listenMode(mode: string | undefined, options: string | undefined): ListenMode {
  if (mode === 'listen' || mode === 'whisper' || mode === 'barge') return mode
  if (mode !== undefined && mode !== '')
    throw new PbxError(400, `mode must be listen, whisper or barge, not "${mode}"`)
  if (options?.includes('B')) return 'barge'
  if (options?.includes('w')) return 'whisper'
  return 'listen'
}

function dialable(n: string): string {
  if (!/^\+?[0-9*#]{1,32}$/.test(n))
    throw new PbxError(400, `"${n}" cannot be dialled (digits, * and #, a leading +)`)
  return n
}

/** A caller's number as a trunk shows it: digits, +, * and #, or a name such as anonymous. */
function callerNumber(n: string): string {
  if (!/^[A-Za-z0-9+*#._-]{1,64}$/.test(n))
    throw new PbxError(400, `"${n}" is not a phone number (digits, +, * and #, up to 64)`)
  return n
}

/** An extension that would call, listen to or transfer to itself: its phone would ring its own call. */
function notItself(src: string | undefined, dst: string | undefined, verb: string): void {
  if (src !== undefined && src !== '' && src === dst)
    throw new PbxError(400, `src and dst are both ${src}: an extension cannot ${verb} itself`)
}
