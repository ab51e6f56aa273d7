import type { DomainEvent } from '../core/events.js'
import type { ContactQueries, EventQuery } from './ports.js'

export type EventFilter = Pick<EventQuery, 'agentId' | 'contactId'>

/** Something that is not an event (not stored, not numbered) but a waiting client should see now. */
export interface Signal {
  readonly type: 'Typing'
  readonly contactId: string
  readonly from: 'customer' | 'agent'
  /** The contact's agent: the waiter it goes to when the customer types. */
  readonly agentId: string | null
}

interface Waiter {
  readonly filter: EventFilter
  readonly deliver: (events: DomainEvent[]) => void
  readonly onSignal: ((s: Signal) => void) | undefined
}

/** A customer's typing goes to the agent's waiters, an agent's to the contact's customer. */
function signalMatches(s: Signal, f: EventFilter): boolean {
  return s.from === 'customer'
    ? f.agentId !== undefined && f.agentId === s.agentId
    : f.contactId === s.contactId && f.agentId === undefined
}

interface Ring {
  readonly events: DomainEvent[]
  /** Seq of the last event stored before this process started publishing: older ones come from storage. */
  readonly baseSeq: number
}

const RING_SIZE = 20_000

function matches(e: DomainEvent, f: EventFilter): boolean {
  if (f.contactId !== undefined && ('contactId' in e ? e.contactId : undefined) !== f.contactId) return false
  if (f.agentId !== undefined) {
    const agentId = 'agentId' in e ? e.agentId : 'fromAgentId' in e ? e.fromAgentId : undefined
    if (agentId !== f.agentId) return false
  }
  return true
}

/**
 * Committed events, fanned out to long-polls and sockets. Recent events are served from memory;
 * a client resuming from further back is served from the events table.
 */
export class EventFeed {
  private readonly rings = new Map<string, Ring>()
  private readonly waiters = new Map<string, Set<Waiter>>()
  private readonly accepting = new Map<string, Promise<void>>()

  constructor(private readonly queries: ContactQueries) {}

  publish(tenantId: string, events: readonly DomainEvent[]): void {
    if (events.length === 0) return
    let ring = this.rings.get(tenantId)
    if (!ring) this.rings.set(tenantId, (ring = { events: [], baseSeq: (events[0] as DomainEvent).seq - 1 }))
    ring.events.push(...events)
    if (ring.events.length > RING_SIZE) ring.events.splice(0, ring.events.length - RING_SIZE)
    for (const w of this.waiters.get(tenantId) ?? []) {
      const mine = events.filter((e) => matches(e, w.filter))
      if (mine.length > 0) w.deliver(mine)
    }
  }

  /**
   * Committed events that may come out of order with what this node has: from the bus (another
   * node owns the tenant), or from this node's router after it took the tenant over. Each goes
   * out once, in seq order; a gap (a message lost, a handover) is read from the events table
   * first, so no waiter skips an event.
   */
  accept(tenantId: string, events: readonly DomainEvent[]): Promise<void> {
    const next = (this.accepting.get(tenantId) ?? Promise.resolve())
      .then(() => this.acceptInOrder(tenantId, events))
      .catch(() => undefined)
    this.accepting.set(tenantId, next)
    return next
  }

  private async acceptInOrder(tenantId: string, events: readonly DomainEvent[]): Promise<void> {
    const known = this.rings.has(tenantId) ? this.lastSeq(tenantId) : undefined
    const fresh = known === undefined ? [...events] : events.filter((e) => e.seq > known)
    const first = fresh[0]
    if (!first) return
    if (known !== undefined && first.seq > known + 1) {
      const gap = await this.queries.events(tenantId, { afterSeq: known, limit: first.seq - known - 1 })
      fresh.unshift(...gap.filter((e) => e.seq > known && e.seq < first.seq))
    }
    this.publish(tenantId, fresh)
  }

  /** Wakes the waiters a signal is for; nothing is kept. */
  signal(tenantId: string, s: Signal): void {
    for (const w of this.waiters.get(tenantId) ?? [])
      if (w.onSignal && signalMatches(s, w.filter)) w.onSignal(s)
  }

  /** Live events (and signals, if asked) from now on; returns an unsubscribe function. */
  subscribe(
    tenantId: string,
    filter: EventFilter,
    deliver: (events: DomainEvent[]) => void,
    onSignal?: (s: Signal) => void,
  ): () => void {
    const set = this.waiters.get(tenantId) ?? new Set<Waiter>()
    this.waiters.set(tenantId, set)
    const w: Waiter = { filter, deliver, onSignal }
    set.add(w)
    return () => set.delete(w)
  }

  /** Events after `afterSeq`, at most `limit`; from memory when it reaches back that far. */
  async after(
    tenantId: string,
    filter: EventFilter,
    afterSeq: number,
    limit: number,
  ): Promise<DomainEvent[]> {
    const ring = this.rings.get(tenantId)
    const oldestInRing = ring?.events[0]?.seq
    if (ring && oldestInRing !== undefined && afterSeq >= Math.max(ring.baseSeq, oldestInRing - 1)) {
      const out: DomainEvent[] = []
      for (let i = lowerIndex(ring.events, afterSeq); i < ring.events.length && out.length < limit; i++) {
        const e = ring.events[i] as DomainEvent
        if (matches(e, filter)) out.push(e)
      }
      return out
    }
    return this.queries.events(tenantId, { ...filter, afterSeq, limit })
  }

  /**
   * Long-poll: events after `afterSeq`, or waits up to `waitMs` for the first one. Resolves
   * empty on timeout, on a signal for the waiter (typing: the caller reads it) or when `signal`
   * aborts (client went away).
   */
  async poll(
    tenantId: string,
    filter: EventFilter,
    afterSeq: number,
    waitMs: number,
    limit: number,
    signal?: AbortSignal,
  ): Promise<DomainEvent[]> {
    const now = await this.after(tenantId, filter, afterSeq, limit)
    if (now.length > 0 || waitMs <= 0 || signal?.aborted) return now
    return new Promise<DomainEvent[]>((resolve) => {
      const done = (events: DomainEvent[]): void => {
        clearTimeout(timer)
        unsubscribe()
        signal?.removeEventListener('abort', onAbort)
        resolve(events.filter((e) => e.seq > afterSeq).slice(0, limit))
      }
      const onAbort = (): void => done([])
      const unsubscribe = this.subscribe(tenantId, filter, done, () => done([]))
      const timer = setTimeout(() => done([]), waitMs)
      signal?.addEventListener('abort', onAbort)
    })
  }

  /** Ends every waiting long-poll and socket subscription with what it has (shutdown). */
  releaseAll(): void {
    for (const set of this.waiters.values()) for (const w of [...set]) w.deliver([])
  }

  /** Highest seq published for a tenant (0 if none yet). */
  lastSeq(tenantId: string): number {
    const ring = this.rings.get(tenantId)
    return ring?.events[ring.events.length - 1]?.seq ?? ring?.baseSeq ?? 0
  }
}

function lowerIndex(events: readonly DomainEvent[], afterSeq: number): number {
  let lo = 0
  let hi = events.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((events[mid] as DomainEvent).seq <= afterSeq) lo = mid + 1
    else hi = mid
  }
  return lo
}
