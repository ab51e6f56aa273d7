import type { Command, ResultOf } from '../core/commands.js'
import { applyCommand } from '../core/commands.js'
import type { AnswerOf, Query } from '../core/queries.js'
import { answerQuery } from '../core/queries.js'
import type { EntryPointStatus } from '../core/availability.js'
import { entryPointStatus } from '../core/availability.js'
import { DomainError, isDomainError } from '../core/errors.js'
import type { Contact } from '../core/contact.js'
import type { DomainEvent } from '../core/events.js'
import { Router } from '../core/routing/router.js'
import type { TenantConfig } from '../core/tenant-config.js'
import type { EventFeed } from './event-feed.js'
import { FencedOut } from './cluster-ports.js'
import type { AppliedCommand, Clock, Fence, OutboxItem, RoutingStore, Scheduler } from './ports.js'

export interface RuntimeDeps {
  readonly store: RoutingStore
  readonly clock: Clock
  readonly scheduler: Scheduler
  /** Where committed events go out: this node's feed (and, on a cluster node, the bus). */
  readonly feed: Pick<EventFeed, 'publish'>
  readonly newId: () => string
  /** Which committed events must also reach an outside destination (written to the outbox). */
  readonly outboxFor?: (events: readonly DomainEvent[], ctx: OutboxContext) => OutboxItem[]
  /** After a commit that wrote outbox items: the dispatcher can send them now. */
  readonly onOutbox?: () => void
  readonly onBatch?: (info: { tenantId: string; commands: number; events: number; commitMs: number }) => void
  readonly onFailure?: (error: unknown) => void
  /** This node's hold on the tenant (a cluster node): every commit carries it. */
  readonly fence?: Fence
  /** The store refused a commit: another node owns the tenant now. The runtime has stopped. */
  readonly onFenced?: (tenantId: string) => void
}

/** What outbox rules may look at besides the events: the tenant and its contacts as committed. */
export interface OutboxContext {
  readonly tenant: TenantConfig
  readonly contact: (contactId: string) => Contact | undefined
}

interface Pending {
  readonly run: (router: Router, now: number) => unknown
  /** The command's idempotency key (forwarded from another node), if any. */
  readonly key?: string
  readonly resolve: (v: unknown) => void
  readonly reject: (e: unknown) => void
}

// Enough to amortise a commit, small enough that one batch's transaction stays short.
const MAX_BATCH = 500
// Keyed commands remembered in memory (the store keeps an hour of them for a rebuild).
const MAX_REMEMBERED = 50_000

/**
 * One tenant's single writer. Commands run in arrival order against the in-memory router; every
 * command that arrived while the previous batch was committing shares the next transaction
 * (group commit). A command's promise settles only after its changes are committed.
 */
export class TenantRuntime {
  private queue: Pending[] = []
  /** The batch loop while it runs; commands arriving meanwhile join its next batch. */
  private pumping: Promise<void> | undefined
  private stopped = false
  private cancelWake: (() => void) | undefined
  private wakeAt: number | undefined
  /** Storage failed: commands are refused until the router is rebuilt from what was stored. */
  private degraded = false
  private cancelRecovery: (() => void) | undefined
  private statusCache = new Map<string, { version: number; status: EntryPointStatus }>()
  /** Answers of keyed commands already stored, and those on their way: a retry gets the same. */
  private readonly applied = new Map<string, unknown>()
  private readonly inFlight = new Map<string, Promise<unknown>>()

  private constructor(
    private router: Router,
    readonly config: TenantConfig,
    private readonly deps: RuntimeDeps,
  ) {}

  /** Rebuilds the router from storage: queued contacts keep their place and enqueue time. */
  static async start(config: TenantConfig, deps: RuntimeDeps): Promise<TenantRuntime> {
    const snap = await deps.store.load(config.id)
    const now = deps.clock.now()
    const router = new Router({ tenantId: config.id, config, now, lastSeq: snap.lastSeq, newId: deps.newId })
    router.restore(snap.agents, snap.contacts, now, { sent: snap.sent, estimates: snap.estimates })
    const runtime = new TenantRuntime(router, config, deps)
    runtime.remember(snap.applied ?? [])
    await runtime.commit(router.drain())
    runtime.scheduleWake()
    return runtime
  }

  get tenantId(): string {
    return this.config.id
  }

  get running(): boolean {
    return !this.stopped && !this.degraded
  }

