import { randomBytes } from 'node:crypto'
import { SipHeaders } from './headers.js'
import type { SipMessage, SipRequest, SipResponse } from './message.js'
import { callIdOf, cseqOf, request, response, topVia } from './message.js'
import type { SipEndpoint } from './transport.js'
import { BRANCH_COOKIE, formatVia } from './via.js'

/** RFC 3261 §17 timer base values; tests shrink them. */
export interface Timing {
  readonly T1: number
  readonly T2: number
  readonly T4: number
}
export const RFC_TIMING: Timing = { T1: 500, T2: 4000, T4: 5000 }

/** What the transaction layer needs of a transport. */
export interface Wire {
  readonly host: string
  readonly port: number
  send(msg: SipMessage, to: SipEndpoint): void
  onMessage(handler: (msg: SipMessage, from: SipEndpoint) => void): void
}

export interface ClientCallbacks {
  onProvisional?(res: SipResponse): void
  onFinal(res: SipResponse): void
  /** Timer B or F fired: no final answer (the TU treats it as 408, §8.1.3.1). */
  onTimeout(): void
}

export const newBranch = (): string => `${BRANCH_COOKIE}${randomBytes(10).toString('hex')}`
export const newTag = (): string => randomBytes(6).toString('hex')

/** A response to `req` with its Via, From, To (with `toTag`), Call-ID and CSeq (§8.2.6.2). */
export function responseTo(
  req: SipRequest,
  status: number,
  reason: string,
  opts: {
    readonly toTag?: string
    readonly headers?: Record<string, string | readonly string[]>
    readonly body?: Buffer | string
  } = {},
): SipResponse {
  const h = new SipHeaders()
  for (const v of req.headers.getAll('via')) h.append('via', v)
  h.append('from', req.headers.get('from') ?? '')
  const to = req.headers.get('to') ?? ''
  h.append('to', opts.toTag && status > 100 && !/;\s*tag=/i.test(to) ? `${to};tag=${opts.toTag}` : to)
  h.append('call-id', req.headers.get('call-id') ?? '')
  h.append('cseq', req.headers.get('cseq') ?? '')
  for (const [name, value] of Object.entries(opts.headers ?? {}))
    for (const v of typeof value === 'string' ? [value] : value) h.append(name, v)
  return response(status, reason, h, opts.body)
}

type Timer = ReturnType<typeof setTimeout>

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
    private readonly layer: TransactionLayer,
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

/** A request we sent, until its final answer (§17.1). */
export class ClientTransaction {
  private timers: Timer[] = []
  private retransmit: Timer | undefined
  state: 'calling' | 'proceeding' | 'completed' | 'terminated' = 'calling'

  constructor(
    readonly request: SipRequest,
    readonly to: SipEndpoint,
    readonly branch: string,
    private readonly layer: TransactionLayer,
    private readonly callbacks: ClientCallbacks,
  ) {}

  get isInvite(): boolean {
    return this.request.method === 'INVITE'
  }

