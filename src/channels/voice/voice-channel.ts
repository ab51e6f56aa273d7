import type { SurveyStore } from '../../app/ports.js'
import type { Switchboard } from '../../app/switchboard.js'
import type {
  AudioMixer,
  BlockedNumberStore,
  ClickToCallService,
  Caller,
  CallRecord,
  MenuRecord,
  CallObserver,
  RefusalCause,
  CallRecordingStore,
  MediaServer,
  PhoneBindingStore,
} from '../../app/voice-ports.js'
import type { GateReason } from '../../core/availability.js'
import type { DomainEvent } from '../../core/events.js'
import { VoiceDirectory } from './directory.js'
import type { Prompts } from './prompts.js'
import type { NodeHoldings } from '../../app/node-holdings.js'
import type { BindingNews } from './registrar.js'
import { Registrar } from './registrar.js'
import { hasAudio, mediaWarning, unbridgeable } from './sdp.js'
import { DigestAuthenticator } from './sip/digest.js'
import type { SipRequest } from './sip/message.js'
import { fromOf } from './sip/message.js'
import type { ServerTransaction } from './sip/transactions.js'
import { newTag } from './sip/transactions.js'
import { parseAnyUri } from './sip/uri.js'
import { nextMaxForwards } from './sip/request-checks.js'
import { sdpOf } from './sip/sdp-body.js'
import { MIN_SE, sessionTimerOf } from './sip/session-timer.js'
import type { SipUserAgent } from './sip/user-agent.js'
import { ALLOW } from './sip/user-agent.js'
import type { CallHostDeps, VoiceLog } from './call-host.js'
import { callHost, settingsOf } from './call-host.js'
import { ClickToCalls } from './click-to-call.js'
import { VoiceCall } from './voice-call.js'
import type { QualifyOptions } from './qualify.js'
import type { MenuChoice } from './menu-call.js'
import { answerWithMenu } from './menu-call.js'
import { PhoneQualifier } from './qualify.js'
import { VoiceTelephony } from './telephony.js'
import { isWebSocket } from './sip/transport.js'
import { throughEdge } from './sip/relay.js'
import { CallControl } from './call-control.js'

/** Registrations stored together within this window: thousands a second cost a few writes. */
const BINDING_LINGER_MS = 10

