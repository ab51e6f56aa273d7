import type { BusMessage, EventBus } from '../../app/cluster-ports.js'
import { BusTimeout, NoResponder, RemoteError } from '../../app/cluster-ports.js'

type Handler = (message: BusMessage) => void
type Answer = (payload: unknown) => Promise<unknown>

/**
 * The bus of a single node: subscribers in this process. Delivery is asynchronous and payloads
 * are copied through JSON, as across a network, so that code tested on it behaves the same on
 * NATS (no shared objects, no re-entrant delivery inside publish).
 */
export class InProcessBus implements EventBus {
  private readonly handlers = new Map<string, Set<Handler>>()
  private readonly responders = new Map<string, Answer[]>()
  private closed = false

  publish(tenantId: string, subject: string, payload: unknown): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the bus is closed'))
    const json = JSON.stringify(payload)
    const targets = [
      ...(this.handlers.get(key(tenantId, subject)) ?? []),
      ...(this.handlers.get(key('*', subject)) ?? []),
    ]
    queueMicrotask(() => {
      for (const h of targets) {
        try {
          h({ tenantId, subject, payload: JSON.parse(json) as unknown })
        } catch {
          // One subscriber's failure is its own: the others still get the message.
        }
      }
    })
    return Promise.resolve()
  }

  subscribe(tenantId: string, subject: string, handler: Handler): () => void {
    const k = key(tenantId, subject)
    const set = this.handlers.get(k) ?? new Set<Handler>()
    // A wrapper per subscription: the same function subscribed twice gets each message twice.
    const mine: Handler = (m) => handler(m)
    set.add(mine)
    this.handlers.set(k, set)
    return () => void set.delete(mine)
  }

  async request(tenantId: string, subject: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    const answer = this.responders.get(key(tenantId, subject))?.[0]
    if (!answer) throw new NoResponder(tenantId, subject)
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BusTimeout(subject, timeoutMs)), timeoutMs)
    })
    try {
      const reply = await Promise.race([answer(JSON.parse(JSON.stringify(payload)) as unknown), timeout])
      return reply === undefined ? undefined : (JSON.parse(JSON.stringify(reply)) as unknown)
    } catch (e) {
      throw e instanceof BusTimeout ? e : asRemote(e)
    } finally {
      clearTimeout(timer)
    }
  }

  respond(tenantId: string, subject: string, answer: Answer): () => void {
    const k = key(tenantId, subject)
    const list = this.responders.get(k) ?? []
    list.push(answer)
    this.responders.set(k, list)
    return () => {
      const i = list.indexOf(answer)
      if (i >= 0) list.splice(i, 1)
    }
  }

  flush(): Promise<void> {
    // Deliveries run as microtasks: a macrotask later, every one queued so far has run.
    return new Promise((resolve) => setImmediate(resolve))
  }

  close(): Promise<void> {
    this.closed = true
    this.handlers.clear()
    this.responders.clear()
    return Promise.resolve()
  }
}

const key = (tenantId: string, subject: string): string => `${tenantId}\u0000${subject}`

/** What a requester sees of a responder's error: its code, message and details, no stack. */
export function asRemote(e: unknown): RemoteError {
  if (e instanceof RemoteError) return e
  const err = e as { code?: unknown; message?: unknown; details?: unknown }
  return new RemoteError(
    typeof err.code === 'string' ? err.code : 'INTERNAL',
    typeof err.message === 'string' ? err.message : String(e),
    err.details,
  )
}
