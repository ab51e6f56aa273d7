import type { EventFeed } from './event-feed.js'

/** How long "is typing" lasts after the last signal; clients repeat it about every 3 s while typing. */
export const TYPING_MS = 6_000

interface Marks {
  customer: number
  agent: number
}

/** Who typed, or stopped typing, in which chat: what one cluster node tells the others. */
export interface Typed {
  readonly contactId: string
  readonly from: 'customer' | 'agent'
  readonly agentId: string | null
  readonly stopped: boolean
}

/**
 * Who is typing in which chat. Ephemeral by design: a typing indicator is worthless a few seconds
 * later, so it is neither an event nor stored; it only wakes the other party's waiting client.
 */
export class TypingBoard {
  private readonly marks = new Map<string, Marks>()
  /** A cluster node passes each signal on: the other party's client may wait on another node. */
  relay: ((tenantId: string, t: Typed) => void) | undefined

  constructor(private readonly feed: EventFeed) {}

  typing(
    tenantId: string,
    contactId: string,
    from: 'customer' | 'agent',
    agentId: string | null,
    now: number,
  ): void {
    this.mark(tenantId, contactId, from, agentId, now)
    this.relay?.(tenantId, { contactId, from, agentId, stopped: false })
  }

  /** Another node's client typed, or sent what it typed. */
  heard(tenantId: string, t: Typed, now: number): void {
    if (t.stopped) this.clear(tenantId, t.contactId, t.from)
    else this.mark(tenantId, t.contactId, t.from, t.agentId, now)
  }

  private mark(
    tenantId: string,
    contactId: string,
    from: 'customer' | 'agent',
    agentId: string | null,
    now: number,
  ): void {
    const key = `${tenantId}/${contactId}`
    const m = this.marks.get(key) ?? { customer: 0, agent: 0 }
    m[from] = now + TYPING_MS
    this.marks.set(key, m)
    if (this.marks.size > 10_000) this.sweep(now)
    // Every repeat wakes the other side, which shows the indicator for TYPING_MS: clients send
    // one every few seconds while typing, so it neither flickers nor outlives the typing.
    this.feed.signal(tenantId, { type: 'Typing', contactId, from, agentId })
  }

  /** Stops the indicator at once (the message it was for has been sent). */
  stopped(tenantId: string, contactId: string, from: 'customer' | 'agent'): void {
    this.clear(tenantId, contactId, from)
    this.relay?.(tenantId, { contactId, from, agentId: null, stopped: true })
  }

  private clear(tenantId: string, contactId: string, from: 'customer' | 'agent'): void {
    const m = this.marks.get(`${tenantId}/${contactId}`)
    if (m) m[from] = 0
  }

  isTyping(tenantId: string, contactId: string, now: number): { customer: boolean; agent: boolean } {
    const m = this.marks.get(`${tenantId}/${contactId}`)
    return { customer: (m?.customer ?? 0) > now, agent: (m?.agent ?? 0) > now }
  }

  private sweep(now: number): void {
    for (const [k, m] of this.marks) if (m.customer <= now && m.agent <= now) this.marks.delete(k)
  }
}
