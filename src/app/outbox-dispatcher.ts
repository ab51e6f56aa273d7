import type { ClaimedOutboxItem, Clock, OutboxStore, Scheduler } from './ports.js'

/**
 * Delivers one item; throws (or rejects) to be retried later, or throws `Undeliverable` when
 * trying again cannot help.
 */
export type OutboxHandler = (item: ClaimedOutboxItem) => Promise<void>

/**
 * Its destination is gone (removed or turned off): the item becomes a dead letter at once, with
 * this reason, and can be sent again once the destination is back. Never dropped: an item leaves
 * the outbox only by delivery.
 */
export class Undeliverable extends Error {}

export interface DispatchOptions {
  /** How long to wait before looking again after the store itself failed. */
  readonly idleMs?: number
  /** Items read at a time; the next read is made once fewer than this are left to send. */
  readonly batch?: number
  /** Deliveries in flight at once, across keys (a receiver is not hit by a whole batch at once). */
  readonly concurrency?: number
  /** Retried for this long after the item was written, then dead-lettered. */
  readonly giveUpAfterMs?: number
  /** 0..1, where the delay of the next attempt falls in [delay × (1 − jitter), delay]. */
  readonly random?: () => number
}

const DAY = 24 * 3600_000

/** Exponential backoff from 1 s, at most an hour between attempts. */
export function retryDelayMs(attempts: number, random: () => number): number {
  const full = Math.min(3600_000, 1000 * 2 ** Math.min(attempts, 22))
  return Math.round(full * (0.5 + random() / 2))
}

/**
 * Sends what the outbox holds: items were written in the same transaction as their events, so
 * nothing acknowledged is lost to a crash or an outage. Items of one ordering key go out one
 * after the other, in order, and a failed one holds back the rest of its key; failures are
 * retried with backoff and jitter, and dead-lettered after `giveUpAfterMs`.
 */
export class OutboxDispatcher {
  private cancel: (() => void) | undefined
  private running: Promise<{ tried: number; nextAt: number | undefined }> | undefined
  private stopped = false
  private readonly idleMs: number
  private readonly batch: number
  private readonly concurrency: number
  private readonly giveUpAfterMs: number
  private readonly random: () => number

  constructor(
    private readonly store: OutboxStore,
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly handlers: Readonly<Record<string, OutboxHandler>>,
    opts: DispatchOptions = {},
  ) {
    this.idleMs = opts.idleMs ?? 1000
    this.batch = opts.batch ?? 500
    this.concurrency = opts.concurrency ?? 50
    this.giveUpAfterMs = opts.giveUpAfterMs ?? 3 * DAY
    this.random = opts.random ?? Math.random
  }

  start(): void {
    this.stopped = false
    // A commit may have kicked a drain already (routers start first): a second one beside it
    // would read and send the same items again.
    if (!this.running) this.arm(0)
  }

  /** Look now (something was just committed). */
  kick(): void {
    if (!this.stopped && !this.running) this.arm(0)
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.cancel?.()
    await this.running?.catch(() => undefined)
    await this.store.releaseClaims?.()
  }

  /**
   * Every item due now, tried once (what a kick runs). Says how many were tried and when the
   * next one is due. The next batch is read while the last is still being sent, so the database
   * and the receivers work at the same time.
   */
  async drain(): Promise<{ tried: number; nextAt: number | undefined }> {
    // One `now` for the whole drain: which keys wait behind a retry is then the same answer at
    // every read, and a drain that reads on from its last id meets every due item once.
    const now = this.clock.now()
    const run = new DrainRun(this.store, (item) => this.deliver(item), this.concurrency, this.batch)
    try {
      let after = 0
      while (!this.stopped) {
        const items = await this.store.due(now, this.batch, after)
        if (items.length === 0) break
        after = (items.at(-1) as ClaimedOutboxItem).id
        run.add(items)
        await run.roomForBatch()
      }
    } finally {
      // Even when a read failed: what is in flight ends, and what went is marked.
      await run.settle()
    }
    return { tried: run.tried, nextAt: await this.store.nextAttemptAt() }
  }

  private async deliver(item: ClaimedOutboxItem): Promise<Outcome> {
    if (this.stopped) return 'skipped'
    const handler = this.handlers[item.topic]
    try {
      if (!handler) throw new Error(`no delivery for topic ${item.topic}`)
      await handler(item)
      return 'delivered'
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e)
      const now = this.clock.now()
      if (!handler || e instanceof Undeliverable || now - item.createdAt >= this.giveUpAfterMs) {
        await this.store.dead(item.id, now, error)
        return 'dead'
      }
      await this.store.retryLater(item.id, now + retryDelayMs(item.attempts, this.random), error)
      return 'retry'
    }
  }

  private arm(delayMs: number): void {
    this.cancel?.()
    this.cancel = this.scheduler.wakeAt(this.clock.now() + delayMs, () => {
      this.cancel = undefined
      this.running = this.drain()
      this.running.then(
        ({ nextAt }) => {
          this.running = undefined
          if (this.stopped) return
          // Sleep until the next retry is due, or until a commit kicks: no polling of the
          // database while there is nothing to send.
          if (nextAt !== undefined) this.arm(Math.max(0, nextAt - this.clock.now()))
        },
        () => {
          this.running = undefined
          if (!this.stopped) this.arm(this.idleMs * 5)
        },
      )
    })
  }
}