  start(): void {
    const { T1, T2 } = this.layer.timing
    this.layer.wire.send(this.request, this.to)
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

/**
 * Matches messages to transactions (§17.1.3, §17.2.3) and runs their timers. What matches none
 * goes to the TU: new requests (with a server transaction), ACKs of 2xx, and 2xx retransmissions.
 */
export class TransactionLayer {
  onRequest: (req: SipRequest, tx: ServerTransaction) => void = (req, tx) => {
    if (req.method !== 'ACK') tx.reply(501, 'Not Implemented')
  }
  /** An ACK for a 2xx (it has no transaction of its own). */
  onAck: (ack: SipRequest, from: SipEndpoint) => void = () => undefined
  /** A response no client transaction is waiting for (a 2xx resent after ours ended). */
  onStrayResponse: (res: SipResponse, from: SipEndpoint) => void = () => undefined
  /** Our 2xx to an INVITE was never ACKed: the TU should end the dialog with BYE (§13.3.1.4). */
  onNoAck: (invite: SipRequest) => void = () => undefined

  private readonly servers = new Map<string, ServerTransaction>()
  private readonly clients = new Map<string, ClientTransaction>()
  private readonly okResends = new Map<string, { stop: () => void }>()

  constructor(
    readonly wire: Wire,
    readonly timing: Timing = RFC_TIMING,
  ) {
    wire.onMessage((msg, from) =>
      msg.kind === 'request' ? this.incoming(msg, from) : this.answered(msg, from),
    )
  }

  /** Sends a request in a new client transaction, with our Via on top (branch given for CANCEL). */
  request(
    req: SipRequest,
    to: SipEndpoint,
    callbacks: ClientCallbacks,
    branch = newBranch(),
  ): ClientTransaction {
    req.headers.prepend(
      'via',
      formatVia({
        transport: to.transport,
        host: this.wire.host,
        port: this.wire.port,
        params: { branch, rport: null },
      }),
    )
    const tx = new ClientTransaction(req, to, branch, this, callbacks)
    if (req.method !== 'ACK') this.clients.set(`${branch}|${req.method}`, tx)
    tx.start()
    return tx
  }

  /** An ACK for a 2xx, sent outside any transaction. */
  sendAck(ack: SipRequest, to: SipEndpoint): void {
    ack.headers.prepend(
      'via',
      formatVia({
        transport: to.transport,
        host: this.wire.host,
        port: this.wire.port,
        params: { branch: newBranch(), rport: null },
      }),
    )
    this.wire.send(ack, to)
  }

  forget(tx: ServerTransaction): void {
    if (this.servers.get(tx.key) === tx) this.servers.delete(tx.key)
  }

  forgetClient(tx: ClientTransaction): void {
    const key = `${tx.branch}|${tx.request.method}`
    if (this.clients.get(key) === tx) this.clients.delete(key)
  }

  /** §13.3.1.4: resend a 2xx at T1, doubling to T2, until its ACK or 64·T1. */
  retransmitOk(invite: SipRequest, ok: SipResponse, to: SipEndpoint): void {
    const key = `${callIdOf(invite)}|${cseqOf(invite).seq}`
    this.okResends.get(key)?.stop()
    let timer: Timer
    const giveUp = setTimeout(() => {
      stop()
      this.onNoAck(invite)
    }, 64 * this.timing.T1)
    const stop = () => {
      clearTimeout(timer)
      clearTimeout(giveUp)
      if (this.okResends.get(key)?.stop === stop) this.okResends.delete(key)
    }
    this.okResends.set(key, { stop })
    if (to.transport !== 'UDP') return
    const step = (delay: number) => {
      timer = setTimeout(() => {
        this.wire.send(ok, to)
        step(Math.min(delay * 2, this.timing.T2))
      }, delay)
    }
    step(this.timing.T1)
  }

  private incoming(req: SipRequest, from: SipEndpoint): void {
    const via = topVia(req)
    const branch = via.params.branch ?? `${callIdOf(req)}|${cseqOf(req).seq}`
    const sentBy = `${via.host}:${via.port ?? 5060}`
    const method = req.method === 'ACK' ? 'INVITE' : req.method
    const key = `${branch}|${sentBy}|${method}`
    const existing = this.servers.get(key)
    if (req.method === 'ACK') {
      if (existing) return existing.acked()
      // Not ours to match: the ACK of a 2xx (or a late one); stop resending that 2xx.
      this.okResends.get(`${callIdOf(req)}|${cseqOf(req).seq}`)?.stop()
      this.onAck(req, from)
      return
    }
    if (existing) return existing.retransmitted()
    const tx = new ServerTransaction(req, from, this, key)
    this.servers.set(key, tx)
    if (req.method === 'CANCEL') return this.cancel(tx, `${branch}|${sentBy}|INVITE`)
    // Stops the caller's retransmissions while the TU decides (§17.2.1).
    if (req.method === 'INVITE') tx.reply(100, 'Trying')
    this.onRequest(req, tx)
  }

  /** §9.2: a CANCEL is answered 200 here; the INVITE it names is told, and answers 487 itself. */
  private cancel(tx: ServerTransaction, inviteKey: string): void {
    const invite = this.servers.get(inviteKey)
    if (!invite || invite.state !== 'proceeding') {
      tx.reply(481, 'Call/Transaction Does Not Exist')
      return
    }
    tx.reply(200, 'OK')
    invite.onCancel?.()
  }

  private answered(res: SipResponse, from: SipEndpoint): void {
    const branch = topVia(res).params.branch ?? ''
    const tx = this.clients.get(`${branch}|${cseqOf(res).method}`)
    if (tx) tx.received(res)
    else this.onStrayResponse(res, from)
  }

  /** Ends every timer (server shutdown). */
  close(): void {
    for (const tx of [...this.servers.values()]) tx.terminate()
    for (const tx of [...this.clients.values()]) tx.terminate()
    for (const r of [...this.okResends.values()]) r.stop()
  }
}
