import type { Clock, Scheduler } from '../app/ports.js'
import type { ReportAccess, ReportStore } from '../app/report-ports.js'
import type { Switchboard } from '../app/switchboard.js'
import { INTERVAL_MS, intervalOf } from './interval-deltas.js'
import type { ProjectorDeps } from './projector.js'
import { ReportProjector, SETTLE_MS } from './projector.js'
import type { FoldSettings } from './report-fold.js'

/** How soon after a commit the projections follow: commits in between share one run. */
const FOLLOW_MS = 1000

/**
 * Runs the projector: shortly after each commit, and just after every interval closes (so a
 * quiet interval is closed too: its agents' time and its backlog at the end).
 */
export class Reporting implements ReportAccess {
  readonly projector: ReportProjector
  readonly store: ReportStore
  private readonly pending = new Map<string, () => void>()
  private cancelTick: (() => void) | undefined
  private stopped = false

  /** `switchboard`: a getter, so both can be made before either starts. */
  constructor(
    private readonly switchboard: () => Switchboard,
    deps: Omit<ProjectorDeps, 'settings' | 'events'>,
    private readonly scheduler: Scheduler,
    private readonly clock: Clock,
    private readonly onError: (tenantId: string, err: unknown) => void,
  ) {
    this.store = deps.store
    this.projector = new ReportProjector({
      ...deps,
      events: (tenantId, afterSeq, limit) => switchboard().queries.events(tenantId, { afterSeq, limit }),
      settings: (tenantId) => this.settings(tenantId),
    })
  }

  /**
   * Folds what the log holds, in the background (a long log does not hold the server's start
   * back; an export waits for it), then keeps following it.
   */
  start(): void {
    for (const t of this.switchboard().localTenantIds()) this.run(t)
    this.armTick()
  }

  catchUp(tenantId: string): Promise<number> {
    return this.projector.catchUp(tenantId)
  }

  rebuild(tenantId: string): Promise<number> {
    return this.projector.rebuild(tenantId)
  }

  /** A tenant committed events: fold them soon. */
  committed(tenantId: string): void {
    // On a cluster, the tenant's owner folds it (another node's fold would only be refused).
    if (this.stopped || this.pending.has(tenantId) || !this.switchboard().runsHere(tenantId)) return
    const cancel = this.scheduler.wakeAt(this.clock.now() + FOLLOW_MS, () => {
      this.pending.delete(tenantId)
      this.run(tenantId)
    })
    this.pending.set(tenantId, cancel)
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.cancelTick?.()
    for (const cancel of this.pending.values()) cancel()
    this.pending.clear()
    for (const w of this.lastingWake.values()) w.cancel()
    this.lastingWake.clear()
    await this.projector.stop()
  }

  private run(tenantId: string): void {
    this.projector.catchUp(tenantId).then(
      () => this.followLasting(tenantId),
      (err: unknown) => this.onError(tenantId, err),
    )
  }

  /**
   * On a quiet floor no commit comes to fold the moment an agent's state has lasted 3 s: a run
   * is due then (plus the settle delay the fold keeps behind the clock), so WFM hears of it in time.
   */
  private followLasting(tenantId: string): void {
    const lasting = this.projector.nextLastingAt(tenantId)
    if (this.stopped || lasting === undefined) return
    const at = Math.max(this.clock.now(), lasting + SETTLE_MS + 100)
    const known = this.lastingWake.get(tenantId)
    if (known && known.at <= at) return
    known?.cancel()
    const cancel = this.scheduler.wakeAt(at, () => {
      this.lastingWake.delete(tenantId)
      this.run(tenantId)
    })
    this.lastingWake.set(tenantId, { at, cancel })
  }

  private readonly lastingWake = new Map<string, { readonly at: number; readonly cancel: () => void }>()

  private armTick(): void {
    if (this.stopped) return
    const at = intervalOf(this.clock.now() - SETTLE_MS) + INTERVAL_MS + SETTLE_MS + 100
    this.cancelTick = this.scheduler.wakeAt(at, () => {
      for (const t of this.switchboard().localTenantIds()) this.run(t)
      this.armTick()
    })
  }

  private settings(tenantId: string): FoldSettings {
    const queues = new Map(
      this.switchboard()
        .storedConfig(tenantId)
        .config.queues.map((q) => [q.id, q]),
    )
    return {
      serviceLevelMs: (id) => (queues.get(id)?.serviceLevelSeconds ?? 30) * 1000,
      shortAbandonMs: (id) => (queues.get(id)?.shortAbandonSeconds ?? 10) * 1000,
    }
  }
}
