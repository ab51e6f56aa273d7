import type { SipRequest, SipResponse } from './message.js'
import type { Timer, TransactionHost } from './transaction-parts.js'
import { responseTo } from './transaction-parts.js'
import type { SipEndpoint } from './transport.js'
import { responseTarget } from './via.js'

/** What a server transaction asks of its layer besides the wire. */
export interface ServerHost extends TransactionHost {
  retransmitOk(invite: SipRequest, ok: SipResponse, to: SipEndpoint): void
  /** A non-INVITE answered over UDP: its answer is kept for resent requests, the rest let go. */
  linger(tx: ServerTransaction, last: SipResponse): void
  forget(tx: ServerTransaction): void
}

/** A request we received, and how it is answered (§17.2). */
export class ServerTransaction {
  private last: SipResponse | undefined
  private timers: Timer[] = []
  /** `accepted`: an INVITE answered 2xx, kept to absorb its retransmissions (RFC 6026 §7.1). */
  state: 'proceeding' | 'accepted' | 'completed' | 'confirmed' | 'terminated' = 'proceeding'
  /**
   * Set by the TU of an INVITE: a CANCEL for it arrived. The layer has answered the CANCEL 200
   * and the INVITE 487 already; the TU only cleans up.
   */
  onCancel: (() => void) | undefined
  /** A CANCEL ended this INVITE, perhaps before the TU looked at it: it must not answer 2xx. */
  cancelled = false

  /** Where our answers go (§18.2.2): not always the packet's source port. */
  readonly replyTo: SipEndpoint

  constructor(
    readonly request: SipRequest,
    readonly source: SipEndpoint,
    private readonly layer: ServerHost,
    readonly key: string,
  ) {
    this.replyTo = responseTarget(request, source)
  }

  get isInvite(): boolean {
    return this.request.method === 'INVITE'
  }

  /** Sends a response; a final one completes the transaction with the timers §17.2 asks for. */
  respond(res: SipResponse): void {
    if (this.state !== 'proceeding') return
    this.last = res
    this.layer.wire.send(res, this.replyTo)
    if (res.status < 200) return
    const { T1, T2 } = this.layer.timing
    const reliable = this.source.transport !== 'UDP'
    if (this.isInvite && res.status < 300) {
      // The UAS core resends a 2xx until the ACK (§13.3.1.4); the transaction lingers for 64·T1
      // (Timer L) so a retransmitted INVITE is recognised, not taken for a new call.
      this.state = 'accepted'
      this.layer.retransmitOk(this.request, res, this.replyTo)
      this.after(64 * T1, () => this.terminate())
      return
    }
    this.state = 'completed'
    if (this.isInvite) {
      if (!reliable) this.every(T1, T2, () => this.layer.wire.send(res, this.replyTo)) // Timer G
      this.after(64 * T1, () => this.terminate()) // Timer H: no ACK came
    } else if (reliable) this.terminate()
    else {
      // Timer J: the layer answers resent requests for 64·T1 from what it keeps of this one.
      this.state = 'terminated'
      this.layer.linger(this, res)
    }
  }

  /** Convenience: respond with a status built from the request. */
  reply(status: number, reason: string, opts?: Parameters<typeof responseTo>[3]): SipResponse {
    const res = responseTo(this.request, status, reason, opts)
    this.respond(res)
    return res
  }

  /**
   * The same request again: resend what we last said (§17.2.1, §17.2.2). An INVITE answered 2xx
   * is absorbed (RFC 6026 §7.1): its 2xx is the UAS core's to resend, until the ACK.
   */
  retransmitted(): void {
    if (this.last && this.state !== 'accepted') this.layer.wire.send(this.last, this.replyTo)
  }

  /** §9.2: a CANCEL for this INVITE while it is still undecided ends it with 487 at once. */
  cancel(): boolean {
    if (!this.isInvite || this.state !== 'proceeding') return false
    this.cancelled = true
    this.reply(487, 'Request Terminated')
    this.onCancel?.()
    return true
  }

  /** The ACK of a non-2xx final answer (§17.2.1): stop resending, linger for T4 (Timer I). */
  acked(): void {
    if (this.state !== 'completed') return
    this.state = 'confirmed'
    this.clear()
    this.after(this.source.transport === 'UDP' ? this.layer.timing.T4 : 0, () => this.terminate())
  }

  private every(first: number, cap: number, run: () => void): void {
    const step = (delay: number) =>
      this.timers.push(
        setTimeout(() => {
          run()
          step(Math.min(delay * 2, cap))
        }, delay),
      )
    step(first)
  }

  private after(ms: number, run: () => void): void {
    this.timers.push(setTimeout(run, ms))
  }

  private clear(): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers = []
  }

  terminate(): void {
    this.clear()
    this.state = 'terminated'
    this.layer.forget(this)
  }
}
