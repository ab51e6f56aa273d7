import type { CallObserver, ListenMode } from '../../app/voice-ports.js'
import { DomainError } from '../../core/errors.js'
import type { Trunk } from '../../core/tenant-config.js'
import type { CallHostDeps, Phone } from './call-host.js'
import { keepRecording } from './call-host.js'
import type { VoiceDirectory, VoiceTenant } from './directory.js'
import { ListenIn } from './listen-in.js'
import type { PlacedLeg } from './placed-call.js'
import { PlacedCall } from './placed-call.js'
import type { VoiceCall } from './voice-call.js'
import type { VoiceChannelDeps } from './voice-channel.js'

/** What the calls the API starts need of the voice channel. */
export interface CallControlEnv {
  directory(): VoiceDirectory
  phoneOf(tenant: VoiceTenant, agentId: string): Phone | undefined
  /** The extension's phone is registered. */
  binding(tenantId: string, extension: string): unknown
  setReachable(tenantId: string, agentId: string, reachable: boolean): void
  readonly told: CallObserver
  readonly hostDeps: CallHostDeps
}

/**
 * The calls the PBX API starts, beside those callers make: placed calls (click-to-dial) and
 * phones listening in on a call. Keyed by tenant and call.
 */
export class CallControl {
  private readonly listeners = new Map<string, Set<ListenIn>>()
  private readonly placed = new Map<string, PlacedCall>()

  constructor(
    private readonly deps: VoiceChannelDeps,
    private readonly env: CallControlEnv,
  ) {}

  placedCalls(tenantId: string): PlacedCall[] {
    return [...this.placed.values()].filter((c) => c.tenantId === tenantId)
  }

  async endPlacedCalls(): Promise<void> {
    await Promise.all([...this.placed.values()].map((c) => c.hangUp()))
  }

  /** Extensions listening in on a call now. */
  listening(tenantId: string): Set<string> {
    return new Set(
      [...this.listeners]
        .filter(([key]) => key.startsWith(`${tenantId}\u0000`))
        .flatMap(([, set]) => [...set].map((l) => l.extension)),
    )
  }

  /** A call ended: whoever listened to it is hung up. */
  callEnded(tenantId: string, contactId: string): void {
    for (const l of this.listeners.get(callKey(tenantId, contactId)) ?? []) void l.stop()
  }

  /** 004's click-to-dial: rings `from`, then `to` (an extension, or a number out through the first trunk). */
  async place(tenantId: string, from: string, to: string): Promise<{ callId: string }> {
    const tenant = this.env.directory().tenant(tenantId)
    if (!tenant) throw new DomainError('CHANNEL_NOT_CONFIGURED', 'this tenant has no voice settings')
    const mediaDown = this.deps.media.unavailableReason
    if (mediaDown !== null) throw new DomainError('SERVICE_NOT_RUNNING', `voice is unavailable: ${mediaDown}`)
    const domain = tenant.voice.domain
    const names = new Map(this.deps.sb.storedConfig(tenantId).config.agents.map((a) => [a.id, a.name]))
    const extensionLeg = (number: string, calledBy: string): PlacedLeg | undefined => {
      const x = this.env.directory().extension(tenantId, number)
      if (!x) return undefined
      const phone = this.env.phoneOf(tenant, x.agentId)
      if (!phone) throw new DomainError('AGENT_NOT_AVAILABLE', `extension ${number} is not registered`)
      return { number, agentId: x.agentId, external: false, phone, calledBy }
    }
    const identity = (number: string, name: string, host: string) =>
      `"${name.replace(/"/g, '')}" <sip:${number}@${domain ?? host}>`
    const a = extensionLeg(from, identity(to, to, '127.0.0.1'))
    if (!a) throw new DomainError('AGENT_NOT_FOUND', `no extension ${from}`)
    const fromName = names.get(a.agentId ?? '') ?? from
    const b =
      extensionLeg(to, identity(from, fromName, a.phone.to.host)) ??
      this.outbound(tenant.voice.trunks, to, identity(from, fromName, a.phone.to.host))
    for (const [key, c] of this.placed)
      if (
        key.startsWith(`${tenantId}\u0000`) &&
        [c.from.number, c.to.number].some((n) => n === from || n === to)
      )
        throw new DomainError('AGENT_NOT_AVAILABLE', `${from} or ${to} is already in a placed call`)
    const callId = this.deps.newId()
    const key = callKey(tenantId, callId)
    const occupy = (busy: boolean) => {
      for (const leg of [a, b])
        if (leg.agentId)
          this.env.setReachable(
            tenantId,
            leg.agentId,
            !busy && this.env.binding(tenantId, leg.number) !== undefined,
          )
    }
    const call = new PlacedCall(tenantId, callId, a, b, {
      ua: this.deps.ua,
      media: this.deps.media,
      prompts: this.deps.prompts,
      record: tenant.voice.recordCalls,
      now: () => this.deps.sb.now(),
      dialing: (d) => this.env.told.dialing(tenantId, d),
      dialEnded: (d) => this.env.told.dialEnded(tenantId, d),
      changed: () => this.env.told.linesChanged(tenantId),
      finished: (file, record) => {
        this.placed.delete(key)
        occupy(false)
        return (file ? keepRecording(this.env.hostDeps, tenantId, callId, file) : Promise.resolve()).then(
          () => this.env.told.placedCallFinished(record),
        )
      },
      log: (msg, err) => this.deps.log.warn({ err, tenantId }, msg),
    })
    this.placed.set(key, call)
    // While on a placed call, its agents get no routed calls.
    occupy(true)
    try {
      await call.start()
    } catch (e) {
      this.placed.delete(key)
      occupy(false)
      throw e
    }
    return { callId }
  }

