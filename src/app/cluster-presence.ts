import type { EventBus } from './cluster-ports.js'
import type { Clock, Scheduler } from './ports.js'

/** What Presence asks of a cluster: agents' streams may be held by other nodes. */
export interface PresenceShare {
  /** This node now holds `streams` of the agent's streams. */
  said(tenantId: string, agentId: string, streams: number): void
  /** How many of the agent's streams other live nodes hold. */
  elsewhere(tenantId: string, agentId: string): number
}

type Entry = readonly [tenantId: string, agentId: string, streams: number]
type PresenceMessage = { readonly from: string; readonly full: boolean; readonly streams: readonly Entry[] }

const CLUSTER = ''
const SUBJECT = 'presence'
/** Each node says all the streams it holds this often: a node that just started learns them. */
const SNAPSHOT_EVERY_MS = 5_000
/** A node not heard from for this long is gone, and so are its streams. */
const GONE_AFTER_MS = 3 * SNAPSHOT_EVERY_MS

const keyOf = (tenantId: string, agentId: string): string => `${tenantId}\u0000${agentId}`

/**
 * Which node holds which agent's streams (WebSockets, waiting long-polls), told over the bus: a
 * stream that closed on one node does not make an agent away while it holds another on a second.
 * A node that dies takes its streams with it; `orphaned` says whose last stream that was.
 */
export class ClusterPresence implements PresenceShare {
  private readonly mine = new Map<string, Entry>()
  private readonly theirs = new Map<string, { at: number; streams: Map<string, number> }>()
  private cancel: (() => void) | undefined
  private unsubscribe: (() => void) | undefined

  constructor(
    private readonly deps: {
      readonly bus: EventBus
      readonly nodeId: string
      readonly clock: Clock
      readonly scheduler: Scheduler
      readonly orphaned: (tenantId: string, agentId: string) => void
    },
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = this.deps.bus.subscribe(CLUSTER, SUBJECT, (m) =>
      this.heard(m.payload as PresenceMessage),
    )
    await this.deps.bus.flush()
    this.tick()
  }

  stop(): void {
    this.cancel?.()
    this.unsubscribe?.()
  }

  said(tenantId: string, agentId: string, streams: number): void {
    const entry: Entry = [tenantId, agentId, streams]
    if (streams > 0) this.mine.set(keyOf(tenantId, agentId), entry)
    else this.mine.delete(keyOf(tenantId, agentId))
    this.publish(false, [entry])
  }

  elsewhere(tenantId: string, agentId: string): number {
    const key = keyOf(tenantId, agentId)
    let n = 0
    for (const node of this.theirs.values()) n += node.streams.get(key) ?? 0
    return n
  }

  private heard(msg: PresenceMessage): void {
    if (msg.from === this.deps.nodeId) return
    const node = this.theirs.get(msg.from) ?? { at: 0, streams: new Map<string, number>() }
    this.theirs.set(msg.from, node)
    node.at = this.deps.clock.now()
    if (msg.full) node.streams.clear()
    for (const [tenantId, agentId, streams] of msg.streams)
      if (streams > 0) node.streams.set(keyOf(tenantId, agentId), streams)
      else node.streams.delete(keyOf(tenantId, agentId))
  }

  private tick(): void {
    this.publish(true, [...this.mine.values()])
    const now = this.deps.clock.now()
    for (const [id, node] of this.theirs) {
      if (now - node.at <= GONE_AFTER_MS) continue
      this.theirs.delete(id)
      for (const key of node.streams.keys()) {
        const [tenantId = '', agentId = ''] = key.split('\u0000')
        if (this.elsewhere(tenantId, agentId) === 0) this.deps.orphaned(tenantId, agentId)
      }
    }
    this.cancel = this.deps.scheduler.wakeAt(now + SNAPSHOT_EVERY_MS, () => this.tick())
  }

  private publish(full: boolean, streams: readonly Entry[]): void {
    const msg: PresenceMessage = { from: this.deps.nodeId, full, streams }
    this.deps.bus.publish(CLUSTER, SUBJECT, msg).catch(() => undefined) // the next snapshot says it again
  }
}
