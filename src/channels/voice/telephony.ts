import type { HintStatus, ListenMode, LiveChannel, PhoneStatus, Telephony } from '../../app/voice-ports.js'
import { HINT } from '../../app/voice-ports.js'
import type { Switchboard } from '../../app/switchboard.js'
import type { Survey } from '../../app/node-survey.js'
import { signedInUnavailable } from '../../core/agent.js'
import { DomainError } from '../../core/errors.js'
import type { VoiceDirectory } from './directory.js'
import type { PhoneQualifier } from './qualify.js'
import type { Registrar } from './registrar.js'
import type { VoiceCall } from './voice-call.js'
import type { PlacedCall } from './placed-call.js'
import type { LineAnswer, LineQuestion, NodeLines } from './local-lines.js'
import { LocalLines } from './local-lines.js'

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

/**
 * The voice channel as a PBX shows and drives it: extensions, their states, live channels. A
 * call's dialog and media stay on the node it arrived at, so in a cluster every node is asked
 * (`survey`): the views merge their answers, and a command is carried out by the node that holds
 * the call.
 */
export class VoiceTelephony implements Telephony {
  private readonly nodes: Survey<LineQuestion, LineAnswer>
  private readonly local: LocalLines

  constructor(private readonly deps: TelephonyDeps) {
    this.local = new LocalLines(deps)
    this.nodes = deps.sb.survey<LineQuestion, LineAnswer>('pbx-lines', (q) => this.local.answer(q))
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
    this.local.agentOf(tenantId, extension)
    if (!(await this.somewhere({ kind: 'hangUp', tenantId, extension })))
      throw new DomainError('CONTACT_NOT_FOUND', `extension ${extension} is not in a call`)
  }

  async transfer(tenantId: string, from: string, to: string): Promise<void> {
    this.local.agentOf(tenantId, from)
    if (!(await this.somewhere({ kind: 'transfer', tenantId, from, to })))
      throw new DomainError('CONTACT_NOT_FOUND', `extension ${from} is not talking on a call`)
  }

  async listenIn(tenantId: string, spy: string, target: string, mode: ListenMode): Promise<void> {
    this.local.agentOf(tenantId, spy)
    this.local.agentOf(tenantId, target)
    if (spy === target) throw new DomainError('VALIDATION_FAILED', 'an extension cannot listen in on itself')
    if (!(await this.somewhere({ kind: 'listenIn', tenantId, spy, target, mode })))
      throw new DomainError('CONTACT_NOT_FOUND', `extension ${target} is not talking on a call`)
  }

  /** Every node is asked; the one holding the call carries the command out. */
  private async somewhere(q: Exclude<LineQuestion, { kind: 'lines' }>): Promise<boolean> {
    const answers = (await this.nodes.ask(q)) as { done: boolean }[]
    return answers.some((a) => a.done)
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
}

/** Two nodes' word on one extension: talking outweighs holding, holding outweighs ringing. */
function stronger(a: HintStatus | undefined, b: HintStatus): HintStatus {
  const weight = (h: HintStatus | undefined) =>
    h === HINT.inUse ? 3 : h === HINT.onHold ? 2 : h === HINT.ringing ? 1 : 0
  return weight(a) >= weight(b) ? (a as HintStatus) : b
}
