import type { SipMessage, SipRequest, SipResponse } from './message.js'
import { callIdOf, cseqOf, topVia } from './message.js'
import { ClientTransaction } from './client-transaction.js'
import { ServerTransaction } from './server-transaction.js'
import type { ClientCallbacks, Timer, Timing, Wire } from './transaction-parts.js'
import { newBranch, ownVia, RFC_TIMING } from './transaction-parts.js'
import type { SipEndpoint } from './transport.js'
import { formatVia } from './via.js'

export type { ClientCallbacks, Timing, Wire } from './transaction-parts.js'
export { newBranch, newTag, responseTo, RFC_TIMING } from './transaction-parts.js'
export { ClientTransaction } from './client-transaction.js'
export { ServerTransaction } from './server-transaction.js'

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
  /** Takes messages that only pass through this node (a cluster's relay to its phones) first. */
  relay: ((msg: SipMessage, from: SipEndpoint) => boolean) | undefined
  /** Our 2xx to an INVITE was never ACKed: the TU should end the dialog with BYE (§13.3.1.4). */
  onNoAck: (invite: SipRequest, ok: SipResponse) => void = () => undefined

  private readonly servers = new Map<string, ServerTransaction>()
  /** Live server transactions of requests outside a dialog, by what §8.2.2.2 compares. */
  private readonly unmerged = new Map<string, string>()
  private readonly clients = new Map<string, ClientTransaction>()
  private readonly okResends = new Map<string, { stop: () => void }>()
  /**
   * Completed non-INVITE transactions over UDP (Timer J, §17.2.2), oldest first: only their last
   * answer and where it went. A registrar at thousands of REGISTERs a second keeps tens of
   * thousands of them; whole transactions with a timer each cost a third of its CPU.
   */
  private readonly lingering = new Map<string, Lingering>()
  private lingerTimer: Timer | undefined

  constructor(
    readonly wire: Wire,
    readonly timing: Timing = RFC_TIMING,
  ) {
    wire.onMessage((msg, from) => {
      if (this.relay?.(msg, from)) return
      if (msg.kind === 'request') this.incoming(msg, from)
      else this.answered(msg, from)
    })
  }

  /** Sends a request in a new client transaction, with our Via on top (branch given for CANCEL). */
  request(
    req: SipRequest,
    to: SipEndpoint,
    callbacks: ClientCallbacks,
    branch = newBranch(),
  ): ClientTransaction {
    req.headers.prepend('via', ownVia(this.wire, to.transport, branch))
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
        port: this.wire.portOf?.(to.transport) ?? this.wire.port,
        params: { branch: newBranch(), rport: null },
      }),
    )
    this.wire.send(ack, to)
  }

  linger(tx: ServerTransaction, last: SipResponse): void {
    if (this.servers.get(tx.key) === tx) this.servers.delete(tx.key)
    this.lingering.set(tx.key, {
      last,
      to: tx.replyTo,
      until: Date.now() + 64 * this.timing.T1,
      merge: mergeKey(tx.request),
    })
    this.lingerTimer ??= setTimeout(() => this.endLingering(), 64 * this.timing.T1)
  }

  /** Lets go of every lingering transaction whose time is up; waits for the next oldest. */
  private endLingering(): void {
    this.lingerTimer = undefined
    const now = Date.now()
    for (const [key, l] of this.lingering) {
      if (l.until > now) {
        this.lingerTimer = setTimeout(() => this.endLingering(), l.until - now)
        return
      }
      this.lingering.delete(key)
      if (l.merge && this.unmerged.get(l.merge) === key) this.unmerged.delete(l.merge)
    }
  }

  forget(tx: ServerTransaction): void {
    if (this.servers.get(tx.key) === tx) this.servers.delete(tx.key)
    const merge = mergeKey(tx.request)
    if (merge && this.unmerged.get(merge) === tx.key) this.unmerged.delete(merge)
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
      this.onNoAck(invite, ok)
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
      // An ACK reusing the INVITE's branch after a 2xx is still a 2xx's ACK: the TU's.
      if (existing && existing.state !== 'accepted') return existing.acked()
      // Not ours to match: the ACK of a 2xx (or a late one); stop resending that 2xx.
      this.okResends.get(`${callIdOf(req)}|${cseqOf(req).seq}`)?.stop()
      this.onAck(req, from)
      return
    }
    if (existing) return existing.retransmitted()
    const done = this.lingering.get(key)
    if (done) return void this.wire.send(done.last, done.to)
    const tx = new ServerTransaction(req, from, this, key)
    this.servers.set(key, tx)
    if (req.method === 'CANCEL') return this.cancel(tx, `${branch}|${sentBy}|INVITE`)
    // §8.2.2.2: the same request reaching us again by another path (a fork merged back) is a loop.
    const merge = mergeKey(req)
    if (merge) {
      const first = this.unmerged.get(merge)
      if (first !== undefined && first !== key && (this.servers.has(first) || this.lingering.has(first)))
        return void tx.reply(482, 'Loop Detected')
      this.unmerged.set(merge, key)
    }
    // Stops the caller's retransmissions while the TU decides (§17.2.1).
    if (req.method === 'INVITE') tx.reply(100, 'Trying')
    this.onRequest(req, tx)
  }

  /** §9.2: a CANCEL is answered 200 here; the INVITE it names is told, and answers 487 itself. */
  private cancel(tx: ServerTransaction, inviteKey: string): void {
    const invite = this.servers.get(inviteKey)
    if (!invite) return void tx.reply(481, 'Call/Transaction Does Not Exist')
    // Answered already: the CANCEL has no effect, but its own transaction succeeds (§9.2).
    tx.reply(200, 'OK')
    invite.cancel()
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
    clearTimeout(this.lingerTimer)
    this.lingering.clear()
  }
}

interface Lingering {
  readonly last: SipResponse
  readonly to: SipEndpoint
  /** When Timer J fires (Date.now()). */
  readonly until: number
  readonly merge: string | undefined
}

/** What makes two requests outside a dialog the same request (§8.2.2.2); undefined inside one. */
function mergeKey(req: SipRequest): string | undefined {
  if (req.method === 'ACK' || req.method === 'CANCEL') return undefined
  const to = req.headers.get('to') ?? ''
  if (/;\s*tag=/i.test(to)) return undefined
  const tag = /;\s*tag=([^;\s]+)/i.exec(req.headers.get('from') ?? '')?.[1] ?? ''
  const cseq = cseqOf(req)
  return `${callIdOf(req)}|${tag}|${cseq.seq}|${cseq.method}`
}
