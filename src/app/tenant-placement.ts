import type { EventBus, Lease, TenantOwnership } from './cluster-ports.js'
import { CLUSTER_WIDE } from './cluster-ports.js'
import type { Clock, Scheduler } from './ports.js'

export interface PlacementDeps {
  readonly nodeId: string
  readonly ownership: TenantOwnership
  readonly bus: EventBus
  readonly clock: Clock
  readonly scheduler: Scheduler
  /** How long a lease runs without renewal: a dead node's tenants move after this. */
  readonly leaseMs: number
  /** Every tenant of the cluster (the stored configurations). */
  readonly tenants: () => readonly string[]
  /** This node took the tenant: start its router, fenced by the lease's epoch. */
  readonly gained: (lease: Lease) => Promise<void>
  /** This node gave the tenant up or lost it: stop its router (commands accepted are stored first). */
  readonly lost: (tenantId: string) => Promise<void>
  readonly onError?: (error: unknown, tenantId?: string) => void
}

const SUBJECT = 'nodes'

type NodeNews = { readonly nodeId: string; readonly leaving?: boolean; readonly released?: boolean }

/**
 * Which tenants this node runs. Every round (a third of the lease) it renews its leases, says it
 * is alive, and takes free tenants up to its fair share (tenants ÷ live nodes, the remainder to
 * the first nodes by id); above it, it hands tenants back so a node that joined gets its share. On stop it hands every tenant
 * back at once, and says so, so the others take them without waiting for the leases to run out.
 */
export class TenantPlacement {
  private readonly held = new Map<string, Lease>()
  private readonly peers = new Map<string, number>()
  private cancelRound: (() => void) | undefined
  private unsubscribe: (() => void) | undefined
  private running: Promise<void> | undefined
  private again = false
  private stopped = false

  constructor(private readonly deps: PlacementDeps) {}

  /** Resolves after the first round: this node runs its first share of tenants. */
  async start(): Promise<void> {
    this.unsubscribe = this.deps.bus.subscribe(CLUSTER_WIDE, SUBJECT, (m) =>
      this.heard(m.payload as NodeNews),
    )
    await this.deps.bus.flush()
    await this.round()
  }

  /** The tenants this node holds now, with their leases. */
  leases(): Lease[] {
    return [...this.held.values()]
  }

  /** This node and the peers heard from within a lease: what limits shared by the cluster divide by. */
  liveNodes(): number {
    return this.peers.size + 1
  }

  /** The other nodes heard from within a lease. */
  peerIds(): string[] {
    return [...this.peers.keys()]
  }

  owns(tenantId: string): boolean {
    return this.held.has(tenantId)
  }

  /** The store refused this node's write for the tenant: another node has it. */
  fenced(tenantId: string): void {
    if (!this.held.delete(tenantId)) return
    void this.deps.lost(tenantId).catch((e: unknown) => this.deps.onError?.(e, tenantId))
  }

  /** Runs a round now (a peer left, joined, or handed tenants back), or right after the current one. */
  round(): Promise<void> {
    if (this.stopped) return Promise.resolve()
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = this.once()
      .catch((e: unknown) => this.deps.onError?.(e))
      .finally(() => {
        this.running = undefined
        if (this.stopped) return
        if (this.again) {
          this.again = false
          void this.round()
        } else this.schedule()
      })
    return this.running
  }

  private schedule(): void {
    this.cancelRound?.()
    this.cancelRound = this.deps.scheduler.wakeAt(this.deps.clock.now() + this.deps.leaseMs / 3, () => {
      this.cancelRound = undefined
      void this.round()
    })
  }

  private heard(news: NodeNews): void {
    if (news.nodeId === this.deps.nodeId) return
    const known = this.peers.has(news.nodeId)
    if (news.leaving) this.peers.delete(news.nodeId)
    else this.peers.set(news.nodeId, this.deps.clock.now())
    // A node left or handed tenants back (they are free now), or joined (it wants its share):
    // act at once.
    if (news.leaving || news.released || !known) void this.round()
  }

  private async once(): Promise<void> {
    const { ownership, leaseMs, nodeId } = this.deps
    for (const [tenantId, lease] of this.held) {
      const renewed = await ownership.renew(lease, leaseMs)
      if (renewed) this.held.set(tenantId, renewed)
      else this.fenced(tenantId)
    }
    await this.deps.bus.publish(CLUSTER_WIDE, SUBJECT, { nodeId } satisfies NodeNews)
    const now = this.deps.clock.now()
    for (const [peer, seen] of this.peers) if (now - seen > leaseMs) this.peers.delete(peer)
    const tenants = [...this.deps.tenants()].sort()
    // Every node computes the same shares: the remainder goes to the first nodes by id.
    const live = [...this.peers.keys(), nodeId].sort()
    const share =
      Math.floor(tenants.length / live.length) + (live.indexOf(nodeId) < tenants.length % live.length ? 1 : 0)
    // Above the share: hand back the last ones (by id), each stopped before its lease is released.
    const extra = [...this.held.keys()].sort().slice(share).reverse()
    for (const tenantId of extra) await this.handBack(tenantId)
    if (extra.length > 0)
      await this.deps.bus.publish(CLUSTER_WIDE, SUBJECT, { nodeId, released: true } satisfies NodeNews)
    if (this.held.size >= share) return
    const taken = new Set((await ownership.holders()).map((l) => l.tenantId))
    for (const tenantId of tenants) {
      if (this.held.size >= share || this.stopped) break
      if (taken.has(tenantId) || this.held.has(tenantId)) continue
      const lease = await ownership.acquire(tenantId, nodeId, leaseMs)
      if (!lease) continue
      this.held.set(tenantId, lease)
      try {
        await this.deps.gained(lease)
      } catch (e) {
        this.deps.onError?.(e, tenantId)
        this.held.delete(tenantId)
        await ownership.release(lease)
      }
    }
  }

  private async handBack(tenantId: string): Promise<void> {
    const lease = this.held.get(tenantId)
    if (!lease) return
    this.held.delete(tenantId)
    await this.deps.lost(tenantId)
    await this.deps.ownership.release(lease)
  }

  /** Hands every tenant back (stopped, then released) and tells the others. */
  async stop(): Promise<void> {
    this.stopped = true
    this.cancelRound?.()
    await this.running
    this.unsubscribe?.()
    for (const tenantId of [...this.held.keys()]) await this.handBack(tenantId)
    await this.deps.bus.publish(CLUSTER_WIDE, SUBJECT, {
      nodeId: this.deps.nodeId,
      leaving: true,
    } satisfies NodeNews)
    await this.deps.bus.flush()
  }
}
