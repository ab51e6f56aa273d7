import { SipHeaders } from './headers.js'
import type { SipRequest, SipResponse } from './message.js'
import { callIdOf, cseqOf, request } from './message.js'
import { parseNameAddr } from './name-addr.js'
import type { SipEndpoint } from './transport.js'
import { formatUri } from './uri.js'

/**
 * One side of a SIP dialog (§12): its identifiers, the remote target and route set, and our
 * CSeq. In-dialog requests go to `peer`, the address the dialog's first message came from or
 * went to: phones behind NAT are reached where they really are (the spirit of RFC 3581).
 */
export class Dialog {
  private localSeq: number
  remoteSeq: number
  remoteTarget: string
  /** Our side of a re-INVITE in progress: glare (§14.1) gets 491. */
  inviting = false

  private constructor(
    readonly callId: string,
    readonly localTag: string,
    readonly remoteTag: string,
    /** The From (ours) and To (theirs) values of our requests, with tags. */
    private readonly local: string,
    private readonly remote: string,
    readonly routeSet: readonly string[],
    readonly peer: SipEndpoint,
    localSeq: number,
    remoteSeq: number,
    remoteTarget: string,
    private readonly contact: string,
  ) {
    this.localSeq = localSeq
    this.remoteSeq = remoteSeq
    this.remoteTarget = remoteTarget
  }

  get key(): string {
    return dialogKey(this.callId, this.localTag, this.remoteTag)
  }

  /** We answered `invite` (§12.1.1); `localTag` is the tag our answer's To carries. */
  static asServer(invite: SipRequest, localTag: string, peer: SipEndpoint, contact: string): Dialog {
    const from = invite.headers.get('from') ?? ''
    const to = invite.headers.get('to') ?? ''
    return new Dialog(
      callIdOf(invite),
      localTag,
      parseNameAddr(from).params.tag ?? '',
      /;\s*tag=/i.test(to) ? to : `${to};tag=${localTag}`,
      from,
      invite.headers.getAll('record-route'),
      peer,
      Math.floor(Math.random() * 10_000),
      cseqOf(invite).seq,
      targetOf(invite) ?? formatUri(parseNameAddr(from).uri),
      contact,
    )
  }

  /** Our INVITE was answered (§12.1.2). */
  static asClient(invite: SipRequest, answer: SipResponse, peer: SipEndpoint, contact: string): Dialog {
    const to = answer.headers.get('to') ?? ''
    return new Dialog(
      callIdOf(invite),
      parseNameAddr(invite.headers.get('from') ?? '').params.tag ?? '',
      parseNameAddr(to).params.tag ?? '',
      invite.headers.get('from') ?? '',
      to,
      [...answer.headers.getAll('record-route')].reverse(),
      peer,
      cseqOf(invite).seq,
      0,
      targetOf(answer) ?? invite.uri,
      contact,
    )
  }

  /** A new request in this dialog, with the next CSeq (ACK and CANCEL are built elsewhere). */
  request(method: string, headers: Record<string, string> = {}, body?: Buffer | string): SipRequest {
    return this.build(method, ++this.localSeq, headers, body)
  }

  /** The ACK of a 2xx to our INVITE of CSeq `seq` (§13.2.2.4). */
  ack(seq: number, body?: Buffer | string): SipRequest {
    return this.build('ACK', seq, {}, body)
  }

  private build(
    method: string,
    seq: number,
    extra: Record<string, string>,
    body?: Buffer | string,
  ): SipRequest {
    const h = SipHeaders.of({
      route: [...this.routeSet],
      'max-forwards': '70',
      from: this.local,
      to: this.remote,
      'call-id': this.callId,
      cseq: `${seq} ${method}`,
      contact: this.contact,
      'user-agent': 'Switchboard',
      ...extra,
    })
    return request(method, this.remoteTarget, h, body)
  }

  /** A request from the other side: §12.2.2's CSeq order, and a target refresh on re-INVITE. */
  accepts(req: SipRequest): boolean {
    if (req.method === 'ACK' || req.method === 'CANCEL') return true
    const seq = cseqOf(req).seq
    if (seq < this.remoteSeq) return false
    this.remoteSeq = seq
    if (req.method === 'INVITE') this.remoteTarget = targetOf(req) ?? this.remoteTarget
    return true
  }
}

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`
}

function targetOf(msg: SipRequest | SipResponse): string | undefined {
  const contact = msg.headers.get('contact')
  if (!contact || contact.trim() === '*') return undefined
  return formatUri(parseNameAddr(contact).uri)
}
