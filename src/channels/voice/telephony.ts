import type { HintStatus, ListenMode, LiveChannel, PhoneStatus, Telephony } from '../../app/voice-ports.js'
import { HINT } from '../../app/voice-ports.js'
import type { Switchboard } from '../../app/switchboard.js'
import { signedInUnavailable } from '../../core/agent.js'
import { DomainError } from '../../core/errors.js'
import type { VoiceDirectory } from './directory.js'
import type { PhoneQualifier } from './qualify.js'
import type { Registrar } from './registrar.js'
import type { CallLines, VoiceCall } from './voice-call.js'
import type { PlacedCall } from './placed-call.js'

export interface TelephonyDeps {
  readonly sb: Switchboard
  readonly directory: () => VoiceDirectory
  readonly registrar: Registrar
  readonly qualifier: PhoneQualifier
  /** The tenant's calls in progress. */
  readonly calls: (tenantId: string) => readonly VoiceCall[]
  /** Extensions listening in on a call now. */
  readonly listening: (tenantId: string) => ReadonlySet<string>
  readonly listenIn: (
    tenantId: string,
    spy: string,
    target: string,
    call: VoiceCall,
    mode: ListenMode,
  ) => Promise<void>
  /** Calls placed through the API, in progress. */
  readonly placed: (tenantId: string) => readonly PlacedCall[]
  readonly place: (tenantId: string, from: string, to: string) => Promise<{ callId: string }>
}

/** The voice channel as a PBX shows and drives it: extensions, their states, live channels. */
export class VoiceTelephony implements Telephony {
  constructor(private readonly deps: TelephonyDeps) {}

  phones(tenantId: string): PhoneStatus[] {
    const lines = this.deps.calls(tenantId).map((c) => c.lines())
    const listening = this.deps.listening(tenantId)
    const placed = this.placedStates(tenantId)
    // The router's word on each agent: a phone at rest whose agent gets no call now is busy.
    const unavailable = this.deps.sb.isRunning(tenantId)
      ? new Set(
          this.deps.sb
            .runtime(tenantId)
            .query({ type: 'agents' })
            .filter((a) => a.channels.voice && signedInUnavailable(a.channels.voice))
            .map((a) => a.profile.id),
        )
      : new Set<string>()
    return (this.deps.directory().tenant(tenantId)?.voice.extensions ?? []).map((x) => {
      const b = this.deps.registrar.binding(tenantId, x.number)
      return {
        extension: x.number,
        agentId: x.agentId,
        address: b ? b.source.host : null,
        latencyMs: b ? this.deps.qualifier.of(tenantId, x.number) : undefined,
        hint: listening.has(x.number)
          ? HINT.inUse
          : (placed.get(x.number) ?? hintOf(lines, x.agentId, b !== undefined, unavailable.has(x.agentId))),
      }
    })
  }

  channels(tenantId: string): LiveChannel[] {
    return [...this.routedChannels(tenantId), ...this.placedChannels(tenantId)]
  }

  /** A placed call's sides: each while it rings or talks. */
  private placedChannels(tenantId: string): LiveChannel[] {
    return this.deps.placed(tenantId).flatMap((c) => {
      const s = c.state()
      const side = (
        me: PlacedCall['from'],
        other: PlacedCall['from'],
        state: 'ringing' | 'up' | 'idle',
      ): LiveChannel[] =>
        state === 'idle'
          ? []
          : [
              {
                leg: { kind: 'phone', extension: me.number, offerId: c.callId },
                callerIdNum: me.number,
                callerIdName: me.number,
                connectedNum: other.number,
                connectedName: other.number,
                up: state === 'up',
                since: c.startedAt,
                contactId: c.callId,
              },
            ]
      return [...side(c.from, c.to, s.from), ...side(c.to, c.from, s.to)]
    })
  }

