import type { EventBus } from './cluster-ports.js'
import { CLUSTER_WIDE } from './cluster-ports.js'
import type { Clock, Scheduler } from './ports.js'

/** What Presence asks of a cluster: agents' streams may be held by other nodes. */
export interface PresenceShare {
  /** This node now holds `streams` of the agent's streams. */
  said(tenantId: string, agentId: string, streams: number): void
  /** How many of the agent's streams other live nodes hold. */
  elsewhere(tenantId: string, agentId: string): number
}

type Entry = readonly [tenantId: string, id: string, count: number]
type HoldingsMessage = { readonly from: string; readonly full: boolean; readonly held: readonly Entry[] }

/** Each node says all it holds this often: a node that just started learns it. */
const SNAPSHOT_EVERY_MS = 5_000
/** A node not heard from for this long is gone, and so is what it held. */
const GONE_AFTER_MS = 3 * SNAPSHOT_EVERY_MS

const keyOf = (tenantId: string, agentId: string): string => `${tenantId}\u0000${agentId}`

/**
 * What each node of a cluster holds, by tenant and id, told over the bus under `subject`: an
 * agent's streams (WebSockets, waiting long-polls: a stream that closed on one node does not make
 * the agent away while it holds another on a second), or calls (a new owner of a tenant ends
 * only the calls no node holds). A node that dies takes its holdings with it; `orphaned` says
 * what it held last.
 */
export class NodeHoldings implements PresenceShare {
  private readonly mine = new Map<string, Entry>()
  private readonly theirs = new Map<string, { at: number; held: Map<string, number> }>()
  private cancel: (() => void) | undefined
  private startedAt = Number.POSITIVE_INFINITY
  private unsubscribe: (() => void) | undefined

  constructor(
    private readonly deps: {
      readonly bus: EventBus
      readonly nodeId: string
      readonly subject: string
      readonly clock: Clock
      readonly scheduler: Scheduler
      readonly orphaned: (tenantId: string, agentId: string) => void
    },
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = this.deps.bus.subscribe(CLUSTER_WIDE, this.deps.subject, (m) =>
      this.heard(m.payload as HoldingsMessage),
    )
    await this.deps.bus.flush()
    this.startedAt = this.deps.clock.now()
    this.tick()
  }

  stop(): void {
    this.cancel?.()
    this.unsubscribe?.()
  }

  said(tenantId: string, id: string, count: number): void {
    const entry: Entry = [tenantId, id, count]
    if (count > 0) this.mine.set(keyOf(tenantId, id), entry)
    else this.mine.delete(keyOf(tenantId, id))
    this.publish(false, [entry])
  }

  elsewhere(tenantId: string, id: string): number {
    const key = keyOf(tenantId, id)
    let n = 0
    for (const node of this.theirs.values()) n += node.held.get(key) ?? 0
    return n
  }

  /** The ids of the tenant that other live nodes hold. */
  heldElsewhere(tenantId: string): string[] {
    const prefix = keyOf(tenantId, '')
    return [...this.theirs.values()].flatMap((node) =>
      [...node.held.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)),
    )
  }

  /** Every live node has said all it holds since this one started listening. */
  settled(): boolean {
    return this.deps.clock.now() - this.startedAt > SNAPSHOT_EVERY_MS
  }

  private heard(msg: HoldingsMessage): void {
    if (msg.from === this.deps.nodeId) return
    const node = this.theirs.get(msg.from) ?? { at: 0, held: new Map<string, number>() }
    this.theirs.set(msg.from, node)
    node.at = this.deps.clock.now()
    if (msg.full) node.held.clear()
    for (const [tenantId, id, count] of msg.held)
      if (count > 0) node.held.set(keyOf(tenantId, id), count)
      else node.held.delete(keyOf(tenantId, id))
  }

  private tick(): void {
    this.publish(true, [...this.mine.values()])
    const now = this.deps.clock.now()
    for (const [id, node] of this.theirs) {
      if (now - node.at <= GONE_AFTER_MS) continue
      this.theirs.delete(id)
      for (const key of node.held.keys()) {
        const [tenantId = '', id = ''] = key.split('\u0000')
        if (this.elsewhere(tenantId, id) === 0) this.deps.orphaned(tenantId, id)
      }
    }
    this.cancel = this.deps.scheduler.wakeAt(now + SNAPSHOT_EVERY_MS, () => this.tick())
  }

  private publish(full: boolean, held: readonly Entry[]): void {
    const msg: HoldingsMessage = { from: this.deps.nodeId, full, held }
    this.deps.bus.publish(CLUSTER_WIDE, this.deps.subject, msg).catch(() => undefined) // the next snapshot says it again
  }
}
