import { Dialog, dialogKey } from './dialog.js'
import { SipHeaders } from './headers.js'
import type { SipRequest, SipResponse } from './message.js'
import { callIdOf, cseqOf, fromOf, request, toOf } from './message.js'
import type { ClientTransaction, ServerTransaction, TransactionLayer } from './transactions.js'
import { newTag, responseTo } from './transactions.js'
import type { SipEndpoint } from './transport.js'
import { endpointKey } from './transport.js'
import { refusalOf } from './request-checks.js'

export type DialogHandler = (req: SipRequest, tx: ServerTransaction | undefined) => void

interface DialogEntry {
  readonly dialog: Dialog
  handler: DialogHandler
  lastAck?: SipRequest
  noAck?: () => void
}

/** The INVITE was cancelled (and answered 487) before it could be accepted. */
export class CallCancelled extends Error {
  constructor() {
    super('the caller cancelled the call before it was answered')
  }
}

export interface InviteHandlers {
  onProvisional?(res: SipResponse): void
  /** 2xx: the dialog exists and its ACK is sent. */
  onAnswered(dialog: Dialog, res: SipResponse): void
  /** A final failure, a timeout (408) or our CANCEL taking effect (487). */
  onFailed(status: number, reason: string): void
}

/** An INVITE we sent, until it is answered or fails. */
export class OutgoingInvite {
  private provisional = false
  private cancelled = false
  settled = false
  /** Set as soon as the INVITE is sent. */
  tx!: ClientTransaction

  constructor(
    readonly request: SipRequest,
    private readonly ua: SipUserAgent,
  ) {}

  /** §9.1: a CANCEL goes once the callee has said something (a provisional answer). */
  cancel(): void {
    if (this.cancelled || this.settled) return
    this.cancelled = true
    if (this.provisional) this.ua.sendCancel(this)
  }

  get isCancelled(): boolean {
    return this.cancelled
  }

  heard(): void {
    this.provisional = true
    if (this.cancelled) this.ua.sendCancel(this)
  }
}

/**
 * The UA core over the transaction layer: dialogs (§12), requests inside them, INVITEs we send
 * (with CANCEL and the 2xx ACK) and the ones we answer. Requests outside any dialog go to
 * `onRequest`.
 */
export class SipUserAgent {
  onRequest: (req: SipRequest, tx: ServerTransaction) => void = (_, tx) => tx.reply(405, 'Method Not Allowed')
  private readonly dialogs = new Map<string, DialogEntry>()

  constructor(readonly layer: TransactionLayer) {
    layer.onRequest = (req, tx) => this.incoming(req, tx)
    layer.onAck = (ack) => this.dialogFor(ack)?.handler(ack, undefined)
    layer.onStrayResponse = (res) => this.stray(res)
    layer.onNoAck = (invite, ok) => {
      const key = dialogKey(callIdOf(invite), toOf(ok).params.tag ?? '', fromOf(invite).params.tag ?? '')
      this.dialogs.get(key)?.noAck?.()
    }
  }

  /** Our Contact for messages over `transport`. */
  contact(transport: SipEndpoint['transport']): string {
    const { host } = this.layer.wire
    const port = this.layer.wire.portOf?.(transport) ?? this.layer.wire.port
    const h = host.includes(':') ? `[${host}]` : host
    const param = transport === 'UDP' ? '' : `;transport=${transport.toLowerCase()}`
    return `<sip:switchboard@${h}:${port}${param}>`
  }

  /**
   * Answers an INVITE 2xx and makes its dialog; `handler` gets the dialog's later requests, and
   * `noAck` is told when no ACK came within 64·T1 (§13.3.1.4: the dialog must then be ended).
   * Throws CallCancelled when a CANCEL ended the INVITE first.
   */
  acceptInvite(
    tx: ServerTransaction,
    body: string,
    handler: DialogHandler,
    localTag = newTag(),
    noAck?: () => void,
    headers: Record<string, string> = {},
  ): Dialog {
    if (tx.state !== 'proceeding') throw new CallCancelled()
    const contact = this.contact(tx.source.transport)
    const dialog = Dialog.asServer(tx.request, localTag, tx.source, contact)
    this.dialogs.set(dialog.key, { dialog, handler, ...(noAck ? { noAck } : {}) })
    tx.reply(200, 'OK', {
      toTag: localTag,
      headers: {
        // §12.1.1: the route set the caller's proxies asked for comes back in the 2xx.
        'record-route': tx.request.headers.getAll('record-route'),
        contact,
        'content-type': 'application/sdp',
        'user-agent': 'Switchboard',
        allow: ALLOW,
        supported: [...SUPPORTED].join(', '),
        ...headers,
      },
      body,
    })
    return dialog
  }

