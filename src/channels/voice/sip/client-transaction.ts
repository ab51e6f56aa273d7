import { SipHeaders } from './headers.js'
import type { SipRequest, SipResponse } from './message.js'
import { callIdOf, cseqOf, request } from './message.js'
import type { ClientCallbacks, Timer, TransactionHost } from './transaction-parts.js'
import type { SipEndpoint } from './transport.js'

/** What a client transaction asks of its layer besides the wire. */
export interface ClientHost extends TransactionHost {
  forgetClient(tx: ClientTransaction): void
}

/** A request we sent, until its final answer (§17.1). */
export class ClientTransaction {
  private timers: Timer[] = []
  private retransmit: Timer | undefined
  state: 'calling' | 'proceeding' | 'completed' | 'terminated' = 'calling'

  constructor(
    readonly request: SipRequest,
    readonly to: SipEndpoint,
    readonly branch: string,
    private readonly layer: ClientHost,
    private readonly callbacks: ClientCallbacks,
  ) {}

  get isInvite(): boolean {
    return this.request.method === 'INVITE'
  }

  start(): void {
    const { T1, T2 } = this.layer.timing
    if (!this.layer.wire.send(this.request, this.to)) {
      // §17.1.4: a transport error is the TU's at once (a browser gone from its WebSocket), not
      // after Timer B.
      this.terminate()
      queueMicrotask(() => this.callbacks.onTimeout())
      return
    }
    if (this.to.transport === 'UDP') {
      // Timer A (INVITE, doubling without cap) or E (non-INVITE, capped at T2).
      const step = (delay: number) => {
        this.retransmit = setTimeout(() => {
          this.layer.wire.send(this.request, this.to)
          step(this.isInvite ? delay * 2 : this.state === 'proceeding' ? T2 : Math.min(delay * 2, T2))
        }, delay)
      }
      step(T1)
    }
    this.timers.push(
      setTimeout(() => {
        if (this.state === 'calling' || this.state === 'proceeding') {
          this.terminate()
          this.callbacks.onTimeout()
        }
      }, 64 * T1), // Timer B / F
    )
  }

  received(res: SipResponse): void {
    if (this.state === 'terminated') return
    if (res.status < 200) {
      if (this.state === 'calling') {
        this.state = 'proceeding'
        // An INVITE stops resending on a provisional answer; a non-INVITE goes on at T2.
        if (this.isInvite) this.stopRetransmit()
      }
      this.callbacks.onProvisional?.(res)
      return
    }
    if (this.state === 'completed') {
      // A retransmitted final answer: our ACK was lost, send it again.
      if (this.isInvite && res.status >= 300) this.layer.wire.send(this.ackFor(res), this.to)
      return
    }
    this.stopRetransmit()
    for (const t of this.timers) clearTimeout(t)
    this.timers = []
    const reliable = this.to.transport !== 'UDP'
    if (this.isInvite && res.status < 300) {
      // The 2xx's ACK belongs to the dialog (a new transaction, §13.2.2.4).
      this.terminate()
    } else {
      if (this.isInvite) this.layer.wire.send(this.ackFor(res), this.to)
      this.state = 'completed'
      const linger = reliable ? 0 : this.isInvite ? 32_000 : this.layer.timing.T4 // Timer D / K
      this.timers.push(setTimeout(() => this.terminate(), linger))
    }
    this.callbacks.onFinal(res)
  }

  /** §17.1.1.3: the ACK of a non-2xx answer, part of this transaction. */
  private ackFor(res: SipResponse): SipRequest {
    const h = new SipHeaders()
    h.append('via', this.request.headers.get('via') ?? '')
    for (const r of this.request.headers.getAll('route')) h.append('route', r)
    h.append('max-forwards', '70')
    h.append('from', this.request.headers.get('from') ?? '')
    h.append('to', res.headers.get('to') ?? '')
    h.append('call-id', callIdOf(this.request))
    h.append('cseq', `${cseqOf(this.request).seq} ACK`)
    return request('ACK', this.request.uri, h)
  }

  private stopRetransmit(): void {
    if (this.retransmit) clearTimeout(this.retransmit)
    this.retransmit = undefined
  }

  terminate(): void {
    this.stopRetransmit()
    for (const t of this.timers) clearTimeout(t)
    this.timers = []
    this.state = 'terminated'
    this.layer.forgetClient(this)
  }
}
