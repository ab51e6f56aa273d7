import type { Switchboard } from '../../app/switchboard.js'
import type { CallRecordingStore, MediaServer, PhoneBindingStore } from '../../app/voice-ports.js'
import type { GateReason } from '../../core/availability.js'
import type { DomainEvent } from '../../core/events.js'
import { VoiceDirectory } from './directory.js'
import type { Prompts } from './prompts.js'
import { Registrar } from './registrar.js'
import { hasAudio } from './sdp.js'
import { DigestAuthenticator } from './sip/digest.js'
import type { SipRequest } from './sip/message.js'
import { fromOf } from './sip/message.js'
import type { ServerTransaction } from './sip/transactions.js'
import { newTag } from './sip/transactions.js'
import { parseUri } from './sip/uri.js'
import type { SipUserAgent } from './sip/user-agent.js'
import { ALLOW } from './sip/user-agent.js'
import type { CallHostDeps, VoiceLog } from './call-host.js'
import { callHost, settingsOf } from './call-host.js'
import { VoiceCall } from './voice-call.js'

export interface VoiceChannelDeps {
  readonly sb: Switchboard
  readonly ua: SipUserAgent
  readonly media: MediaServer
  readonly prompts: Prompts
  readonly bindings: PhoneBindingStore
  readonly recordings: CallRecordingStore
  readonly newId: () => string
  readonly log: VoiceLog
}

// What a caller turned away at the door hears, as a SIP status.
const REFUSAL: Record<GateReason, readonly [number, string]> = {
  invalid_entry_point: [404, 'Not Found'],
  entry_point_inactive: [480, 'Temporarily Unavailable'],
  outside_business_hours: [480, 'Temporarily Unavailable (closed)'],
  agent_not_available: [480, 'Temporarily Unavailable (no agent)'],
  queue_depth_reached: [486, 'Busy Here (queue full)'],
  service_not_running: [503, 'Service Unavailable'],
}

/**
 * The voice channel: phones register here, calls arrive from trunks to access numbers and become
 * contacts in the router, and every router decision about them (offer, timeout, transfer, end)
 * is carried out on the SIP side by the call's B2BUA.
 */
export class VoiceChannel {
  readonly registrar: Registrar
  private readonly calls = new Map<string, VoiceCall>()
  /** Calls being admitted: their contacts exist a moment before their VoiceCall does. */
  private readonly arriving = new Set<string>()
  private readonly watched = new Map<string, () => void>()
  private readonly auth = new Map<string, DigestAuthenticator>()
  private cached: { signature: string; directory: VoiceDirectory } | undefined

  private readonly hostDeps: CallHostDeps

  constructor(private readonly deps: VoiceChannelDeps) {
    this.hostDeps = {
      ...deps,
      phoneOf: (tenant, agentId) => {
        const x = this.directory().extensionOf(tenant.tenantId, agentId)
        const b = x && this.registrar.binding(tenant.tenantId, x.number)
        if (!x || !b) return undefined
        return {
          uri: b.contact,
          to: b.source,
          toHeader: `<sip:${x.number}@${tenant.voice.domain ?? b.source.host}>`,
        }
      },
      resync: (tenantId, contactId) => this.calls.get(callKey(tenantId, contactId))?.sync(),
      finished: (tenantId, contactId) => void this.calls.delete(callKey(tenantId, contactId)),
    }
    this.registrar = new Registrar({
      directory: () => this.directory(),
      auth: (realm) => this.authenticator(realm),
      store: deps.bindings,
      now: () => deps.sb.now(),
      onReachable: (tenantId, agentId, reachable) => this.setReachable(tenantId, agentId, reachable),
      onError: (e) => deps.log.error({ err: e }, 'phone registration not stored'),
    })
    deps.ua.onRequest = (req, tx) => this.request(req, tx)
  }

  async start(): Promise<void> {
    await this.registrar.start()
    this.watch()
  }

  async stop(): Promise<void> {
    await this.registrar.stop()
    for (const unsubscribe of this.watched.values()) unsubscribe()
    this.watched.clear()
  }

  get activeCalls(): number {
    return this.calls.size
  }

  /** Every tenant with voice, rebuilt when a configuration changed. */
  directory(): VoiceDirectory {
    const ids = this.deps.sb.tenantIds().sort()
    const signature = ids.map((id) => `${id}@${this.deps.sb.storedConfig(id).version}`).join(',')
    if (this.cached?.signature !== signature) {
      this.cached = {
        signature,
        directory: new VoiceDirectory(ids.map((id) => this.deps.sb.storedConfig(id).config)),
      }
      this.watch()
    }
    return this.cached.directory
  }

  private authenticator(realm: string): DigestAuthenticator {
    let a = this.auth.get(realm)
    if (!a) this.auth.set(realm, (a = new DigestAuthenticator(realm)))
    return a
  }

  /** Follows the router of every voice tenant: its decisions about calls, and its restarts. */
  private watch(): void {
    for (const id of this.deps.sb.tenantIds()) {
      if (this.watched.has(id) || !this.deps.sb.storedConfig(id).config.voice) continue
      this.watched.set(
        id,
        this.deps.sb.feed.subscribe(id, {}, (events) => this.routed(id, events)),
      )
      this.reconcile(id)
    }
  }

  private routed(tenantId: string, events: readonly DomainEvent[]): void {
    for (const e of events) {
      if (e.type === 'RouterRestored') this.reconcile(tenantId)
      const contactId = 'contactId' in e ? e.contactId : undefined
      if (contactId) this.calls.get(callKey(tenantId, contactId))?.sync()
    }
  }