  /** Answers an offer inside a dialog (a re-INVITE for hold and resume, or an UPDATE) with our SDP. */
  acceptReinvite(tx: ServerTransaction, body: string, headers: Record<string, string> = {}): void {
    tx.reply(200, 'OK', {
      headers: {
        contact: this.contact(tx.source.transport),
        'content-type': 'application/sdp',
        allow: ALLOW,
        ...headers,
      },
      body,
    })
  }

  /** Sends an INVITE outside any dialog (to an agent's phone, or out through a trunk). */
  invite(
    opts: {
      readonly uri: string
      readonly to: SipEndpoint
      readonly from: string
      readonly toHeader: string
      readonly sdp: string
      readonly callId: string
      readonly headers?: Record<string, string>
      /** A preloaded route (§8.1.2): the INVITE goes to `to` (its first hop) carrying it. */
      readonly route?: string
    },
    handlers: InviteHandlers,
  ): OutgoingInvite {
    const req = request(
      'INVITE',
      opts.uri,
      SipHeaders.of({
        'max-forwards': '70',
        from: `${opts.from};tag=${newTag()}`,
        to: opts.toHeader,
        'call-id': opts.callId,
        cseq: `${1 + Math.floor(Math.random() * 10_000)} INVITE`,
        contact: this.contact(opts.to.transport),
        'content-type': 'application/sdp',
        'user-agent': 'Switchboard',
        allow: ALLOW,
        route: opts.route,
        ...opts.headers,
      }),
      opts.sdp,
    )
    const outgoing = new OutgoingInvite(req, this)
    outgoing.tx = this.layer.request(req, opts.to, {
      onProvisional: (res) => {
        outgoing.heard()
        handlers.onProvisional?.(res)
      },
      onFinal: (res) => {
        outgoing.settled = true
        if (res.status >= 300) return handlers.onFailed(res.status, res.reason)
        const dialog = Dialog.asClient(req, res, opts.to, this.contact(opts.to.transport))
        const entry: DialogEntry = {
          dialog,
          handler: (_: SipRequest, t?: ServerTransaction) => t?.reply(481, 'Call/Transaction Does Not Exist'),
        }
        this.dialogs.set(dialog.key, entry)
        entry.lastAck = dialog.ack(cseqOf(req).seq)
        this.layer.sendAck(entry.lastAck, dialog.nextHop)
        // Answered after we gave up on it (§9.1 race): hang up at once.
        if (outgoing.isCancelled) {
          void this.send(dialog, 'BYE').catch(() => undefined)
          this.forget(dialog)
          return handlers.onFailed(487, 'Request Terminated')
        }
        handlers.onAnswered(dialog, res)
      },
      onTimeout: () => {
        outgoing.settled = true
        handlers.onFailed(408, 'Request Timeout')
      },
    })
    return outgoing
  }

  /** Handles the later requests of a dialog (one made by `invite`, or taken over). */
  attach(dialog: Dialog, handler: DialogHandler, noAck?: () => void): void {
    const entry = this.dialogs.get(dialog.key)
    if (entry) {
      entry.handler = handler
      if (noAck) entry.noAck = noAck
    } else this.dialogs.set(dialog.key, { dialog, handler, ...(noAck ? { noAck } : {}) })
  }

  /**
   * A browser's WebSocket came back as another connection (it registered again from there, the
   * same Contact): the dialogs that went to the old one go to the new one, so a call survives
   * a short drop of its signalling.
   */
  moved(from: SipEndpoint, to: SipEndpoint): number {
    let n = 0
    for (const { dialog } of this.dialogs.values())
      if (endpointKey(dialog.peer) === endpointKey(from)) {
        dialog.peer = to
        n++
      }
    return n
  }