type Outcome = 'delivered' | 'retry' | 'dead' | 'skipped'

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)))

/**
 * One drain's deliveries: `concurrency` workers take ready items; an item is ready when no
 * earlier item of its key is still being sent, and a key whose item waits for a retry has the
 * rest of its items wait too. Delivered ones are removed while sending goes on.
 */
class DrainRun {
  tried = 0
  private readonly ready: ClaimedOutboxItem[] = []
  /** Per key with an item out, the items waiting behind it, in order. */
  private readonly behind = new Map<string, ClaimedOutboxItem[]>()
  /** Keys whose item is waiting for a retry: their later items wait too. */
  private readonly held = new Set<string>()
  private unfinished = 0
  private workers = 0
  private marks: number[] = []
  private marking: Promise<void> = Promise.resolve()
  private writing = false
  private failure: Error | undefined
  private wake: (() => void) | undefined

  constructor(
    private readonly store: OutboxStore,
    private readonly deliver: (item: ClaimedOutboxItem) => Promise<Outcome>,
    private readonly concurrency: number,
    private readonly batch: number,
  ) {}

  add(items: readonly ClaimedOutboxItem[]): void {
    for (const item of items) {
      const key = item.orderingKey
      if (key !== undefined && this.held.has(key)) continue
      this.unfinished++
      const queue = key === undefined ? undefined : this.behind.get(key)
      if (queue) queue.push(item)
      else {
        if (key !== undefined) this.behind.set(key, [])
        this.ready.push(item)
      }
    }
    // Every running worker is busy with an item; a new one takes its first item at once.
    while (this.workers < this.concurrency && this.ready.length > 0) {
      this.workers++
      void this.work()
    }
  }

  /** Resolves once fewer than a batch are left to send: time to read the next. */
  roomForBatch(): Promise<void> {
    return this.until(() => this.unfinished < this.batch)
  }

  /** Waits for every delivery and removal; a store that failed on the way fails the drain. */
  async settle(): Promise<void> {
    await this.until(() => this.unfinished === 0)
    await this.written()
    if (this.failure) throw this.failure
  }

  private async work(): Promise<void> {
    for (let item = this.ready.shift(); item; item = this.ready.shift()) {
      let outcome: Outcome
      try {
        outcome = await this.deliver(item)
      } catch (e) {
        // The store failed to note a failure: the item stays as it was, and so does its key.
        this.failure ??= asError(e)
        outcome = 'retry'
      }
      this.finished(item, outcome)
    }
    this.workers--
  }

  private finished(item: ClaimedOutboxItem, outcome: Outcome): void {
    if (outcome !== 'skipped') this.tried++
    if (outcome === 'delivered') this.mark(item.id)
    this.unfinished--
    const key = item.orderingKey
    if (key !== undefined) {
      const queue = this.behind.get(key) ?? []
      if (outcome === 'retry') {
        this.held.add(key)
        this.unfinished -= queue.length
        this.behind.delete(key)
      } else {
        const next = queue.shift()
        if (next) this.ready.push(next)
        else this.behind.delete(key)
      }
    }
    this.wake?.()
  }

  private until(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve()
    return new Promise((resolve) => {
      this.wake = () => {
        if (!done()) return
        this.wake = undefined
        resolve()
      }
    })
  }

  /**
   * A delivered item is written down at once, or, while a write is out, with the others delivered
   * meanwhile in the next one: a drain that goes on for long (new items keep coming) leaves
   * nothing sent and unwritten for longer than one write, for a crash to send again.
   */
  private mark(id: number): void {
    this.marks.push(id)
    if (!this.writing) this.flush()
  }

  private flush(): void {
    if (this.marks.length === 0) return
    const ids = this.marks
    this.marks = []
    this.writing = true
    // One write at a time. A failed one leaves its items pending: they go again (at least once).
    this.marking = this.store
      .delivered(ids)
      .catch((e: unknown) => {
        this.failure ??= asError(e)
      })
      .finally(() => {
        this.writing = false
        this.flush()
      })
  }

  /** Resolves once every delivered item is written down. */
  private async written(): Promise<void> {
    while (this.writing || this.marks.length > 0) {
      if (!this.writing) this.flush()
      await this.marking
    }
  }
}
