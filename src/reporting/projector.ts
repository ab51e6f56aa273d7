import { CheckpointMoved } from '../app/report-ports.js'
import type { Clock } from '../app/ports.js'
import type { OutboxPush, ReportChanges, ReportStore } from '../app/report-ports.js'
import type { DomainEvent } from '../core/events.js'
import type { FoldSettings, FoldState } from './report-fold.js'
import { emptyFoldState, ReportFold } from './report-fold.js'

export interface ProjectorDeps {
  readonly store: ReportStore
  readonly clock: Clock
  /** The tenant's events after `afterSeq`, in order, at most `limit`. */
  readonly events: (tenantId: string, afterSeq: number, limit: number) => Promise<DomainEvent[]>
  readonly settings: (tenantId: string) => FoldSettings
  /**
   * What a step sends out (WFM pushes), stored with it. `wasOn`: the push lanes that were on at
   * the last step (a lane just turned on sends the last day); `on` says which are on now. Asked
   * once at the end of a rebuild, with no lane on, so the rebuilt intervals go out again.
   */
  readonly outboxFor?: (tenantId: string, changes: ReportChanges, wasOn: ReadonlySet<string>) => OutboxPush
  /** After a step that stored outbox items. */
  readonly onOutbox?: () => void
}

/** What a checkpoint keeps: the fold, and the push lanes that were on when it was saved. */
type Checkpoint = FoldState & { pushing?: readonly string[] }

const BATCH = 2000

/**
 * Time is folded only up to this long ago. The router stamps an event before its batch commits:
 * an event stamped a moment ago may not be readable yet, and folding time past it would give
 * its agent's last moments to the wrong state (and a rebuild a different answer).
 */
export const SETTLE_MS = 5000

const hasChanges = (c: ReportChanges): boolean =>
  c.queueIntervals.length +
    c.agentQueueIntervals.length +
    c.agentIntervals.length +
    c.contacts.length +
    c.activities.length >
  0

/**
 * Keeps the projections up with the event log: reads what came after its checkpoint, folds it,
 * stores rows and checkpoint in one transaction. One run at a time per tenant; a run asked for
 * while one is going happens right after it.
 */
export class ReportProjector {
  private readonly running = new Map<string, Promise<number>>()
  private readonly next = new Map<string, Promise<number>>()
  private stopped = false
  /** Tenants being rebuilt: what was already sent is not sent again. */
  private readonly quiet = new Set<string>()

  constructor(private readonly deps: ProjectorDeps) {}

  /**
   * Folds everything new, and time up to now; resolves with the number of events folded. A call
   * while a run is going gets the one run that follows it, shared by every such caller: a run
   * that starts another from its end would, with callers chained on it, never stop.
   */
  catchUp(tenantId: string): Promise<number> {
    const current = this.running.get(tenantId)
    if (!current) return this.start(tenantId)
    let next = this.next.get(tenantId)
    if (!next) {
      const follow = () => {
        this.next.delete(tenantId)
        return this.start(tenantId)
      }
      next = current.then(follow, follow)
      this.next.set(tenantId, next)
    }
    return next
  }

  /** Resolves once no run is going, and starts no more (a stopping server closes storage next). */
  async stop(): Promise<void> {
    this.stopped = true
    while (this.running.size > 0 || this.next.size > 0)
      await Promise.allSettled([...this.running.values(), ...this.next.values()])
  }

  private start(tenantId: string, job = () => this.run(tenantId)): Promise<number> {
    if (this.stopped) return Promise.resolve(0)
    const run = job().finally(() => {
      if (this.running.get(tenantId) === run) this.running.delete(tenantId)
    })
    this.running.set(tenantId, run)
    return run
  }

