import type { AgentChannelState } from '../agent.js'
import { isRoutable } from '../agent.js'
import type { Channel } from '../channel.js'
import type { AgentProfile, SkillGroup, Strategy } from '../tenant-config.js'
import type { SortKey } from './sorted-index.js'
import { SortedIndex } from './sorted-index.js'

export interface Membership {
  readonly groupId: string
  readonly proficiency: number
}

export interface PooledAgent {
  readonly profile: AgentProfile
  readonly channels: Map<Channel, AgentChannelState>
  readonly memberships: ReadonlyMap<Channel, readonly Membership[]>
}

interface GroupPool {
  readonly group: SkillGroup
  /** Ready and routable members, busy or not: "someone is there to serve". */
  readonly ready: Set<string>
  /** Members that can take a new contact now, ordered per strategy in use on this group. */
  readonly indexes: Map<Strategy, SortedIndex>
}

export interface Candidate {
  readonly agentId: string
  readonly key: SortKey
}

function strategyKey(strategy: Strategy, s: AgentChannelState, proficiency: number): SortKey {
  switch (strategy) {
    case 'longest_available':
      return [s.lastActivityAt]
    case 'least_occupied':
      return [s.activeTasks / Math.max(1, s.maxTasks), s.lastActivityAt]
    case 'most_proficient':
      return [-proficiency, s.lastActivityAt]
    case 'fewest_handled':
      return [s.handled, s.lastActivityAt]
    case 'round_robin':
      return []
  }
}

/**
 * Agents, their per-channel states and the per-skill-group indexes that make "best free agent
 * for this tier" a look at the head of a few sorted arrays instead of a scan over all agents.
 */
export class AgentPool {
  readonly agents = new Map<string, PooledAgent>()
  private readonly groups = new Map<string, GroupPool>()

  constructor(
    profiles: readonly AgentProfile[],
    skillGroups: readonly SkillGroup[],
    strategiesByGroup: ReadonlyMap<string, ReadonlySet<Strategy>>,
    initial: (profile: AgentProfile, channel: Channel) => AgentChannelState,
  ) {
    const memberships = new Map<string, Map<Channel, Membership[]>>()
    for (const g of skillGroups) {
      const indexes = new Map<Strategy, SortedIndex>()
      for (const s of strategiesByGroup.get(g.id) ?? []) indexes.set(s, new SortedIndex())
      this.groups.set(g.id, { group: g, ready: new Set(), indexes })
      for (const [agentId, proficiency] of Object.entries(g.members)) {
        let byChannel = memberships.get(agentId)
        if (!byChannel) memberships.set(agentId, (byChannel = new Map<Channel, Membership[]>()))
        const list = byChannel.get(g.channel) ?? []
        list.push({ groupId: g.id, proficiency })
        byChannel.set(g.channel, list)
      }
    }
    for (const profile of profiles) {
      const channels = new Map<Channel, AgentChannelState>()
      for (const channel of Object.keys(profile.channels) as Channel[])
        channels.set(channel, initial(profile, channel))
      this.agents.set(profile.id, {
        profile,
        channels,
        memberships: memberships.get(profile.id) ?? new Map<Channel, Membership[]>(),
      })
    }
  }

  /** Free for a new contact on this channel: ready, responding, below max, not held by an exclusive task. */
  canTakeNew(agent: PooledAgent, channel: Channel): boolean {
    const s = agent.channels.get(channel)
    if (!s || !isRoutable(s) || s.activeTasks >= s.maxTasks) return false
    for (const other of agent.channels.values()) {
      if (other.channel !== channel && other.exclusive && other.activeTasks > 0) return false
    }
    return true
  }

  /** Re-files an agent in every index after any change; returns the skill groups touched. */
  reindex(agent: PooledAgent): string[] {
    const touched: string[] = []
    for (const [channel, state] of agent.channels) {
      const free = this.canTakeNew(agent, channel)
      const ready = isRoutable(state)
      for (const m of agent.memberships.get(channel) ?? []) {
        const pool = this.groups.get(m.groupId)
        if (!pool) continue
        touched.push(m.groupId)
        if (ready) pool.ready.add(agent.profile.id)
        else pool.ready.delete(agent.profile.id)
        for (const [strategy, index] of pool.indexes) {
          if (free) index.upsert(agent.profile.id, strategyKey(strategy, state, m.proficiency))
          else index.remove(agent.profile.id)
        }
      }
    }
    return touched
  }

  /**
   * The best free agent in some skill groups by a strategy, skipping excluded agents; also the
   * leading candidates for the decision record.
   */
  pick(
    groupIds: readonly string[],
    strategy: Strategy,
    excluded: (agentId: string) => boolean,
    roundRobinAfter: string | null,
  ): { chosen: Candidate; candidates: Candidate[] } | undefined {
    const candidates: Candidate[] = []
    for (const gid of groupIds) {
      const index = this.groups.get(gid)?.indexes.get(strategy)
      if (!index) continue
      let taken = 0
      const start =
        strategy === 'round_robin' && roundRobinAfter !== null ? index.positionAfter([], roundRobinAfter) : 0
      const visit = (agentId: string, key: SortKey): boolean => {
        if (excluded(agentId) || candidates.some((c) => c.agentId === agentId)) return false
        candidates.push({ agentId, key })
        return ++taken >= 3
      }
      index.scanFrom(start, visit)
      // Round robin wraps around to the lowest id.
      if (strategy === 'round_robin' && taken === 0 && start > 0) index.scanFrom(0, visit)
    }
    if (candidates.length === 0) return undefined
    candidates.sort((a, b) => compareCandidates(a, b, strategy, roundRobinAfter))
    return { chosen: candidates[0] as Candidate, candidates: candidates.slice(0, 5) }
  }

  /** The head of a group's index: no comparison across groups, no exclusions. */
  firstFree(groupId: string, strategy: Strategy): string | undefined {
    return this.groups.get(groupId)?.indexes.get(strategy)?.first()
  }

  readyMembers(groupId: string): ReadonlySet<string> {
    return this.groups.get(groupId)?.ready ?? new Set()
  }
}

function compareCandidates(a: Candidate, b: Candidate, strategy: Strategy, rrAfter: string | null): number {
  if (strategy === 'round_robin') {
    // Ids after the last one served come first, in id order; then the wrapped-around ones.
    const aAfter = rrAfter === null || a.agentId > rrAfter ? 0 : 1
    const bAfter = rrAfter === null || b.agentId > rrAfter ? 0 : 1
    if (aAfter !== bAfter) return aAfter - bAfter
    return a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0
  }
  for (let i = 0; i < Math.min(a.key.length, b.key.length); i++) {
    const d = (a.key[i] as number) - (b.key[i] as number)
    if (d !== 0) return d
  }
  return a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0
}
