import type { EntryPointStatus } from '../core/availability.js'
import { ClusterFeed } from './cluster-feed.js'
import type { EventBus, Lease, TenantOwnership } from './cluster-ports.js'
import { CLUSTER_WIDE } from './cluster-ports.js'
import type { EventFeed } from './event-feed.js'
import type { Clock, Fence, Scheduler } from './ports.js'
import { RemoteTenant, serveTenant } from './remote-tenant.js'
import type { RuntimeDeps, TenantRuntime } from './tenant-runtime.js'
import { TenantPlacement } from './tenant-placement.js'
import type { TypingBoard } from './typing.js'
import { NodeHoldings } from './node-holdings.js'
import type { Survey } from './node-survey.js'
import { survey } from './node-survey.js'
import type { Presence } from './presence.js'

export interface ClusterDeps {
  readonly nodeId: string
  readonly ownership: TenantOwnership
  readonly bus: EventBus
  readonly leaseMs: number
  readonly onError?: (error: unknown, tenantId?: string) => void
}

/** What the node needs of the server it is part of (the Switchboard). */
export interface NodeHost {
  readonly feed: EventFeed
  readonly typing: TypingBoard
  presence(): Presence
  readonly clock: Clock
  readonly scheduler: Scheduler
  /** Every tenant stored. */
  tenants(): readonly string[]
  /** Starts the tenant's router here with these additions to its dependencies. */
  startRouter(
    tenantId: string,
    extra: Pick<RuntimeDeps, 'feed' | 'fence' | 'onFenced'>,
  ): Promise<TenantRuntime>
  /** Stops the tenant's router here (what it accepted is stored first). */
  stopRouter(tenantId: string): Promise<void>
  /** Another node stored this version of the tenant's configuration. */
  reload(tenantId: string, version: number): Promise<void>
}

/**
 * This server as a node of a cluster (docs/scaling.md): which tenants it runs (placement), how
 * the routers it runs serve the other nodes (commands, events, statuses), and how it reaches the
 * routers the others run.
 */
export class ClusterNode {
  private readonly placement: TenantPlacement
  private readonly feed: ClusterFeed
  private readonly presence: NodeHoldings
  private readonly serving = new Map<string, () => void>()
  private readonly remotes = new Map<string, RemoteTenant>()
  private readonly reloading = new Map<string, Promise<void>>()
  /** What to stop with the node: its broadcasts, holdings and surveys. */
  private readonly stops: (() => void)[] = []

  constructor(
    private readonly deps: ClusterDeps,
    private readonly host: NodeHost,
  ) {
    this.feed = new ClusterFeed({
      ...deps,
      feed: host.feed,
      clock: host.clock,
      scheduler: host.scheduler,
      configChanged: (tenantId, version) => {
        // One reload of a tenant at a time: two in a row must not reconfigure its router at once.
        const next = (this.reloading.get(tenantId) ?? Promise.resolve())
          .then(() => host.reload(tenantId, version))
          .catch((e: unknown) => deps.onError?.(e, tenantId))
        this.reloading.set(tenantId, next)
      },
      typed: (tenantId, t) => host.typing.heard(tenantId, t, host.clock.now()),
    })
    host.typing.relay = (tenantId, t) => this.feed.typed(tenantId, t)
    this.presence = new NodeHoldings({
      ...deps,
      subject: 'presence',
      clock: host.clock,
      scheduler: host.scheduler,
      // The owner's node starts the timers of an agent whose last stream died with its node.
      orphaned: (tenantId, agentId) => {
        if (this.placement.owns(tenantId)) host.presence().orphaned(tenantId, agentId)
      },
    })
    this.placement = new TenantPlacement({
      ...deps,
      clock: host.clock,
      scheduler: host.scheduler,
      tenants: () => host.tenants(),
      gained: (lease) => this.adopt(lease),
      lost: (tenantId) => this.relinquish(tenantId),
    })
  }

  /** Resolves once this node runs its first share of tenants. */
  async start(): Promise<void> {
    await this.feed.start()
    this.host.presence().share = this.presence
    await this.presence.start()
    await this.placement.start()
  }