  /**
   * Forgets the tenant's projections and folds the whole event log again. The clear and the
   * fold are one run in the tenant's line of runs: a catch-up going beside the clear would save
   * a checkpoint past rows it never wrote, and the rebuild would then fold nothing.
   */
  async rebuild(tenantId: string, progress?: (events: number) => void): Promise<number> {
    for (let busy = this.busy(tenantId); busy; busy = this.busy(tenantId)) await busy.catch(() => 0)
    // Nothing runs or waits now, and nothing came between that check and this start: a
    // catch-up asked for from here on follows the rebuild.
    this.quiet.add(tenantId)
    try {
      const n = await this.start(tenantId, async () => {
        await this.deps.store.clear(tenantId)
        return this.run(tenantId)
      })
      progress?.(n)
      return n
    } finally {
      this.quiet.delete(tenantId)
    }
  }

  /** Resolves once no run of the tenant goes or waits (starting none). */
  async idle(tenantId: string): Promise<void> {
    for (let busy = this.busy(tenantId); busy; busy = this.busy(tenantId)) await busy.catch(() => 0)
  }

  private busy(tenantId: string): Promise<number> | undefined {
    return this.next.get(tenantId) ?? this.running.get(tenantId)
  }

  private async run(tenantId: string): Promise<number> {
    try {
      return await this.fold(tenantId)
    } catch (e) {
      // The tenant's previous owner saved a fold first: start again from its checkpoint.
      if (e instanceof CheckpointMoved) return this.run(tenantId)
      throw e
    }
  }

  private async fold(tenantId: string): Promise<number> {
    const saved = await this.deps.store.checkpoint(tenantId)
    let lastSeq = saved?.lastSeq ?? 0
    let savedSeq = lastSeq
    const { pushing, ...state }: Checkpoint = (saved?.state as Checkpoint | undefined) ?? emptyFoldState()
    const fold = new ReportFold(this.deps.settings(tenantId), state)
    const rebuilding = this.quiet.has(tenantId)
    let lanes = rebuilding ? [] : (pushing ?? [])
    let folded = 0
    for (;;) {
      const events = await this.deps.events(tenantId, lastSeq, BATCH)
      const last = events[events.length - 1]
      const drained = events.length < BATCH
      // Time runs to now only once the log is drained: a batch's end is not "now".
      const now = drained ? this.deps.clock.now() - SETTLE_MS : (last?.at ?? 0)
      const changes = fold.step(events, Math.max(now, last?.at ?? 0))
      lastSeq = last?.seq ?? lastSeq
      folded += events.length
      // A rebuild sends nothing while it folds what was sent already; at its end, the last
      // day's intervals as rebuilt (a WFM keeps an interval's last report), and no state again.
      const push = !rebuilding
        ? this.deps.outboxFor?.(tenantId, changes, new Set(lanes))
        : drained
          ? this.deps.outboxFor?.(tenantId, { ...changes, lasting: [] }, new Set())
          : undefined
      if (push) lanes = [...push.on]
      // An interval that closed is saved even on a quiet floor, so its report (zeros) goes out.
      const closed = changes.closedUpTo !== changes.closedBefore
      if (hasChanges(changes) || events.length > 0 || closed || lanes.join() !== (pushing ?? []).join()) {
        const items = push?.items ?? []
        const checkpoint: Checkpoint = { ...fold.state, pushing: lanes }
        await this.deps.store.save(
          tenantId,
          changes,
          lastSeq,
          checkpoint,
          { items, now: this.deps.clock.now() },
          savedSeq,
        )
        savedSeq = lastSeq
        if (items.length > 0) this.deps.onOutbox?.()
      }
      if (drained) {
        this.lastingAt.set(tenantId, fold.nextLastingAt())
        return folded
      }
    }
  }

  /** Per tenant, when a state now going reaches 3 s (as of the last run): a run is due then. */
  private readonly lastingAt = new Map<string, number | undefined>()

  /** The event time at which the next agent state becomes lasting, if one is going. */
  nextLastingAt(tenantId: string): number | undefined {
    return this.lastingAt.get(tenantId)
  }
}