  /**
   * A new router starts with every phone unknown: tell it which are registered. Calls it holds
   * that no call of ours carries lost their media with a restart: they end now, as dropped by
   * the system, rather than wait for ever.
   */
  private reconcile(tenantId: string): void {
    const voice = this.deps.sb.storedConfig(tenantId).config.voice
    for (const x of voice?.extensions ?? [])
      this.setReachable(tenantId, x.agentId, this.registrar.binding(tenantId, x.number) !== undefined)
    if (!this.deps.sb.isRunning(tenantId)) return
    this.deps.sb
      .runtime(tenantId)
      .execute((r, now) => {
        const orphans = [...r.contacts.values()].filter(
          (c) =>
            c.channel === 'voice' &&
            (c.state === 'queued' || c.state === 'offered' || c.state === 'connected') &&
            !this.calls.has(callKey(tenantId, c.id)) &&
            !this.arriving.has(callKey(tenantId, c.id)),
        )
        for (const c of orphans) r.endContact(c.id, 'system', null, now)
        return orphans.length
      })
      .then(
        (n) =>
          n > 0 &&
          this.deps.log.warn({ tenantId, calls: n }, 'calls left from before a restart ended as dropped'),
        (err: unknown) =>
          this.deps.log.error({ err, tenantId }, 'calls left from before a restart not ended'),
      )
  }

  private setReachable(tenantId: string, agentId: string, reachable: boolean): void {
    if (!this.deps.sb.isRunning(tenantId)) return
    this.deps.sb
      .runtime(tenantId)
      .execute(
        (r, now) =>
          r.pool.agents.get(agentId)?.channels.has('voice') &&
          r.setReachable(agentId, 'voice', reachable, now),
      )
      .catch((err: unknown) =>
        this.deps.log.warn({ err, tenantId, agentId }, 'phone reachability not applied'),
      )
  }

  private request(req: SipRequest, tx: ServerTransaction): void {
    switch (req.method) {
      case 'REGISTER':
        return this.registrar.handle(req, tx)
      case 'OPTIONS':
        return void tx.reply(200, 'OK', {
          toTag: newTag(),
          headers: { allow: ALLOW, accept: 'application/sdp' },
        })
      case 'INVITE':
        return void this.inbound(req, tx).catch((err: unknown) => {
          this.deps.log.error({ err }, 'inbound call failed')
          if (tx.state === 'proceeding') tx.reply(500, 'Server Internal Error')
        })
      case 'ACK':
        return
      default:
        return void tx.reply(405, 'Method Not Allowed', { headers: { allow: ALLOW } })
    }
  }

  /** A call from a trunk to an access number: a contact in the entry point's queue, answered at once. */
  private async inbound(req: SipRequest, tx: ServerTransaction): Promise<void> {
    const found = this.directory().trunkAt(tx.source.host)
    if (!found) return void tx.reply(403, 'Forbidden (not a trunk)')
    const tenant = found.tenant
    const dialled = safeUser(req.uri) ?? ''
    const entryPointId = tenant.voice.numbers[dialled]
    if (entryPointId === undefined) return void tx.reply(404, 'Not Found (no such number)')
    const offer = req.body.toString()
    if (!hasAudio(offer)) return void tx.reply(488, 'Not Acceptable Here (an audio offer is needed)')
    const mediaDown = this.deps.media.unavailableReason
    if (mediaDown !== null || !this.deps.sb.isRunning(tenant.tenantId)) {
      this.deps.log.warn({ reason: mediaDown ?? 'router not running' }, 'call refused: voice unavailable')
      return void tx.reply(503, 'Service Unavailable', { headers: { 'retry-after': '30' } })
    }
    const from = fromOf(req)
    const number = from.uri.user ?? 'anonymous'
    const contactId = this.deps.newId()
    const key = callKey(tenant.tenantId, contactId)
    this.arriving.add(key)
    const admission = await this.deps.sb
      .runtime(tenant.tenantId)
      .execute((r, now) =>
        r.admitContact(
          {
            contactId,
            entryPointId,
            customer: { name: from.display ?? number, phone: number },
            subject: null,
          },
          now,
        ),
      )
      .catch((e: unknown) => {
        this.arriving.delete(key)
        throw e
      })
    if (!admission.admitted) {
      this.arriving.delete(key)
      const [status, reason] = REFUSAL[admission.reason]
      return void tx.reply(status, reason)
    }
    const queueId = admission.contact.queueId
    const call = new VoiceCall(
      {
        contactId,
        callerTag: from.params.tag ?? '',
        ourTag: newTag(),
        callerOffer: offer,
        callerIdentity:
          req.headers.get('from')?.replace(/;\s*tag=[^;]*/i, '') ?? '<sip:anonymous@anonymous.invalid>',
      },
      settingsOf(tenant, queueId),
      callHost(this.hostDeps, tenant, contactId),
    )
    this.calls.set(key, call)
    this.arriving.delete(key)
    tx.onCancel = () => {
      tx.reply(487, 'Request Terminated')
      call.cancelled()
    }
    try {
      await call.answer(tx)
    } catch (err) {
      this.deps.log.error({ err, contactId }, 'call could not be answered')
      if (tx.state === 'proceeding') tx.reply(500, 'Server Internal Error (media)')
      call.cancelled()
      return
    }
    call.sync()
  }
}

function safeUser(uri: string): string | null {
  try {
    return parseUri(uri).user
  } catch {
    return null
  }
}

const callKey = (tenantId: string, contactId: string): string => `${tenantId}\u0000${contactId}`