  forget(dialog: Dialog): void {
    this.dialogs.delete(dialog.key)
  }

  /** A request inside a dialog; resolves with the final answer (a timeout is a 408). */
  send(
    dialog: Dialog,
    method: string,
    headers?: Record<string, string>,
    body?: string,
  ): Promise<SipResponse> {
    const req = dialog.request(method, headers, body)
    return new Promise((resolve) => {
      this.layer.request(req, dialog.nextHop, {
        onFinal: resolve,
        onTimeout: () => resolve(responseTo(req, 408, 'Request Timeout')),
      })
    })
  }

  /**
   * A request outside any dialog, as OPTIONS to see whether a phone answers (§11); resolves with
   * the final answer (a timeout is a 408).
   */
  ask(method: string, uri: string, to: SipEndpoint, toHeader: string): Promise<SipResponse> {
    const { host } = this.layer.wire
    const req = request(
      method,
      uri,
      SipHeaders.of({
        'max-forwards': '70',
        from: `<sip:switchboard@${host.includes(':') ? `[${host}]` : host}>;tag=${newTag()}`,
        to: toHeader,
        'call-id': `${newTag()}${newTag()}`,
        cseq: `1 ${method}`,
        'user-agent': 'Switchboard',
        accept: 'application/sdp',
      }),
    )
    return new Promise((resolve) => {
      this.layer.request(req, to, {
        onFinal: resolve,
        onTimeout: () => resolve(responseTo(req, 408, 'Request Timeout')),
      })
    })
  }

  /** §9.1: same Request-URI, Call-ID, From, To, CSeq number and branch as the INVITE. */
  sendCancel(invite: OutgoingInvite): void {
    const r = invite.request
    const h = SipHeaders.of({
      route: r.headers.getAll('route'),
      'max-forwards': '70',
      from: r.headers.get('from'),
      to: r.headers.get('to'),
      'call-id': callIdOf(r),
      cseq: `${cseqOf(r).seq} CANCEL`,
    })
    this.layer.request(
      request('CANCEL', r.uri, h),
      invite.tx.to,
      { onFinal: () => undefined, onTimeout: () => undefined },
      invite.tx.branch,
    )
  }

  private incoming(req: SipRequest, tx: ServerTransaction): void {
    const toTag = toOf(req).params.tag
    const refused = refusalOf(req, toTag ? ALLOW_IN_DIALOG : ALLOW_OUTSIDE, SUPPORTED)
    if (refused) return void tx.reply(refused.status, refused.reason, { headers: refused.headers ?? {} })
    if (!toTag) return this.onRequest(req, tx)
    const entry = this.dialogFor(req)
    if (!entry) return void tx.reply(481, 'Call/Transaction Does Not Exist')
    if (!entry.dialog.accepts(req))
      return void tx.reply(500, 'Server Internal Error', { headers: { 'retry-after': '1' } })
    entry.handler(req, tx)
  }

  private dialogFor(req: SipRequest) {
    return this.dialogs.get(
      dialogKey(callIdOf(req), toOf(req).params.tag ?? '', fromOf(req).params.tag ?? ''),
    )
  }

  /** A 2xx to our INVITE, resent because our ACK was lost: ACK it again (§13.2.2.4). */
  private stray(res: SipResponse): void {
    if (res.status < 200 || res.status >= 300 || cseqOf(res).method !== 'INVITE') return
    const entry = this.dialogs.get(
      dialogKey(callIdOf(res), fromOf(res).params.tag ?? '', toOf(res).params.tag ?? ''),
    )
    if (entry?.lastAck) this.layer.wire.send(entry.lastAck, entry.dialog.nextHop)
  }
}

const ALLOW_IN_DIALOG = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REFER', 'NOTIFY', 'INFO', 'UPDATE']
const ALLOW_OUTSIDE = [...ALLOW_IN_DIALOG, 'REGISTER']
export const ALLOW = ALLOW_IN_DIALOG.join(', ')
/** The option tags (Require, Supported) this UA implements. */
export const SUPPORTED: ReadonlySet<string> = new Set<string>(['timer'])
