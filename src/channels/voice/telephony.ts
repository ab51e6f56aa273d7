import type { HintStatus, ListenMode, LiveChannel, PhoneStatus, Telephony } from '../../app/voice-ports.js'
import { HINT } from '../../app/voice-ports.js'
import type { Switchboard } from '../../app/switchboard.js'
import type { Survey } from '../../app/node-survey.js'
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

/** What one node holds of a tenant's lines: its calls' channels and the extensions busy in them. */
export interface NodeLines {
  readonly channels: readonly LiveChannel[]
  /** Extensions ringing, talking or on hold in this node's calls (or listening in). */
  readonly busy: readonly (readonly [extension: string, hint: HintStatus])[]
  /** How fast the phones registered through this node answer (ms; null: no answer), once asked. */
  readonly latency: readonly (readonly [extension: string, ms: number | null])[]
}

/** What one node is asked of a tenant's lines; a command is carried out where its call is. */
export type LineQuestion =
  | { readonly kind: 'lines'; readonly tenantId: string }
  | { readonly kind: 'hangUp'; readonly tenantId: string; readonly extension: string }
  | { readonly kind: 'transfer'; readonly tenantId: string; readonly from: string; readonly to: string }
  | {
      readonly kind: 'listenIn'
      readonly tenantId: string
      readonly spy: string
      readonly target: string
      readonly mode: ListenMode
    }

/** A node's answer: its lines, or whether it held the call the command was for. */
export type LineAnswer = NodeLines | { readonly done: boolean }

/**
 * The voice channel as a PBX shows and drives it: extensions, their states, live channels. A
 * call's dialog and media stay on the node it arrived at, so in a cluster every node is asked
 * (`survey`): the views merge their answers, and a command is carried out by the node that holds
 * the call.
 */
export class VoiceTelephony implements Telephony {
  private readonly nodes: Survey<LineQuestion, LineAnswer>

  constructor(private readonly deps: TelephonyDeps) {
    this.nodes = deps.sb.survey<LineQuestion, LineAnswer>('pbx-lines', (q) => this.here(q))
  }

  stop(): void {
    this.nodes.stop()
  }

  async phones(tenantId: string): Promise<PhoneStatus[]> {
    const [answers, unavailable] = await Promise.all([
      this.nodes.ask({ kind: 'lines', tenantId }) as Promise<NodeLines[]>,
      this.unavailable(tenantId),
    ])
    const busy = new Map<string, HintStatus>()
    const latency = new Map<string, number | null>()
    for (const a of answers) {
      for (const [x, hint] of a.busy) busy.set(x, stronger(busy.get(x), hint))
      for (const [x, ms] of a.latency) latency.set(x, ms)
    }
    return (this.deps.directory().tenant(tenantId)?.voice.extensions ?? []).map((x) => {
      const b = this.deps.registrar.binding(tenantId, x.number)
      const rest = !b ? HINT.offline : unavailable.has(x.agentId) ? HINT.busy : HINT.idle
      return {
        extension: x.number,
        agentId: x.agentId,
        address: b ? b.source.host : null,
        latencyMs: b ? latency.get(x.number) : undefined,
        hint: busy.get(x.number) ?? rest,
      }
    })
  }

  async channels(tenantId: string): Promise<LiveChannel[]> {
    const answers = (await this.nodes.ask({ kind: 'lines', tenantId })) as NodeLines[]
    return answers.flatMap((a) => a.channels)
  }

  place(tenantId: string, from: string, to: string): Promise<{ callId: string }> {
    return this.deps.place(tenantId, from, to)
  }

  async hangUp(tenantId: string, extension: string): Promise<void> {
    this.agentOf(tenantId, extension)
    if (!(await this.somewhere({ kind: 'hangUp', tenantId, extension })))
      throw new DomainError('CONTACT_NOT_FOUND', `extension ${extension} is not in a call`)
  }

  async transfer(tenantId: string, from: string, to: string): Promise<void> {
    this.agentOf(tenantId, from)
    if (!(await this.somewhere({ kind: 'transfer', tenantId, from, to })))
      throw new DomainError('CONTACT_NOT_FOUND', `extension ${from} is not talking on a call`)
  }

  async listenIn(tenantId: string, spy: string, target: string, mode: ListenMode): Promise<void> {
    this.agentOf(tenantId, spy)
    this.agentOf(tenantId, target)
    if (spy === target) throw new DomainError('VALIDATION_FAILED', 'an extension cannot listen in on itself')
    if (!(await this.somewhere({ kind: 'listenIn', tenantId, spy, target, mode })))
      throw new DomainError('CONTACT_NOT_FOUND', `extension ${target} is not talking on a call`)
  }

