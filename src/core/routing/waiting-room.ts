import type { Contact } from '../contact.js'
import { WaitEstimator } from '../ewt.js'
import type { QueueConfig } from '../tenant-config.js'
import { SortedIndex } from './sorted-index.js'

/** Service-level counters for the current local day of the tenant. */
export interface DayCounters {
  day: string
  start: number
  end: number
  answered: number
  answeredInTime: number
  abandoned: number
  abandonedShort: number
  /** Ended by the queue's max wait: not answered in time, so counted against the service level. */
  timedOut: number
}

/** A queue's waiting contacts, ordered by priority (high first) then original enqueue time. */
export class QueueRuntime {
  readonly waiting = new SortedIndex()
  readonly estimator = new WaitEstimator()
  roundRobinLast: string | null = null
  /** Bumped on any change that can move this queue's status; snapshots compare it. */
  version = 0
  today: DayCounters = {
    day: '',
    start: 0,
    end: 0,
    answered: 0,
    answeredInTime: 0,
    abandoned: 0,
    abandonedShort: 0,
    timedOut: 0,
  }

  constructor(readonly config: QueueConfig) {}

  static placeKey(c: Pick<Contact, 'priority' | 'enqueuedAt'>): number[] {
    return [-c.priority, c.enqueuedAt]
  }

  add(c: Contact, now: number): void {
    this.waiting.upsert(c.id, QueueRuntime.placeKey(c))
    this.estimator.onLength(this.waiting.size, now)
    this.version++
  }

  remove(contactId: string, now: number, departed: boolean): void {
    if (!this.waiting.remove(contactId)) return
    if (departed) {
      this.estimator.recordDeparture(now)
      this.estimator.forget(contactId)
    }
    this.estimator.onLength(this.waiting.size, now)
    this.version++
  }

  /** 1-based place in line, or 0 when not waiting here. */
  position(contactId: string): number {
    return this.waiting.rank(contactId) + 1
  }

  oldestEnqueuedAt(): number | null {
    // The oldest of each priority level is that level's first entry: visit only those.
    let oldest: number | null = null
    for (let e = this.waiting.at(0); e; e = this.waiting.at(this.nextLevel(e.key))) {
      const at = e.key[1] as number
      if (oldest === null || at < oldest) oldest = at
    }
    return oldest
  }

  private nextLevel(key: readonly number[]): number {
    return this.waiting.positionOfKey([key[0] as number, Number.POSITIVE_INFINITY])
  }

  /**
   * The first contact in line that an agent may take: waited at least `minWaitMs` (its tier has
   * opened) and not declined by that agent. If a priority level's oldest contact is too young,
   * the whole level is, so the walk jumps to the next level.
   */
  firstEligible(
    now: number,
    minWaitMs: number,
    declined: (contactId: string) => boolean,
  ): string | undefined {
    const cutoff = now - minWaitMs
    let i = 0
    for (;;) {
      const e = this.waiting.at(i)
      if (!e) return undefined
      const enqueuedAt = e.key[1] as number
      if (enqueuedAt > cutoff) {
        i = this.nextLevel(e.key)
        continue
      }
      if (!declined(e.id)) return e.id
      i++
    }
  }
}
