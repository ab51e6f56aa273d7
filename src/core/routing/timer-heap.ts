export type TimerKind = 'offer' | 'wrap_up' | 'tier' | 'max_wait' | 'decline'

/** A wake-up the router asked for. `token` lets a stale timer recognise itself and do nothing. */
export interface Timer {
  readonly at: number
  readonly kind: TimerKind
  readonly contactId: string
  readonly token: string
}

/** Binary min-heap on `at`; stale timers are discarded lazily when they fire. */
export class TimerHeap {
  private readonly heap: Timer[] = []

  get size(): number {
    return this.heap.length
  }

  push(t: Timer): void {
    const h = this.heap
    h.push(t)
    let i = h.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if ((h[parent] as Timer).at <= t.at) break
      h[i] = h[parent] as Timer
      i = parent
    }
    h[i] = t
  }

  peek(): Timer | undefined {
    return this.heap[0]
  }

  pop(): Timer | undefined {
    const h = this.heap
    const top = h[0]
    const last = h.pop()
    if (h.length > 0 && last) {
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && (h[l] as Timer).at < (m === i ? last.at : (h[m] as Timer).at)) m = l
        if (r < h.length && (h[r] as Timer).at < (m === i ? last.at : (h[m] as Timer).at)) m = r
        if (m === i) break
        h[i] = h[m] as Timer
        i = m
      }
      h[i] = last
    }
    return top
  }
}