  private routedChannels(tenantId: string): LiveChannel[] {
    const names = this.agentNames(tenantId)
    const ext = (agentId: string) => this.deps.directory().extensionOf(tenantId, agentId)?.number ?? agentId
    return this.deps.calls(tenantId).flatMap((call) => {
      const l = call.lines()
      const a = l.agent
      const callerChannel: LiveChannel = {
        leg: { kind: 'caller', trunkId: l.caller.trunkId },
        callerIdNum: l.caller.number,
        callerIdName: l.caller.name,
        connectedNum: a ? ext(a.agentId) : l.caller.dialled,
        connectedName: a ? (names.get(a.agentId) ?? '') : '',
        up: true,
        since: l.startedAt,
        contactId: l.contactId,
      }
      if (!a) return [callerChannel]
      return [
        callerChannel,
        {
          leg: { kind: 'phone', extension: ext(a.agentId), offerId: a.offerId },
          callerIdNum: ext(a.agentId),
          callerIdName: names.get(a.agentId) ?? '',
          connectedNum: l.caller.number,
          connectedName: l.caller.name,
          up: a.state === 'up',
          since: a.since,
          contactId: l.contactId,
        },
      ]
    })
  }

  place(tenantId: string, from: string, to: string): Promise<{ callId: string }> {
    return this.deps.place(tenantId, from, to)
  }

  hangUp(tenantId: string, extension: string): void {
    const placed = this.deps
      .placed(tenantId)
      .find((c) => c.from.number === extension || c.to.number === extension)
    if (placed) return void placed.hangUp()
    const agentId = this.agentOf(tenantId, extension)
    const call = this.callOf(tenantId, agentId)
    if (!call) throw new DomainError('CONTACT_NOT_FOUND', `extension ${extension} is not in a call`)
    call.hangUpAgent(agentId)
  }

  async transfer(tenantId: string, from: string, to: string): Promise<void> {
    const agentId = this.agentOf(tenantId, from)
    const call = this.callOf(tenantId, agentId)
    if (call?.lines().agent?.state !== 'up')
      throw new DomainError('CONTACT_NOT_FOUND', `extension ${from} is not talking on a call`)
    if (!(await call.transferFrom(agentId, to)))
      throw new DomainError(
        'CONTACT_STATE_CONFLICT',
        `the call of ${from} could not go to ${to}: not an extension, access number or queue number, or the call moved on`,
      )
  }

  async listenIn(tenantId: string, spy: string, target: string, mode: ListenMode): Promise<void> {
    this.agentOf(tenantId, spy)
    const call = this.callOf(tenantId, this.agentOf(tenantId, target))
    if (call?.lines().agent?.state !== 'up')
      throw new DomainError('CONTACT_NOT_FOUND', `extension ${target} is not talking on a call`)
    if (spy === target) throw new DomainError('VALIDATION_FAILED', 'an extension cannot listen in on itself')
    await this.deps.listenIn(tenantId, spy, target, call, mode)
  }

  /** Each extension in a placed call, and whether it rings or talks. */
  private placedStates(tenantId: string): Map<string, HintStatus> {
    const out = new Map<string, HintStatus>()
    for (const c of this.deps.placed(tenantId)) {
      const s = c.state()
      if (!c.from.external && s.from !== 'idle')
        out.set(c.from.number, s.from === 'up' ? HINT.inUse : HINT.ringing)
      if (!c.to.external && s.to !== 'idle') out.set(c.to.number, s.to === 'up' ? HINT.inUse : HINT.ringing)
    }
    return out
  }

  private agentOf(tenantId: string, extension: string): string {
    const x = this.deps.directory().extension(tenantId, extension)
    if (!x) throw new DomainError('AGENT_NOT_FOUND', `no extension ${extension}`)
    return x.agentId
  }

  private callOf(tenantId: string, agentId: string): VoiceCall | undefined {
    return this.deps.calls(tenantId).find((c) => c.lines().agent?.agentId === agentId)
  }

  private agentNames(tenantId: string): Map<string, string> {
    return new Map(this.deps.sb.storedConfig(tenantId).config.agents.map((a) => [a.id, a.name]))
  }
}

/**
 * What an extension's phone is doing, as 004's status codes say it. A registered phone at rest
 * is busy (2) while its agent is signed in but given no call (paused, not responding, after-call
 * pause): the call center would refuse or queue a caller for it, so it is not idle.
 */
export function hintOf(
  lines: readonly CallLines[],
  agentId: string,
  registered: boolean,
  unavailable = false,
): HintStatus {
  const a = lines.find((l) => l.agent?.agentId === agentId)?.agent
  if (a?.state === 'ringing') return HINT.ringing
  if (a?.state === 'up') return a.held ? HINT.onHold : HINT.inUse
  if (!registered) return HINT.offline
  return unavailable ? HINT.busy : HINT.idle
}