  /** Every node is asked; the one holding the call carries the command out. */
  private async somewhere(q: Exclude<LineQuestion, { kind: 'lines' }>): Promise<boolean> {
    const answers = (await this.nodes.ask(q)) as { done: boolean }[]
    return answers.some((a) => a.done)
  }

  /** This node's part. */
  private async here(q: LineQuestion): Promise<LineAnswer> {
    switch (q.kind) {
      case 'lines':
        return this.linesHere(q.tenantId)
      case 'hangUp':
        return { done: this.hangUpHere(q.tenantId, q.extension) }
      case 'transfer':
        return { done: await this.transferHere(q.tenantId, q.from, q.to) }
      case 'listenIn':
        return { done: await this.listenInHere(q.tenantId, q.spy, q.target, q.mode) }
    }
  }

  private linesHere(tenantId: string): NodeLines {
    const lines = this.deps.calls(tenantId).map((c) => c.lines())
    const busy = new Map(this.placedStates(tenantId))
    for (const x of this.deps.listening(tenantId)) busy.set(x, HINT.inUse)
    for (const { agent } of lines) {
      const x = agent && this.deps.directory().extensionOf(tenantId, agent.agentId)?.number
      if (x && !busy.has(x)) busy.set(x, lineHint(agent))
    }
    return {
      channels: [...this.routedChannels(tenantId), ...this.placedChannels(tenantId)],
      busy: [...busy],
      latency: this.deps.registrar.here(tenantId).flatMap((b) => {
        const ms = this.deps.qualifier.of(tenantId, b.extension)
        return ms === undefined ? [] : [[b.extension, ms] as const]
      }),
    }
  }

  /**
   * The router's word on each agent: a phone at rest whose agent gets no call now is busy. While
   * the tenant changes owner nobody answers: the phones show at rest.
   */
  private async unavailable(tenantId: string): Promise<Set<string>> {
    const out = new Set<string>()
    try {
      for (const a of await this.deps.sb.tenant(tenantId).ask({ type: 'agents' }))
        if (a.channels.voice && signedInUnavailable(a.channels.voice)) out.add(a.profile.id)
    } catch {
      // SERVICE_NOT_RUNNING, for a moment
    }
    return out
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

  private hangUpHere(tenantId: string, extension: string): boolean {
    const placed = this.deps
      .placed(tenantId)
      .find((c) => c.from.number === extension || c.to.number === extension)
    if (placed) {
      void placed.hangUp()
      return true
    }
    const agentId = this.agentOf(tenantId, extension)
    const call = this.callOf(tenantId, agentId)
    if (!call) return false
    call.hangUpAgent(agentId)
    return true
  }

  private async transferHere(tenantId: string, from: string, to: string): Promise<boolean> {
    const agentId = this.agentOf(tenantId, from)
    const call = this.callOf(tenantId, agentId)
    if (call?.lines().agent?.state !== 'up') return false
    if (!(await call.transferFrom(agentId, to)))
      throw new DomainError(
        'CONTACT_STATE_CONFLICT',
        `the call of ${from} could not go to ${to}: not an extension, access number or queue number, or the call moved on`,
      )
    return true
  }

  private async listenInHere(
    tenantId: string,
    spy: string,
    target: string,
    mode: ListenMode,
  ): Promise<boolean> {
    const call = this.callOf(tenantId, this.agentOf(tenantId, target))
    if (call?.lines().agent?.state !== 'up') return false
    await this.deps.listenIn(tenantId, spy, target, call, mode)
    return true
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

/** What an agent's phone does in a call: ringing, talking, or holding the caller (004's codes). */
function lineHint(agent: NonNullable<CallLines['agent']>): HintStatus {
  if (agent.state === 'ringing') return HINT.ringing
  return agent.held ? HINT.onHold : HINT.inUse
}

/** Two nodes' word on one extension: talking outweighs holding, holding outweighs ringing. */
function stronger(a: HintStatus | undefined, b: HintStatus): HintStatus {
  const weight = (h: HintStatus | undefined) =>
    h === HINT.inUse ? 3 : h === HINT.onHold ? 2 : h === HINT.ringing ? 1 : 0
  return weight(a) >= weight(b) ? (a as HintStatus) : b
}
