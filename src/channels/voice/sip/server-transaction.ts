import type { SipRequest, SipResponse } from './message.js'
import type { Timer, TransactionHost } from './transaction-parts.js'
import { responseTo } from './transaction-parts.js'
import type { SipEndpoint } from './transport.js'

/** What a server transaction asks of its layer besides the wire. */
export interface ServerHost extends TransactionHost {
  retransmitOk(invite: SipRequest, ok: SipResponse, to: SipEndpoint): void
  forget(tx: ServerTransaction): void
}

/** A request we received, and how it is answered (§17.2). */
export class ServerTransaction {
  private last: SipResponse | undefined
  private timers: Timer[] = []
  state: 'proceeding' | 'completed' | 'confirmed' | 'terminated' = 'proceeding'
  /** Set by the TU of an INVITE: a CANCEL for it arrived (the layer already answered the CANCEL 200). */
  onCancel: (() => void) | undefined

  constructor(
    readonly request: SipRequest,
    readonly source: SipEndpoint,
    private readonly layer: ServerHost,
    readonly key: string,
  ) {}

  get isInvite(): boolean {
    return this.request.method === 'INVITE'
  }

  /** Sends a response; a final one completes the transaction with the timers §17.2 asks for. */
  respond(res: SipResponse): void {
    if (this.state !== 'proceeding') return
    this.last = res
    this.layer.wire.send(res, this.source)
    if (res.status < 200) return
    const { T1, T2 } = this.layer.timing
    const reliable = this.source.transport !== 'UDP'
    if (this.isInvite && res.status < 300) {
      // A 2xx ends the transaction; the UAS core resends it until the ACK (§13.3.1.4).
      this.terminate()
      this.layer.retransmitOk(this.request, res, this.source)
      return
    }
    this.state = 'completed'
    if (this.isInvite) {
      if (!reliable) this.every(T1, T2, () => this.layer.wire.send(res, this.source)) // Timer G
      this.after(64 * T1, () => this.terminate()) // Timer H: no ACK came
    } else this.after(reliable ? 0 : 64 * T1, () => this.terminate()) // Timer J
  }

  /** Convenience: respond with a status built from the request. */
  reply(status: number, reason: string, opts?: Parameters<typeof responseTo>[3]): SipResponse {
    const res = responseTo(this.request, status, reason, opts)
    this.respond(res)
    return res
  }

  /** The same request again: resend what we last said (§17.2.1, §17.2.2). */
  retransmitted(): void {
    if (this.last) this.layer.wire.send(this.last, this.source)
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