export interface VoiceChannelDeps {
  readonly sb: Switchboard
  readonly ua: SipUserAgent
  readonly media: MediaServer
  readonly prompts: Prompts
  readonly bindings: PhoneBindingStore
  readonly recordings: CallRecordingStore
  readonly blocked: BlockedNumberStore
  readonly surveys: SurveyStore
  readonly mixer: AudioMixer
  readonly newId: () => string
  readonly log: VoiceLog
  readonly qualify?: QualifyOptions
  /** This node's SIP `host:port` when it is a cluster node (phones it alone reaches ring through it). */
  readonly edge?: string
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
  readonly qualifier: PhoneQualifier
  readonly telephony: VoiceTelephony
  private readonly observers = new Set<CallObserver>()
  /** Tells every observer, each on its own: one that throws does not stop a call or the others. */
  private readonly told: CallObserver = {
    ringing: (...a) => this.tell((o) => o.ringing(...a)),
    ringEnded: (...a) => this.tell((o) => o.ringEnded(...a)),
    finished: (r) => this.tell((o) => o.finished(r)),
    menuFinished: (...a) => this.tell((o) => o.menuFinished(...a)),
    dialing: (...a) => this.tell((o) => o.dialing(...a)),
    dialEnded: (...a) => this.tell((o) => o.dialEnded(...a)),
    placedCallFinished: (r) => this.tell((o) => o.placedCallFinished(r)),
    linesChanged: (t) => this.tell((o) => o.linesChanged(t)),
  }
  private readonly calls = new Map<string, VoiceCall>()
  private readonly control: CallControl
  private readonly clickToCalls: ClickToCalls
  /** Click-to-call (002) for the dialects: calls a customer's browser joins once an agent answers. */
  readonly clickToCall: ClickToCallService = {
    start: (req) => this.clickToCalls.start(req),
    drop: (tenantId, contactId) => {
      const call = this.calls.get(callKey(tenantId, contactId))
      call?.dropped()
      return call !== undefined
    },
  }
  /** Calls being admitted: their contacts exist a moment before their VoiceCall does. */
  private readonly arriving = new Set<string>()
  /** A cluster: the calls other nodes hold (their contacts are not this node's to end). */
  private readonly callsElsewhere: NodeHoldings | undefined
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
        const toHeader = `<sip:${x.number}@${tenant.voice.domain ?? b.source.host}>`
        // Registered through another node that alone reaches it: rung through that node.
        const through = deps.edge === undefined ? undefined : throughEdge(b, deps.edge)
        const media = isWebSocket(b.source.transport) ? 'webrtc' : 'rtp'
        return { uri: b.contact, toHeader, media, ...(through ?? { to: b.source }) }
      },
      resync: (tenantId, contactId) => this.calls.get(callKey(tenantId, contactId))?.sync(),
      finished: (tenantId, contactId) => {
        this.calls.delete(callKey(tenantId, contactId))
        this.held(callKey(tenantId, contactId))
        this.control.callEnded(tenantId, contactId)
        this.clickToCalls.ended(tenantId, contactId)
        this.told.linesChanged(tenantId)
      },
      linesChanged: (tenantId) => this.told.linesChanged(tenantId),
      agentLeft: (tenantId, contactId) => this.control.callEnded(tenantId, contactId),
      observer: this.told,
    }
    this.registrar = new Registrar({
      directory: () => this.directory(),
      auth: (realm) => this.authenticator(realm),
      store: deps.bindings,
      now: () => deps.sb.now(),
      onReachable: (tenantId, agentId, reachable) => {
        this.setReachable(tenantId, agentId, reachable)
        this.phoneCameOrWent(tenantId, agentId, reachable)
      },
      onError: (e) => deps.log.error({ err: e }, 'phone registration not stored'),
      storeLingerMs: BINDING_LINGER_MS,
      flowMoved: (from, to) => {
        const n = deps.ua.moved(from, to)
        if (n > 0)
          deps.log.info(
            { from, to, dialogs: n },
            'a softphone came back on a new WebSocket: its calls follow',
          )
      },
      softphonePassword: (tenantId, extension, username) =>
        deps.sb.softphones().passwordFor(tenantId, extension, username, deps.sb.now()),
      // A cluster: a phone registered through any node rings for a call at any other.
      share: deps.sb.broadcast<BindingNews>('phone-bindings', (news) => this.registrar.heard(news)),
      ...(deps.edge === undefined ? {} : { edge: deps.edge }),
    })
    this.qualifier = new PhoneQualifier(
      deps.ua,
      () => this.deps.sb.tenantIds().flatMap((id) => this.registrar.here(id)),
      deps.qualify,
    )
    this.clickToCalls = new ClickToCalls({
      sb: deps.sb,
      hostDeps: this.hostDeps,
      directory: () => this.directory(),
      newId: () => deps.newId(),
      arriving: (tenantId, contactId, arriving) => this.setArriving(callKey(tenantId, contactId), arriving),
      keep: (tenantId, contactId, call) => {
        this.calls.set(callKey(tenantId, contactId), call)
        this.held(callKey(tenantId, contactId))
      },
    })
    this.control = new CallControl(deps, {
      directory: () => this.directory(),
      phoneOf: (tenant, agentId) => this.hostDeps.phoneOf(tenant, agentId),
      binding: (tenantId, extension) => this.registrar.binding(tenantId, extension),
      setReachable: (tenantId, agentId, reachable) => this.setReachable(tenantId, agentId, reachable),
      told: this.told,
      hostDeps: this.hostDeps,
    })
    this.telephony = new VoiceTelephony({
      sb: deps.sb,
      directory: () => this.directory(),
      registrar: this.registrar,
      qualifier: this.qualifier,
      calls: (tenantId) => [...this.calls.values()].filter((c) => c.tenantId === tenantId),
      listening: (tenantId) => this.control.listening(tenantId),
      listenIn: (tenantId, spy, target, call, mode) =>
        this.control.listenIn(tenantId, spy, target, call, mode),
      placed: (tenantId) => this.control.placedCalls(tenantId),
      place: (tenantId, from, to) => this.control.place(tenantId, from, to),
    })
    deps.ua.onRequest = (req, tx) => this.request(req, tx)
    // A node that died took its calls with it: the tenant's owner ends their contacts.
    this.callsElsewhere = deps.sb.holdings('voice-calls', (tenantId) => this.reconcile(tenantId))
  }

  /** A call is being set up here (or no longer): the other nodes of a cluster are told. */
  private setArriving(key: string, arriving: boolean): void {
    if (arriving) this.arriving.add(key)
    else this.arriving.delete(key)
    this.held(key)
  }

  /** Tells the other nodes of a cluster whether this node holds the call (arriving or up). */
  private held(key: string): void {
    const [tenantId = '', contactId = ''] = key.split('\u0000')
    this.callsElsewhere?.said(tenantId, contactId, this.calls.has(key) || this.arriving.has(key) ? 1 : 0)
  }

  /** The contacts of this tenant that have a call here, or one being set up. */
  private *contactsWithCalls(tenantId: string): Iterable<string> {
    const prefix = callKey(tenantId, '')
    for (const key of [...this.calls.keys(), ...this.arriving])
      if (key.startsWith(prefix)) yield key.slice(prefix.length)
  }

  /** A phone registered (asked at once how fast it answers) or its registration ended. */
  private phoneCameOrWent(tenantId: string, agentId: string, reachable: boolean): void {
    const x = this.directory().extensionOf(tenantId, agentId)
    // Asked by the node it registered through (another may not reach it: a connection, a NAT).
    const b = x && this.registrar.here(tenantId).find((h) => h.extension === x.number)
    if (x && !reachable) this.qualifier.forget(tenantId, x.number)
    if (b) void this.qualifier.check(b).then(() => this.told.linesChanged(tenantId))
    this.told.linesChanged(tenantId)
  }

  /** Follows every call and phone; returns how to stop. */
  observe(o: CallObserver): () => void {
    this.observers.add(o)
    return () => void this.observers.delete(o)
  }

  private tell(what: (o: CallObserver) => void): void {
    for (const o of this.observers)
      try {
        what(o)
      } catch (err) {
        this.deps.log.error({ err }, 'a call observer failed')
      }
  }

  async start(): Promise<void> {
    await this.registrar.start()
    this.qualifier.start()
    this.watch()
  }

  /** Hangs up every call, routed or placed, before the SIP transport closes. */
  async endCalls(): Promise<void> {
    await Promise.all([...this.calls.values()].map((c) => c.shutDown()))
    await this.control.endPlacedCalls()
  }

  async stop(): Promise<void> {
    this.qualifier.stop()
    this.telephony.stop()
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

  /** The queue an access number's entry point feeds, for the record of a call refused there. */
  private queueAt(tenantId: string, entryPointId: string): string {
    return (
      this.deps.sb.storedConfig(tenantId).config.entryPoints.find((e) => e.id === entryPointId)?.queueId ?? ''
    )
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
  private reconcile(tenantId: string, attempt = 0): void {
    // A cluster: the node that runs the router reconciles it (it hears every node's phones and calls).
    if (this.deps.sb.routerState(tenantId) === 'running_elsewhere') return
    // A configuration change restores the router before its runtime is put in place, and storage
    // recovery waits for the database: tell it once it runs, or its phones stay unreachable. A
    // cluster node that just started waits until every node said which calls it holds.
    if (!this.deps.sb.isRunning(tenantId) || this.callsElsewhere?.settled() === false) {
      if (attempt < 150) setTimeout(() => this.reconcile(tenantId, attempt + 1), 200).unref()
      return
    }
    const voice = this.deps.sb.storedConfig(tenantId).config.voice
    for (const x of voice?.extensions ?? [])
      this.setReachable(tenantId, x.agentId, this.registrar.binding(tenantId, x.number) !== undefined)
    this.deps.sb
      .runtime(tenantId)
      .run({
        type: 'dropOrphanedCalls',
        // Calls this server holds, those still being set up, and (a cluster) the calls other
        // live nodes hold are not orphans.
        calls: [...this.contactsWithCalls(tenantId), ...(this.callsElsewhere?.heldElsewhere(tenantId) ?? [])],
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
    const runtime = this.deps.sb.runtime(tenantId)
    // An extension whose agent works no voice channel (yet): nothing to route by.
    if (!runtime.query({ type: 'agent', agentId })?.channels.voice) return
    runtime
      .run({ type: 'setReachable', agentId, channel: 'voice', reachable })
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
        // A browser dials in to the click-to-call it was told of: not a trunk's call.
        if (this.clickToCalls.invited(req, tx)) return
        return void this.inbound(req, tx).catch((err: unknown) => {
          this.deps.log.error({ err }, 'inbound call failed')
          if (tx.state === 'proceeding') tx.reply(500, 'Server Internal Error')
        })
      case 'ACK':
        return
      default:
        // A method that lives in a dialog (BYE, INFO, UPDATE…) without one: nothing to apply it to.
        return void tx.reply(481, 'Call/Transaction Does Not Exist')
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
    const offer = sdpOf(req)
    if (!hasAudio(offer)) return void tx.reply(488, 'Not Acceptable Here (an audio offer is needed)')
    const noCodec = unbridgeable(offer)
    if (noCodec) {
      this.deps.log.warn({ reason: noCodec }, 'call refused: its offer cannot be bridged')
      return void tx.reply(488, 'Not Acceptable Here', { headers: { warning: mediaWarning(noCodec) } })
    }
    const sessionTimer = sessionTimerOf(req)
    if (sessionTimer && 'tooSmall' in sessionTimer)
      return void tx.reply(422, 'Session Interval Too Small', { headers: { 'min-se': String(MIN_SE) } })
    const mediaDown = this.deps.media.unavailableReason
    // A cluster node takes the call while the tenant's router runs anywhere: the call and its
    // media stay here, the router's decisions come over the bus.
    if (mediaDown !== null || this.deps.sb.routerState(tenant.tenantId) === 'service_not_running') {
      this.deps.log.warn({ reason: mediaDown ?? 'router not running' }, 'call refused: voice unavailable')
      return void tx.reply(503, 'Service Unavailable', { headers: { 'retry-after': '30' } })
    }
    const from = fromOf(req)
    const number = from.uri.user ?? 'anonymous'
    const caller: Caller = { number, name: from.display ?? number, dialled, trunkId: found.trunk.id }
    // A caller turned away still leaves its call record: a CRM's missed calls are all there.
    const refuse = (why: RefusalCause, status: number, text: string, queueId?: string): void => {
      tx.reply(status, text)
      this.told.finished(
        refusedCall(
          tenant.tenantId,
          this.deps.newId(),
          caller,
          this.deps.sb.now(),
          why,
          status,
          queueId ?? this.queueAt(tenant.tenantId, entryPointId),
        ),
      )
    }
    if (await this.deps.blocked.has(tenant.tenantId, number)) {
      const status = this.deps.sb.storedConfig(tenant.tenantId).config.pbx?.blacklistStatus ?? 486
      this.deps.log.info({ tenantId: tenant.tenantId, number }, 'call refused: the number is blacklisted')
      return refuse('blacklisted', status, BLACKLIST_REASON[status] ?? 'Busy Here')
    }
    const callerTag = from.params.tag ?? ''
    const ourTag = newTag()
    const contactId = this.deps.newId()
    const key = callKey(tenant.tenantId, contactId)
    const router = this.deps.sb.tenant(tenant.tenantId)
    const menu = tenant.voice.menus[entryPointId]
    let chose: MenuChoice | undefined
    if (menu) {
      const open = await router.ask({ type: 'openNow', entryPointId })
      if (!open && !menu.closedPrompt)
        return refuse('outside_business_hours', ...REFUSAL.outside_business_hours)
      this.setArriving(key, true)
      const result = await answerWithMenu(
        { ...this.deps, now: () => this.deps.sb.now(), log: (msg, err) => this.deps.log.warn({ err }, msg) },
        {
          tenantId: tenant.tenantId,
          callId: contactId,
          caller,
          callerTag,
          ourTag,
          callerOffer: offer,
          ...(sessionTimer ? { sessionTimer } : {}),
          record: tenant.voice.recordCalls,
        },
        tx,
        menu,
        open,
      ).finally(() => {
        this.setArriving(key, false)
      })
      if ('record' in result) {
        if (result.record.menu) this.told.menuFinished(tenant.tenantId, contactId, caller, result.record.menu)
        return this.told.finished(result.record)
      }
      chose = result
    }
    this.setArriving(key, true)
    const admission = await router
      .run({
        type: 'admitContact',
        contact: {
          contactId,
          entryPointId: chose?.entryPointId ?? entryPointId,
          customer: { name: caller.name, phone: number },
          subject: null,
        },
      })
      .catch((e: unknown) => {
        this.setArriving(key, false)
        throw e
      })
    if (!admission.admitted) {
      this.setArriving(key, false)
      if (!chose) {
        const [status, reason] = REFUSAL[admission.reason]
        const why = admission.reason
        if (why === 'invalid_entry_point' || why === 'service_not_running')
          return void tx.reply(status, reason)
        return refuse(why, status, reason, admission.contact.queueId)
      }
      const record = await chose.end()
      if (record.menu) this.told.menuFinished(tenant.tenantId, contactId, caller, record.menu)
      return this.told.finished(record)
    }
    const queueId = admission.contact.queueId
    const menuRecord: MenuRecord | undefined =
      menu && chose
        ? {
            id: menu.id,
            name: menu.name,
            digit: chose.digit,
            startedAt: chose.startedAt,
            endedAt: this.deps.sb.now(),
            queueId,
          }
        : undefined
    if (menuRecord) this.told.menuFinished(tenant.tenantId, contactId, caller, menuRecord)
    const call = new VoiceCall(
      {
        tenantId: tenant.tenantId,
        contactId,
        caller,
        startedAt: chose?.startedAt ?? this.deps.sb.now(),
        callerTag,
        ourTag,
        callerOffer: offer,
        callerIdentity:
          req.headers.get('from')?.replace(/;\s*tag=[^;]*/i, '') ?? '<sip:anonymous@anonymous.invalid>',
        maxForwards: nextMaxForwards(req),
        ...(sessionTimer ? { sessionTimer } : {}),
        ...(chose && menuRecord ? { menu: menuRecord, keys: chose.keys } : {}),
      },
      // A call that came through a menu was answered (and its recording decided) before its queue was known.
      { ...settingsOf(tenant, queueId), ...(chose ? { record: tenant.voice.recordCalls } : {}) },
      callHost(this.hostDeps, tenant, contactId),
    )
    this.calls.set(key, call)
    this.setArriving(key, false)
    if (chose) {
      call.adopt(chose.dialog, chose.callerLeg)
      return call.sync()
    }
    // A CANCEL may have come while the call was admitted (the transaction answered it 487).
    if (tx.cancelled) return call.cancelled()
    tx.onCancel = () => call.cancelled()
    try {
      await call.answer(tx)
    } catch (err) {
      if (tx.cancelled) return
      this.deps.log.error({ err, contactId }, 'call could not be answered')
      if (tx.state === 'proceeding') tx.reply(500, 'Server Internal Error (media)')
      call.cancelled()
      return
    }
    call.sync()
  }
}

/** The record of a call refused at the door: nobody rang, nothing was said. */
function refusedCall(
  tenantId: string,
  contactId: string,
  caller: Caller,
  now: number,
  why: RefusalCause,
  status: number,
  queueId: string,
): CallRecord {
  return {
    tenantId,
    contactId,
    caller,
    startedAt: now,
    endedAt: now,
    endedBy: 'system',
    queueId,
    enqueuedAt: now,
    agentId: null,
    answeredAt: null,
    rings: [],
    holdMs: 0,
    recording: null,
    endedIn: 'refused',
    refusal: { why, status },
    menu: null,
    rating: null,
  }
}

// 004 leaves the answer to a listed caller open: these are the ones a PBX gives.
const BLACKLIST_REASON: Record<number, string> = {
  403: 'Forbidden',
  480: 'Temporarily Unavailable',
  486: 'Busy Here',
  603: 'Decline',
}

function safeUser(uri: string): string | null {
  try {
    return parseAnyUri(uri).user
  } catch {
    return null
  }
}

const callKey = (tenantId: string, contactId: string): string => `${tenantId}\u0000${contactId}`