  /**
   * What a channel tells every other node (a phone registered here, say), and what they tell:
   * returns how to say something.
   */
  broadcast<T>(subject: string, heard: (message: T) => void): (message: T) => void {
    const { bus, nodeId } = this.deps
    this.stops.push(
      bus.subscribe(CLUSTER_WIDE, subject, (m) => {
        const msg = m.payload as { from: string; body: T }
        if (msg.from !== nodeId) heard(msg.body)
      }),
    )
    return (body) => void bus.publish(CLUSTER_WIDE, subject, { from: nodeId, body }).catch(() => undefined)
  }

  /**
   * What this node holds of a kind (calls, say), told to the others, and what they hold. A node's
   * holdings that died with it are `orphaned` on the node that owns their tenant.
   */
  holdings(subject: string, orphaned: (tenantId: string, id: string) => void): NodeHoldings {
    const h = new NodeHoldings({
      ...this.deps,
      clock: this.host.clock,
      scheduler: this.host.scheduler,
      subject,
      orphaned: (tenantId, id) => this.placement.owns(tenantId) && orphaned(tenantId, id),
    })
    void h.start()
    this.stops.push(() => h.stop())
    return h
  }

  /** A question every node answers for what it alone holds (its calls, say). */
  survey<Q, A>(subject: string, answer: (question: Q) => Promise<A>): Survey<Q, A> {
    const s = survey<Q, A>(
      { bus: this.deps.bus, nodeId: this.deps.nodeId, peers: () => this.placement.peerIds() },
      subject,
      answer,
    )
    this.stops.push(() => s.stop())
    return s
  }

  /** Hands every tenant over, then stops listening. */
  async stop(): Promise<void> {
    await this.placement.stop()
    for (const stop of this.stops.splice(0)) stop()
    this.presence.stop()
    this.feed.stop()
  }

  owns(tenantId: string): boolean {
    return this.placement.owns(tenantId)
  }

  /** Another node runs the tenant's router (its owner spoke lately). */
  runsElsewhere(tenantId: string): boolean {
    return !this.placement.owns(tenantId) && this.feed.ownerHeard(tenantId)
  }

  liveNodes(): number {
    return this.placement.liveNodes()
  }

  leases(): Lease[] {
    return this.placement.leases()
  }

  /** The router of a tenant another node runs, reached over the bus. */
  remote(tenantId: string): RemoteTenant {
    let remote = this.remotes.get(tenantId)
    if (!remote) this.remotes.set(tenantId, (remote = new RemoteTenant(tenantId, this.deps.bus)))
    return remote
  }

  /** What the tenant's owner last said of an entry point; undefined when no owner spoke lately. */
  status(tenantId: string, entryPointId: string): EntryPointStatus | undefined {
    return this.feed.status(tenantId, entryPointId)
  }

  /** This node stored a tenant's configuration: the others load it, a new tenant finds a node. */
  configured(tenantId: string, version: number): void {
    this.feed.configured(tenantId, version)
    void this.placement.round()
  }

  /** Look for tenants to take (a new one appeared). */
  round(): void {
    void this.placement.round()
  }

  /**
   * A router this node runs (started, or reconfigured): other nodes' commands for its tenant run
   * here, and they hear its entry points' statuses from here.
   */
  serve(runtime: TenantRuntime): void {
    this.serving.get(runtime.tenantId)?.()
    this.serving.set(runtime.tenantId, serveTenant(this.deps.bus, runtime))
    this.feed.own(runtime.tenantId, () =>
      runtime.config.entryPoints.map((ep) => runtime.entryPointStatus(ep.id)),
    )
  }

  /** This node took the tenant's lease: its router starts here, every commit fenced by the epoch. */
  private async adopt(lease: Lease): Promise<void> {
    const fence: Fence = { owner: lease.owner, epoch: lease.epoch }
    const runtime = await this.host.startRouter(lease.tenantId, {
      feed: { publish: (t, events) => this.feed.committed(t, events) },
      fence,
      onFenced: (tenantId) => this.placement.fenced(tenantId),
    })
    this.serve(runtime)
  }

  /** The tenant left this node: no new requests (they wait for the next owner), then its router stops. */
  private async relinquish(tenantId: string): Promise<void> {
    this.serving.get(tenantId)?.()
    this.serving.delete(tenantId)
    this.feed.disown(tenantId)
    await this.host.stopRouter(tenantId)
  }
}
