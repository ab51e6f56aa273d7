import type { ClaimedOutboxItem, Clock, OutboxStore, Scheduler } from './ports.js'

/** Delivers one item; throws (or rejects) to be retried later. */
export type OutboxHandler = (item: ClaimedOutboxItem) => Promise<void>

export interface DispatchOptions {
  /** How long to wait before looking again after the store itself failed. */
  readonly idleMs?: number
  /** Items read per round: one query serves many deliveries. */
  readonly batch?: number
  /** Deliveries in flight at once (a receiver is not hit by a whole batch at the same moment). */
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
 * nothing acknowledged is lost to a crash or an outage. Items of one ordering key go out in
 * order (the store hands out only a key's oldest pending item); failures are retried with
 * backoff and jitter, and dead-lettered after `giveUpAfterMs`.
 */
export class OutboxDispatcher {
  private cancel: (() => void) | undefined
  private running: Promise<void> | undefined
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
    this.arm(0)
  }

  /** Look now (something was just committed). */
  kick(): void {
    if (!this.stopped && !this.running) this.arm(0)
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.cancel?.()
    await this.running
  }

  /** One round: every due item tried once. Says how many were tried and when to look again. */
  async runOnce(): Promise<{ tried: number; nextAt: number | undefined }> {
    const items = await this.store.due(this.clock.now(), this.batch)
    await this.deliverAll(items)
    // A full batch: the caller looks again at once, so when the next is due does not matter yet.
    if (items.length >= this.batch) return { tried: items.length, nextAt: this.clock.now() }
    return { tried: items.length, nextAt: await this.store.nextAttemptAt() }
  }

  /**
   * Rounds until nothing is due (what a kick runs). Reading the next batch while one is being
   * sent was tried: with PGlite in the same thread the query stalls the sending anyway, and
   * leaving the in-flight items out made it dearer (BENCHMARKS.md).
   */
  async drain(): Promise<{ tried: number; nextAt: number | undefined }> {
    let tried = 0
    for (;;) {
      const items = await this.store.due(this.clock.now(), this.batch)
      if (items.length === 0 || this.stopped) break
      await this.deliverAll(items)
      tried += items.length
    }
    return { tried, nextAt: await this.store.nextAttemptAt() }
  }

  /** Sends `items`, `concurrency` at a time, then marks those that went as delivered. */
  private async deliverAll(items: readonly ClaimedOutboxItem[]): Promise<void> {
    const results: boolean[] = []
    let next = 0
    const worker = async (): Promise<void> => {
      for (let i = next++; i < items.length; i = next++)
        results[i] = await this.deliver(items[i] as ClaimedOutboxItem)
    }
    await Promise.all(Array.from({ length: Math.min(this.concurrency, items.length) }, worker))
    await this.store.delivered(
      items.filter((_, i) => results[i]).map((i) => i.id),
      this.clock.now(),
    )
  }

  private async deliver(item: ClaimedOutboxItem): Promise<boolean> {
    const handler = this.handlers[item.topic]
    try {
      if (!handler) throw new Error(`no delivery for topic ${item.topic}`)
      await handler(item)
      return true
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e)
      const now = this.clock.now()
      if (!handler || now - item.createdAt >= this.giveUpAfterMs) await this.store.dead(item.id, now, error)
      else await this.store.retryLater(item.id, now + retryDelayMs(item.attempts, this.random), error)
      return false
    }
  }

  private arm(delayMs: number): void {
    this.cancel?.()
    this.cancel = this.scheduler.wakeAt(this.clock.now() + delayMs, () => {
      this.cancel = undefined
      this.running = this.drain().then(
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
