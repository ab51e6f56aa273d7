import type { LiveChannel, PhoneStatus } from '../../app/voice-ports.js'
import type { AgentStateKind } from '../../core/agent.js'
import type { QueueConfig, TenantConfig } from '../../core/tenant-config.js'
import { phoneChannel, shortId } from './events.js'

/** extension-status: Asterisk's `sip show peers` as 004 shows it. */
export function peerView(p: PhoneStatus) {
  return {
    Exten: p.extension,
    Type: 'SIP',
    IPAddr: p.address ?? '-none-',
    Status:
      p.address === null
        ? 'UNKNOWN'
        : p.latencyMs === undefined
          ? 'Unmonitored'
          : p.latencyMs === null
            ? 'UNREACHABLE'
            : `OK (${p.latencyMs} ms)`,
  }
}

/** extension-hints-status: one row per extension, its state as 004's code. */
export function hintView(p: PhoneStatus, agentName: string) {
  return { agentName, extension: p.extension, extenType: 'sipCallCenter', status: String(p.hint) }
}

/** current-calls: Asterisk's channel list; 6 is Up, 5 Ringing. */
export function channelView(c: LiveChannel, now: number) {
  return {
    calleridname: c.callerIdName,
    calleridnum: c.callerIdNum,
    channel:
      c.leg.kind === 'caller'
        ? `SIP/${c.leg.trunkId}-${shortId(c.contactId)}`
        : phoneChannel(c.leg.extension, c.leg.offerId),
    channelstate: c.up ? '6' : '5',
    channelstatedesc: c.up ? 'Up' : 'Ringing',
    connectedlinename: c.connectedName,
    connectedlinenum: c.connectedNum,
    duration: clock(now - c.since),
  }
}

function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  const two = (n: number) => String(n).padStart(2, '0')
  return `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`
}

/** An agent as a queue member: `sip/<extension>` when it has a phone. */
export function memberName(config: TenantConfig, agentId: string): string {
  const x = config.voice?.extensions.find((e) => e.agentId === agentId)
  return x ? `sip/${x.number}` : `agent/${agentId}`
}

/** The agents who serve a queue, each with the tier that brings it in (0 first): 004's penalty. */
export function queueMembers(config: TenantConfig, queue: QueueConfig): Map<string, number> {
  const groups = new Map(config.skillGroups.map((g) => [g.id, g]))
  const tierOf = new Map<string, number>()
  queue.tiers.forEach((tier, i) => {
    for (const g of tier.skillGroups)
      for (const agentId of Object.keys(groups.get(g)?.members ?? {}))
        if (!tierOf.has(agentId)) tierOf.set(agentId, i)
  })
  return tierOf
}

/**
 * queue-info: each voice queue by its number, with the agents signed in to the voice channel
 * who serve it. Paused: the router gives the agent no call while it is not in one (not ready,
 * not responding, its phone not registered, in the after-call pause). The penalty is the tier
 * that brings the agent in (0 first).
 */
export function queueInfoView(
  config: TenantConfig,
  voiceState: (agentId: string) => { readonly state: AgentStateKind; readonly paused: boolean } | undefined,
) {
  const data: Record<string, { name: string; paused: string; penalty: string }[]> = {}
  for (const q of config.queues) {
    const settings = config.voice?.queues[q.id]
    if (q.channel !== 'voice' || !settings) continue
    const penalty = queueMembers(config, q)
    data[settings.number] = [...penalty]
      .filter(([agentId]) => (voiceState(agentId)?.state ?? 'logged_out') !== 'logged_out')
      .sort(([a, x], [b, y]) => x - y || a.localeCompare(b))
      .map(([agentId, p]) => ({
        name: memberName(config, agentId),
        paused: voiceState(agentId)?.paused ? '1' : '0',
        penalty: String(p),
      }))
  }
  return data
}
