import type { EntryPointStatus } from '../core/availability.js'
import { unknownEntryPointStatus } from '../core/availability.js'
import type { DomainEvent } from '../core/events.js'
import type { EventBus } from './cluster-ports.js'
import type { EventFeed } from './event-feed.js'
import type { Clock, Scheduler } from './ports.js'
import type { Typed } from './typing.js'

export interface ClusterFeedDeps {
  readonly bus: EventBus
  readonly nodeId: string
  readonly feed: EventFeed
  readonly clock: Clock
  readonly scheduler: Scheduler
  /** Another node stored a new configuration of the tenant: load it. */
  readonly configChanged: (tenantId: string, version: number) => void
  /** Someone types in a chat whose other party may wait on this node. */
  readonly typed: (tenantId: string, t: Typed) => void
}

type EventsMessage = { readonly from: string; readonly events: readonly DomainEvent[] }
type StatusMessage = { readonly from: string; readonly statuses: readonly EntryPointStatus[] }
type ConfigMessage = { readonly from: string; readonly version: number }
type TypingMessage = { readonly from: string; readonly typed: Typed }

/** The owner says every entry point's status at least this often, changed or not. */
const STATUS_EVERY_MS = 1000
/**
 * After a commit, the statuses go out at once (on the next turn of the event loop), but not more
 * often than this: a busy tenant commits hundreds of times a second, and each status is a message
 * every node parses.
 */
const STATUS_GAP_MS = 25
/** A node that heard nothing for this long does not vouch for the statuses it has. */
const STATUS_STALE_MS = 3500

/**
 * What a tenant's owner tells every other node: its committed events (for their long-polls and
 * sockets) and its entry points' statuses (for the status calls, answered from memory on every
 * node, at most a second old).
 */
export class ClusterFeed {
  private readonly heard = new Map<string, { at: number; byId: Map<string, EntryPointStatus> }>()
  private readonly owned = new Map<string, OwnedTenant>()
  private readonly stops: (() => void)[] = []

  constructor(private readonly deps: ClusterFeedDeps) {}

  async start(): Promise<void> {
    const { bus, nodeId } = this.deps
    this.stops.push(
      bus.subscribe('*', 'events', (m) => {
        const msg = m.payload as EventsMessage
        if (msg.from !== nodeId) void this.deps.feed.accept(m.tenantId, msg.events)
      }),
      bus.subscribe('*', 'status', (m) => {
        const msg = m.payload as StatusMessage
        if (msg.from === nodeId) return
        const byId = new Map(
          // JSON has no Infinity: a status that never changes by itself came as null.
          msg.statuses.map((s) => [
            s.entryPointId,
            { ...s, validUntil: s.validUntil ?? Number.POSITIVE_INFINITY },
          ]),
        )
        this.heard.set(m.tenantId, { at: this.deps.clock.now(), byId })
      }),
      bus.subscribe('*', 'config', (m) => {
        const msg = m.payload as ConfigMessage
        if (msg.from !== nodeId) this.deps.configChanged(m.tenantId, msg.version)
      }),
      bus.subscribe('*', 'typing', (m) => {
        const msg = m.payload as TypingMessage
        if (msg.from !== nodeId) this.deps.typed(m.tenantId, msg.typed)
      }),
    )
    await bus.flush()
  }

  /** This node owns the tenant: its events and statuses go out from here. */
  own(tenantId: string, statuses: () => EntryPointStatus[]): void {
    this.owned.get(tenantId)?.stop()
    const t = new OwnedTenant(tenantId, statuses, this.deps)
    this.owned.set(tenantId, t)
    t.say()
  }

  disown(tenantId: string): void {
    this.owned.get(tenantId)?.stop()
    this.owned.delete(tenantId)
  }

  /** The owner's router committed these: this node's clients get them, and every other node's. */
  committed(tenantId: string, events: readonly DomainEvent[]): void {
    if (events.length === 0) return
    void this.deps.feed.accept(tenantId, events)
    void this.deps.bus.publish(tenantId, 'events', { from: this.deps.nodeId, events } satisfies EventsMessage)
    this.owned.get(tenantId)?.soon()
  }

  /** Typing is not an event: it goes to the other nodes by itself, and is lost if one misses it. */
  typed(tenantId: string, typed: Typed): void {
    void this.deps.bus.publish(tenantId, 'typing', { from: this.deps.nodeId, typed } satisfies TypingMessage)
  }

  /** This node stored a tenant's new configuration: every other node loads it now. */
  configured(tenantId: string, version: number): void {
    void this.deps.bus.publish(tenantId, 'config', {
      from: this.deps.nodeId,
      version,
    } satisfies ConfigMessage)
  }

  /** The tenant's owner (another node) spoke lately: its router runs there. */
  ownerHeard(tenantId: string): boolean {
    const h = this.heard.get(tenantId)
    return h !== undefined && this.deps.clock.now() - h.at <= STATUS_STALE_MS
  }

  /** An entry point's status as its owner last said it; undefined when no owner spoke lately. */
  status(tenantId: string, entryPointId: string): EntryPointStatus | undefined {
    const h = this.heard.get(tenantId)
    if (!h || this.deps.clock.now() - h.at > STATUS_STALE_MS) return undefined
    return h.byId.get(entryPointId) ?? unknownEntryPointStatus(entryPointId)
  }

  stop(): void {
    for (const s of this.stops.splice(0)) s()
    for (const t of this.owned.values()) t.stop()
    this.owned.clear()
  }
}

/** The owner's side of one tenant's statuses: every second, and soon after each commit. */
class OwnedTenant {
  private cancel: (() => void) | undefined
  private soonAt: number | undefined
  private saidAt = Number.NEGATIVE_INFINITY

  constructor(
    private readonly tenantId: string,
    private readonly statuses: () => EntryPointStatus[],
    private readonly deps: ClusterFeedDeps,
  ) {}

  soon(): void {
    const at = Math.max(this.deps.clock.now(), this.saidAt + STATUS_GAP_MS)
    if (this.soonAt !== undefined && this.soonAt <= at) return
    this.arm(at)
    this.soonAt = at
  }

  say(): void {
    this.soonAt = undefined
    let statuses: EntryPointStatus[]
    try {
      statuses = this.statuses()
    } catch {
      // The router stopped (handed over): the next owner speaks for it.
      return
    }
    void this.deps.bus.publish(this.tenantId, 'status', {
      from: this.deps.nodeId,
      statuses,
    } satisfies StatusMessage)
    this.saidAt = this.deps.clock.now()
    this.arm(this.saidAt + STATUS_EVERY_MS)
  }

  private arm(at: number): void {
    this.cancel?.()
    this.cancel = this.deps.scheduler.wakeAt(at, () => this.say())
  }

  stop(): void {
    this.cancel?.()
    this.cancel = undefined
  }
}
