import type { NatsConnection, Subscription } from '@nats-io/transport-node'
import { connect, RequestError, TimeoutError } from '@nats-io/transport-node'
import type { BusMessage, EventBus } from '../../app/cluster-ports.js'
import { BusTimeout, NoResponder, RemoteError } from '../../app/cluster-ports.js'
import { asRemote } from './in-process-bus.js'

// Subjects: `sb.<cluster>.<kind>.<tenant>.<subject>`. The cluster's name keeps two clusters on
// one NATS server (staging and production, say) apart. A tenant id may hold characters a NATS subject may not
// ('.', '*', '>', spaces): it travels as base64url, which has none of them.
const token = (tenantId: string): string =>
  tenantId === '*' ? '*' : Buffer.from(tenantId, 'utf8').toString('base64url') || '_'
const tenantOf = (t: string): string => (t === '_' ? '' : Buffer.from(t, 'base64url').toString('utf8'))

const SUBJECT = /^[A-Za-z0-9_-]+$/
function subjectPart(subject: string): string {
  if (!SUBJECT.test(subject)) throw new Error(`a bus subject is letters, digits, - and _: ${subject}`)
  return subject
}

type Reply = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: Wire }
type Wire = { readonly code: string; readonly message: string; readonly details?: unknown }

/** The bus between nodes on NATS core: pub/sub for fan-out, request/reply (one queue group) for commands. */
export class NatsBus implements EventBus {
  private readonly subs = new Set<Subscription>()

  private constructor(
    private readonly nc: NatsConnection,
    private readonly prefix: string,
  ) {}

  /** `name`: this node's, for NATS's monitoring; `cluster`: the cluster's, letters, digits, - and _. */
  static async connect(url: string, name: string, cluster: string): Promise<NatsBus> {
    const prefix = `sb.${subjectPart(cluster)}`
    const nc = await connect({ servers: url, name, maxReconnectAttempts: -1 })
    return new NatsBus(nc, prefix)
  }

  private subjectOf(kind: 'ev' | 'rq', tenantId: string, subject: string): string {
    return `${this.prefix}.${kind}.${token(tenantId)}.${subjectPart(subject)}`
  }

  publish(tenantId: string, subject: string, payload: unknown): Promise<void> {
    this.nc.publish(this.subjectOf('ev', tenantId, subject), JSON.stringify(payload))
    return Promise.resolve()
  }

  subscribe(tenantId: string, subject: string, handler: (message: BusMessage) => void): () => void {
    const sub = this.nc.subscribe(this.subjectOf('ev', tenantId, subject), {
      callback: (err, msg) => {
        if (err) return
        const t = msg.subject.split('.').at(-2) ?? ''
        try {
          handler({ tenantId: tenantOf(t), subject, payload: msg.json<unknown>() })
        } catch {
          // One subscriber's failure is its own.
        }
      },
    })
    this.subs.add(sub)
    return () => {
      this.subs.delete(sub)
      sub.unsubscribe()
    }
  }

  async request(tenantId: string, subject: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    let msg
    try {
      msg = await this.nc.request(this.subjectOf('rq', tenantId, subject), JSON.stringify(payload), {
        timeout: timeoutMs,
      })
    } catch (e) {
      if (e instanceof RequestError && e.isNoResponders()) throw new NoResponder(tenantId, subject)
      if (e instanceof TimeoutError || (e as Error).cause instanceof TimeoutError)
        throw new BusTimeout(subject, timeoutMs)
      throw e
    }
    const reply = msg.json<Reply>()
    if (reply.ok) return reply.value
    throw new RemoteError(reply.error.code, reply.error.message, reply.error.details)
  }

  respond(tenantId: string, subject: string, answer: (payload: unknown) => Promise<unknown>): () => void {
    // A queue group: while two nodes both answer (a handover), each request reaches one of them.
    const sub = this.nc.subscribe(this.subjectOf('rq', tenantId, subject), {
      queue: 'owner',
      callback: (err, msg) => {
        if (err) return
        void (async () => {
          let reply: Reply
          try {
            reply = { ok: true, value: await answer(msg.json<unknown>()) }
          } catch (e) {
            const r = asRemote(e)
            reply = { ok: false, error: { code: r.code, message: r.message, details: r.details } }
          }
          msg.respond(JSON.stringify(reply))
        })()
      },
    })
    this.subs.add(sub)
    // Drained, not dropped: a request already delivered here is answered (if only "moved"),
    // so its sender need not wait out its timeout.
    return () => {
      this.subs.delete(sub)
      void sub.drain().catch(() => undefined)
    }
  }

  flush(): Promise<void> {
    return this.nc.flush()
  }

  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain()
  }
}
