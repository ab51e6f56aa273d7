import type {
  Calendar,
  EntryPoint,
  QueueConfig,
  SkillGroup,
  Strategy,
  TenantConfig,
} from '../tenant-config.js'
import { compileMasks } from '../masking.js'

export interface GroupUse {
  readonly queueId: string
  /** Index of the first tier of the queue that names this group. */
  readonly tier: number
  readonly afterSeconds: number
}

/** Read-only lookups over one tenant's configuration, built once per config version. */
export class TenantModel {
  readonly timeZone: string
  readonly queueConfigs = new Map<string, QueueConfig>()
  readonly groups = new Map<string, SkillGroup>()
  readonly entryPoints = new Map<string, EntryPoint>()
  readonly calendars = new Map<string, Calendar>()
  readonly strategiesByGroup = new Map<string, Set<Strategy>>()
  /** Masking expressions per entry point, compiled once. */
  readonly masks = new Map<string, RegExp[]>()
  private readonly usesOfGroup = new Map<string, GroupUse[]>()
  private readonly groupsOfQueue = new Map<string, string[]>()

  constructor(readonly config: TenantConfig) {
    this.timeZone = config.timeZone
    for (const g of config.skillGroups) this.groups.set(g.id, g)
    for (const e of config.entryPoints) {
      this.entryPoints.set(e.id, e)
      this.masks.set(e.id, compileMasks(e.chat.maskingPatterns))
    }
    for (const c of config.calendars) this.calendars.set(c.id, c)
    for (const q of config.queues) {
      this.queueConfigs.set(q.id, q)
      const all: string[] = []
      q.tiers.forEach((tier, index) => {
        for (const gid of tier.skillGroups) {
          if (!all.includes(gid)) all.push(gid)
          const uses = this.usesOfGroup.get(gid) ?? []
          if (!uses.some((u) => u.queueId === q.id))
            uses.push({ queueId: q.id, tier: index, afterSeconds: tier.afterSeconds })
          this.usesOfGroup.set(gid, uses)
          const strategies = this.strategiesByGroup.get(gid) ?? new Set<Strategy>()
          strategies.add(q.strategy)
          this.strategiesByGroup.set(gid, strategies)
        }
      })
      this.groupsOfQueue.set(q.id, all)
    }
  }

  /** Queues that a skill group serves, with the tier at which it joins each. */
  queuesOfGroup(groupId: string): readonly GroupUse[] {
    return this.usesOfGroup.get(groupId) ?? []
  }

  /** Every skill group of a queue, over all tiers: availability is counted over these. */
  groupsOf(queueId: string): readonly string[] {
    return this.groupsOfQueue.get(queueId) ?? []
  }
}