  /** Resolves once every command sent before it is applied and stored. */
  settled(): Promise<void> {
    return this.execute(() => undefined)
  }

  /** Runs a closure over the router in order; resolves after its changes are stored. */
  private execute<T>(run: (router: Router, now: number) => T, key?: string): Promise<T> {
    if (this.stopped)
      return Promise.reject(new DomainError('SERVICE_NOT_RUNNING', 'the router is shutting down'))
    if (this.degraded) return Promise.reject(unavailable())
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (v: unknown) => void, reject, ...(key ? { key } : {}) })
      if (!this.pumping) queueMicrotask(() => void this.pump())
    })
  }

  /**
   * Applies a command in order; resolves with its result after its changes are stored. With a
   * key, the command is applied once: sent again (a retry, on this node or after the tenant moved
   * here) it answers what it answered the first time.
   */
  run<C extends Command>(command: C, key?: string): Promise<ResultOf<C>> {
    if (key === undefined) return this.execute((router, now) => applyCommand(router, command, now))
    if (this.applied.has(key)) return Promise.resolve(this.applied.get(key) as ResultOf<C>)
    const pending = this.inFlight.get(key)
    if (pending) return pending as Promise<ResultOf<C>>
    const p = this.execute((router, now) => applyCommand(router, command, now), key).finally(() =>
      this.inFlight.delete(key),
    )
    this.inFlight.set(key, p)
    return p
  }

  /** Answers a named query from memory: no database, no queueing. */
  query<Q extends Query>(query: Q): AnswerOf<Q> {
    return answerQuery(this.router, query, this.deps.clock.now())
  }

  /** The same answer as `query`, in the form a tenant on another node answers in. */
  ask<Q extends Query>(query: Q): Promise<AnswerOf<Q>> {
    return Promise.resolve(this.query(query))
  }

  private remember(applied: readonly AppliedCommand[]): void {
    for (const a of applied) this.applied.set(a.key, a.result)
    // The oldest go first: a retry comes within seconds, not after thousands of other commands.
    for (const k of this.applied.keys()) {
      if (this.applied.size <= MAX_REMEMBERED) break
      this.applied.delete(k)
    }
  }

  /** The entry point's status from memory, recomputed only when its queue changed or time moved on. */
  entryPointStatus(entryPointId: string): EntryPointStatus {
    const now = this.deps.clock.now()
    const ep = this.router.model.entryPoints.get(entryPointId)
    const version = ep ? (this.router.queues.get(ep.queueId)?.version ?? -1) : -1
    const cached = this.statusCache.get(entryPointId)
    if (cached && cached.version === version && now < cached.status.validUntil) return cached.status
    const status = entryPointStatus(this.router, entryPointId, now)
    if (ep || this.statusCache.size < 10_000) this.statusCache.set(entryPointId, { version, status })
    return status
  }

  private pump(): Promise<void> {
    this.pumping ??= this.drain().finally(() => {
      this.pumping = undefined
      // A command that arrived after the loop's last look but before this callback saw a pump
      // "running" and scheduled none: pick it up here.
      if (this.queue.length > 0) void this.pump()
    })
    return this.pumping
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH)
      const now = this.deps.clock.now()
      const results = batch.map((cmd) => {
        try {
          return { ok: true as const, value: cmd.run(this.router, now) }
        } catch (error) {
          return { ok: false as const, error }
        }
      })
      const changes = this.router.drain()
      const applied = batch.flatMap((cmd, i) => {
        const r = results[i]
        return cmd.key && r?.ok ? [{ key: cmd.key, result: r.value, at: now }] : []
      })
      try {
        await this.commit(changes, batch.length, applied)
      } catch (cause) {
        if (cause instanceof FencedOut) return this.fencedOut(batch)
        // Memory is now ahead of storage: refuse this batch and everything queued behind it,
        // and serve nothing until the router is rebuilt from what was committed.
        this.deps.onFailure?.(cause)
        const lost = new DomainError(
          'INTERNAL',
          'the change could not be stored; nothing of it was kept',
          undefined,
          { cause },
        )
        for (const cmd of batch) cmd.reject(lost)
        for (const cmd of this.queue.splice(0)) cmd.reject(unavailable())
        this.degraded = true
        this.cancelWake?.()
        this.cancelWake = undefined
        this.wakeAt = undefined
        this.recover(0)
        return
      }
      this.remember(applied)
      batch.forEach((cmd, i) => {
        const r = results[i]
        if (r?.ok) cmd.resolve(r.value)
        else
          cmd.reject(
            isDomainError(r?.error)
              ? r.error
              : new DomainError('INTERNAL', 'command failed', undefined, { cause: r?.error }),
          )
      })
      this.scheduleWake()
    }
  }

  /**
   * Another node took the tenant (this one was paused or cut off past its lease): nothing of the
   * batch was stored, and nothing more will be. Its commands may be sent again to the new owner.
   */
  private fencedOut(batch: readonly Pending[]): void {
    this.stopped = true
    this.cancelWake?.()
    this.cancelWake = undefined
    const moved = () =>
      new DomainError(
        'SERVICE_NOT_RUNNING',
        `tenant ${this.tenantId} moved to another node; nothing was changed`,
      )
    for (const cmd of [...batch, ...this.queue.splice(0)]) cmd.reject(moved())
    this.deps.onFenced?.(this.tenantId)
  }

  private async commit(
    changes: ReturnType<Router['drain']>,
    commands = 0,
    applied: readonly AppliedCommand[] = [],
  ): Promise<void> {
    const started = performance.now()
    const outbox = this.deps.outboxFor?.(changes.events, this.outboxContext(changes.contacts)) ?? []
    await this.deps.store.commit(this.tenantId, {
      ...changes,
      outbox,
      ...(applied.length > 0 ? { applied } : {}),
      ...(this.deps.fence ? { fence: this.deps.fence } : {}),
    })
    if (outbox.length > 0) this.deps.onOutbox?.()
    this.deps.onBatch?.({
      tenantId: this.tenantId,
      commands,
      events: changes.events.length,
      commitMs: performance.now() - started,
    })
    this.deps.feed.publish(this.tenantId, changes.events)
  }

  private outboxContext(changed: readonly Contact[]): OutboxContext {
    const byId = new Map(changed.map((c) => [c.id, c]))
    return { tenant: this.config, contact: (id) => byId.get(id) ?? this.router.contacts.get(id) }
  }

  /** Rebuilds from storage, retrying with backoff (0.5 s doubling to 30 s) while it is unreachable. */
  private recover(attempt: number): void {
    if (this.stopped) return
    const delay = attempt === 0 ? 0 : Math.min(30_000, 500 * 2 ** attempt)
    this.cancelRecovery = this.deps.scheduler.wakeAt(this.deps.clock.now() + delay, () => {
      this.cancelRecovery = undefined
      this.rebuild().then(
        () => {
          this.degraded = false
          this.scheduleWake()
        },
        (e: unknown) => {
          this.deps.onFailure?.(e)
          this.recover(attempt + 1)
        },
      )
    })
  }

  private async rebuild(): Promise<void> {
    const snap = await this.deps.store.load(this.tenantId)
    const now = this.deps.clock.now()
    this.router = new Router({
      tenantId: this.tenantId,
      config: this.config,
      now,
      lastSeq: snap.lastSeq,
      newId: this.deps.newId,
    })
    this.router.restore(snap.agents, snap.contacts, now, { sent: snap.sent, estimates: snap.estimates })
    this.statusCache.clear()
    this.applied.clear()
    this.remember(snap.applied ?? [])
    await this.commit(this.router.drain())
  }

  /** Carries live state over to a new configuration (admin change). */
  async reconfigure(config: TenantConfig): Promise<TenantRuntime> {
    await this.stop()
    return TenantRuntime.start(config, this.deps)
  }

  private scheduleWake(): void {
    const at = this.router.nextTimerAt()
    if (at === this.wakeAt) return
    this.cancelWake?.()
    this.wakeAt = at
    this.cancelWake =
      at === undefined
        ? undefined
        : this.deps.scheduler.wakeAt(at, () => {
            this.wakeAt = undefined
            this.cancelWake = undefined
            this.run({ type: 'tick' }).catch((e: unknown) => this.deps.onFailure?.(e))
          })
  }

  /** Stops taking commands and waits for the ones already accepted to be stored. */
  async stop(): Promise<void> {
    this.stopped = true
    this.cancelWake?.()
    this.cancelRecovery?.()
    while (this.pumping || this.queue.length > 0) await this.pump()
  }
}

function unavailable(): DomainError {
  return new DomainError(
    'SERVICE_NOT_RUNNING',
    'storage is unavailable; the router is recovering, retry shortly',
  )
}