  /** A number called out through the trunk: the first one (outbound routes are not configurable yet). */
  private outbound(trunks: readonly Trunk[], number: string, calledBy: string): PlacedLeg {
    const trunk = trunks[0]
    if (!trunk)
      throw new DomainError(
        'VALIDATION_FAILED',
        `${number} is no extension, and there is no trunk to call out through`,
      )
    const host = trunk.host.includes(':') ? `[${trunk.host}]` : trunk.host
    return {
      number,
      agentId: null,
      external: true,
      calledBy,
      phone: {
        uri: `sip:${number}@${host}:${trunk.port}`,
        to: { transport: trunk.transport, host: trunk.host, port: trunk.port },
        toHeader: `<sip:${number}@${host}>`,
        media: 'rtp',
      },
    }
  }

  /** Rings `spy`'s phone to hear the call `call` that `target` talks on. */
  async listenIn(
    tenantId: string,
    spy: string,
    target: string,
    call: VoiceCall,
    mode: ListenMode,
  ): Promise<void> {
    const tenant = this.env.directory().tenant(tenantId)
    const agentId = this.env.directory().extension(tenantId, spy)?.agentId
    const phone = tenant && agentId ? this.env.phoneOf(tenant, agentId) : undefined
    const tags = call.talkingTags()
    if (!phone) throw new DomainError('AGENT_NOT_AVAILABLE', `extension ${spy} is not registered`)
    if (!tags) throw new DomainError('CONTACT_NOT_FOUND', `extension ${target} is not talking on a call`)
    const key = callKey(tenantId, call.contactId)
    const set = this.listeners.get(key) ?? new Set<ListenIn>()
    this.listeners.set(key, set)
    const listener = new ListenIn(
      {
        ua: this.deps.ua,
        media: this.deps.media,
        mixer: this.deps.mixer,
        log: (msg, err) => this.deps.log.warn({ err, tenantId }, msg),
      },
      call.contactId,
      spy,
      () => {
        set.delete(listener)
        if (set.size === 0) this.listeners.delete(key)
        this.env.told.linesChanged(tenantId)
      },
    )
    set.add(listener)
    try {
      await listener.start(tags, phone, `"Listen ${target}" <sip:${target}@${phone.to.host}>`, mode, call)
    } catch (e) {
      await listener.stop()
      throw e
    }
    this.env.told.linesChanged(tenantId)
  }
}

const callKey = (tenantId: string, callId: string): string => `${tenantId}\u0000${callId}`
