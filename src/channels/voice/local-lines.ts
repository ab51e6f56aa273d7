import type { HintStatus, ListenMode, LiveChannel } from '../../app/voice-ports.js'
import { HINT } from '../../app/voice-ports.js'
import { DomainError } from '../../core/errors.js'
import type { PlacedCall } from './placed-call.js'
import type { TelephonyDeps } from './telephony.js'
import type { CallLines, VoiceCall } from './voice-call.js'

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
 * What this node holds of a tenant's lines (a call's dialog and media stay on the node it arrived
 * at): its calls' channels, the extensions busy in them, and the commands on those calls.
 */
export class LocalLines {
  constructor(private readonly deps: TelephonyDeps) {}

  /** This node's answer to a question of the cluster's telephony. */
  async answer(q: LineQuestion): Promise<LineAnswer> {
    switch (q.kind) {
      case 'lines':
        return this.lines(q.tenantId)
      case 'hangUp':
        return { done: this.hangUpHere(q.tenantId, q.extension) }
      case 'transfer':
        return { done: await this.transferHere(q.tenantId, q.from, q.to) }
      case 'listenIn':
        return { done: await this.listenInHere(q.tenantId, q.spy, q.target, q.mode) }
    }
  }

  private lines(tenantId: string): NodeLines {
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

  /** The agent of an extension; an unknown extension is an error. */
  agentOf(tenantId: string, extension: string): string {
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
