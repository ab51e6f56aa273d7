/**
 * Estimated wait time for a queue. First choice: history. The waits recently served contacts
 * actually had, per place in line at their arrival, scaled to the new contact's place. That
 * absorbs what simpler formulas miss: customers ahead who give up, agents who come and go, and
 * that the customers who stay are the ones who waited less. Until there is enough history:
 * queue length over the recent rate at which contacts leave the queue (to an agent or by
 * abandoning), measured only while the queue was non-empty; then the head-of-line delay; then
 * mean handle time over staffed slots.
 */
const SAMPLE = 20
const MIN_SAMPLES = 3
const HISTORY = 40
const MIN_HISTORY = 8
const DEFAULT_HANDLE_MS = 180_000

/** What an estimator has learned: stored with each commit that changed it, so a rebuild keeps it. */
export interface EstimatorState {
  readonly departuresAt: readonly number[]
  readonly busyMs: number
  readonly busySince: number | null
  readonly meanHandle: number
  readonly handleCount: number
  readonly arrivals: readonly (readonly [string, number, number])[]
  readonly history: readonly (readonly [number, number])[]
}

export class WaitEstimator {
  /** Something was learned since the last snapshot was taken. */
  changed = false

  /** Busy-clock readings at recent departures, after one reading where counting began (oldest first). */
  private readonly departuresAt: number[] = []
  private busyMs = 0
  private busySince: number | null = null
  private meanHandle = 0
  private handleCount = 0
  /** Place in line and time of arrival of contacts still waiting since they arrived. */
  private readonly arrivals = new Map<string, { readonly position: number; readonly at: number }>()
  /** Recent served contacts: [place at arrival, wait in ms]. */
  private readonly history: [number, number][] = []

  noteArrival(contactId: string, position: number, now: number): void {
    this.changed = true
    this.arrivals.set(contactId, { position, at: now })
  }

  /** The contact reached an agent: its real wait joins the history. */
  served(contactId: string, now: number): void {
    this.changed = true
    const a = this.arrivals.get(contactId)
    if (!a) return
    this.arrivals.delete(contactId)
    this.history.push([a.position, now - a.at])
    if (this.history.length > HISTORY) this.history.shift()
  }

  /** It left without being served (abandoned, moved, timed out): no sample. */
  forget(contactId: string): void {
    this.changed = true
    this.arrivals.delete(contactId)
  }

  /** Mean wait per place in line over recent history (ratio of sums: robust to outliers). */
  private waitPerPlace(): number | undefined {
    if (this.history.length < MIN_HISTORY) return undefined
    let places = 0
    let waited = 0
    for (const [p, w] of this.history) {
      places += p
      waited += w
    }
    return places > 0 ? waited / places : undefined
  }

  /** Called whenever the number of waiting contacts changes. */
  onLength(length: number, now: number): void {
    this.changed = true
    if (length > 0 && this.busySince === null) {
      this.busySince = now
      if (this.departuresAt.length === 0) this.departuresAt.push(this.busyClock(now))
    } else if (length === 0 && this.busySince !== null) {
      this.busyMs += now - this.busySince
      this.busySince = null
    }
  }

  private busyClock(now: number): number {
    return this.busyMs + (this.busySince === null ? 0 : now - this.busySince)
  }

  /** A contact that had waited left the queue (to an agent, abandoned, overflowed). */
  recordDeparture(now: number): void {
    this.changed = true
    this.departuresAt.push(this.busyClock(now))
    if (this.departuresAt.length > SAMPLE + 1) this.departuresAt.shift()
  }

  recordHandle(ms: number): void {
    this.changed = true
    // A running mean that settles into an exponential one: recent handle times matter more.
    this.handleCount++
    const alpha = Math.max(1 / this.handleCount, 0.05)
    this.meanHandle = this.handleCount === 1 ? ms : this.meanHandle + (ms - this.meanHandle) * alpha
  }

  snapshot(): EstimatorState {
    this.changed = false
    return {
      departuresAt: [...this.departuresAt],
      busyMs: this.busyMs,
      busySince: this.busySince,
      meanHandle: this.meanHandle,
      handleCount: this.handleCount,
      arrivals: [...this.arrivals].map(([id, a]) => [id, a.position, a.at] as const),
      history: this.history.map(([p, w]) => [p, w] as const),
    }
  }

  /** Takes up what an earlier estimator of this queue had learned (before a rebuild). */
  restore(s: EstimatorState, waiting: ReadonlySet<string>): void {
    this.departuresAt.splice(0, this.departuresAt.length, ...s.departuresAt)
    this.busyMs = s.busyMs
    this.busySince = s.busySince
    this.meanHandle = s.meanHandle
    this.handleCount = s.handleCount
    this.arrivals.clear()
    // Only contacts still waiting here: the others left while the state was being stored.
    for (const [id, position, at] of s.arrivals) if (waiting.has(id)) this.arrivals.set(id, { position, at })
    this.history.splice(0, this.history.length, ...s.history.map(([p, w]) => [p, w] as [number, number]))
    this.changed = false
  }

  meanHandleMs(): number {
    return this.handleCount === 0 ? DEFAULT_HANDLE_MS : this.meanHandle
  }

  /** Departures per ms over recent busy time, or undefined before enough are seen. */
  serviceRate(now: number): number | undefined {
    const n = this.departuresAt.length - 1
    if (n < MIN_SAMPLES) return undefined
    const span = this.busyClock(now) - (this.departuresAt[0] as number)
    return span > 0 ? n / span : undefined
  }

  /**
   * Expected wait (ms) of a contact with `ahead` contacts in front of it.
   * `freeNow`: an agent could take it this instant. `headWaitMs`: the oldest contact's wait.
   * `staffedSlots` is asked only on a cold start (it costs a walk over the ready agents).
   */
  estimate(
    ahead: number,
    now: number,
    freeNow: boolean,
    headWaitMs: number | null,
    staffedSlots: () => number,
  ): number {
    if (freeNow && ahead === 0) return 0
    const perPlace = this.waitPerPlace()
    if (perPlace !== undefined) return (ahead + 1) * perPlace
    const rate = this.serviceRate(now)
    if (rate !== undefined) return (ahead + 1) / rate
    // Cold start: the head-of-line delay, but never less than a turn of the staffed slots (a head
    // that arrived a moment ago says nothing yet about how fast the line moves).
    const turn = ((ahead + 1) * this.meanHandleMs()) / Math.max(1, staffedSlots())
    return headWaitMs !== null && ahead > 0 ? Math.max(headWaitMs, turn) : turn
  }
}
