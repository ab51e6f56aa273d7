import type { AgentChannelState } from './agent.js'
import { queueStats } from './availability.js'
import type { QueueStats } from './availability.js'
import type { Channel } from './channel.js'
import type { ContactState } from './contact.js'
import type { RouterState } from './routing/router-state.js'

/** The floor as a supervisor watches it: every queue, every agent, every contact in progress. */
export interface FloorSnapshot {
  readonly at: number
  readonly queues: readonly (QueueStats & {
    readonly name: string
    readonly channel: Channel
    readonly answeredToday: number
    readonly abandonedToday: number
  })[]
  readonly agents: readonly {
    readonly id: string
    readonly name: string
    readonly channels: readonly AgentChannelState[]
    readonly contacts: readonly string[]
  }[]
  readonly contacts: readonly {
    readonly id: string
    readonly channel: Channel
    readonly queueId: string
    readonly state: ContactState
    readonly customerName: string
    readonly agentId: string | null
    /** Since it entered its current queue (waiting), or since it connected. */
    readonly since: number
    readonly enqueuedAt: number
  }[]
}

export function floorSnapshot(router: RouterState, now: number): FloorSnapshot {
  const contacts = [...router.contacts.values()].map((c) => ({
    id: c.id,
    channel: c.channel,
    queueId: c.queueId,
    state: c.state,
    customerName: c.customer.name,
    agentId: c.agentId ?? c.offer?.agentId ?? null,
    since: c.state === 'queued' || c.state === 'offered' ? c.queuedAt : (c.connectedAt ?? c.queuedAt),
    enqueuedAt: c.enqueuedAt,
  }))
  const byAgent = new Map<string, string[]>()
  for (const c of contacts) if (c.agentId) byAgent.set(c.agentId, [...(byAgent.get(c.agentId) ?? []), c.id])
  return {
    at: now,
    queues: [...router.queues.values()].flatMap((q) => {
      const stats = queueStats(router, q.config.id, now)
      const today = router.countToday(q, now)
      return stats
        ? [
            {
              ...stats,
              name: q.config.name,
              channel: q.config.channel,
              answeredToday: today.answered,
              abandonedToday: today.abandoned,
            },
          ]
        : []
    }),
    agents: [...router.pool.agents.values()].map((a) => ({
      id: a.profile.id,
      name: a.profile.name,
      channels: [...a.channels.values()],
      contacts: byAgent.get(a.profile.id) ?? [],
    })),
    contacts: contacts.sort((x, y) => x.enqueuedAt - y.enqueuedAt),
  }
}
