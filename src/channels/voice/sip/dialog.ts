import { SipHeaders } from './headers.js'
import type { SipRequest, SipResponse } from './message.js'
import { callIdOf, cseqOf, request } from './message.js'
import { parseNameAddr } from './name-addr.js'
import type { SipEndpoint } from './transport.js'
import { transportNamed } from './transport.js'
import { formatUri } from './uri.js'

/**
 * One side of a SIP dialog (§12): its identifiers, the remote target and route set, and our
 * CSeq. In-dialog requests follow the route set (a carrier's SBC that record-routed sees ACK and
 * BYE); without one they go to `peer`, the address the dialog's first message came from or went
 * to, so phones behind NAT are reached where they really are (the spirit of RFC 3581).
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
    /** Where the other side is: a browser that reconnected its WebSocket moves it (`moved`). */
    public peer: SipEndpoint,
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

  /** Where our in-dialog requests are sent: the first route (§12.2.1.1), else the peer. */
  get nextHop(): SipEndpoint {
    const first = this.routeSet[0]
    if (first === undefined) return this.peer
    const uri = parseNameAddr(first).uri
    const transport =
      transportNamed(uri.params.transport) ?? (uri.scheme === 'sips' ? 'TLS' : this.peer.transport)
    return { transport, host: uri.host, port: uri.port ?? 5060 }
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
    // A first route without `lr` is a strict router (RFC 2543): it gets the Request-URI, and the
    // remote target goes last in the Route header (§12.2.1.1).
    const strict = this.routeSet.length > 0 && !('lr' in parseNameAddr(this.routeSet[0] as string).uri.params)
    const route = strict ? [...this.routeSet.slice(1), `<${this.remoteTarget}>`] : [...this.routeSet]
    const target = strict ? formatUri(parseNameAddr(this.routeSet[0] as string).uri) : this.remoteTarget
    const h = SipHeaders.of({
      route,
      'max-forwards': '70',
      from: this.local,
      to: this.remote,
      'call-id': this.callId,
      cseq: `${seq} ${method}`,
      contact: this.contact,
      'user-agent': 'Switchboard',
      ...extra,
    })
    return request(method, target, h, body)
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
