import { createHash } from 'node:crypto'
import type { SipMessage, SipRequest, SipResponse } from './message.js'
import { parseNameAddr } from './name-addr.js'
import type { Wire } from './transaction-parts.js'
import { ownVia, responseTo } from './transaction-parts.js'
import type { SipEndpoint, TransportName } from './transport.js'
import { endpointKey, transportNamed } from './transport.js'
import { BRANCH_COOKIE, parseVia, responseTarget } from './via.js'

/** Marks the branches of requests this node relays: their responses are relayed back. */
const RELAYED = `${BRANCH_COOKIE}sbr`
/** The Route parameter naming the phone's flow (its connection or NAT binding) at this node. */
const FLOW = 'sb-flow'

/** A phone's flow, as a Route parameter: base64url of `transport:host:port`. */
export function flowToken(e: SipEndpoint): string {
  return Buffer.from(endpointKey(e), 'utf8').toString('base64url')
}

function endpointOf(token: string): SipEndpoint | undefined {
  const m = /^(\w+):(.+):(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'))
  const transport = transportNamed(m?.[1])
  return m && transport ? { transport, host: m[2] as string, port: Number(m[3]) } : undefined
}

/** A node's address as an edge: its SIP `host:port`, reached over UDP by the other nodes. */
export const edgeOf = (wire: Pick<Wire, 'host' | 'port'>): string => `${wire.host}:${wire.port}`

/** The Route another node puts on a request for a phone that registered through `edge`. */
export function edgeRoute(edge: string, flow: SipEndpoint): string {
  return `<sip:${edge};lr;${FLOW}=${flowToken(flow)}>`
}

/**
 * Where a node sends a request for a phone bound with an edge other than itself (`self`): to
 * the edge, over UDP, with the Route that names the phone's flow there. Undefined: send it to the
 * phone itself.
 */
export function throughEdge(
  binding: { readonly edge?: string; readonly source: SipEndpoint },
  self: string,
): { to: SipEndpoint; route: string } | undefined {
  const m = binding.edge === undefined || binding.edge === self ? null : /^(.+):(\d+)$/.exec(binding.edge)
  if (!m || binding.edge === undefined) return undefined
  return {
    to: { transport: 'UDP', host: m[1] as string, port: Number(m[2]) },
    route: edgeRoute(binding.edge, binding.source),
  }
}

/**
 * This node as the edge of phones that registered through it (RFC 3327's Path, RFC 5626's flow
 * tokens): another cluster node reaches such a phone (on a TCP or TLS connection, or behind a
 * NAT that lets in only this node's packets) by a Route to this node naming the flow. The relay
 * is stateless (§16.11): it takes its Route off, puts its Via on (a branch derived from the
 * request's, so a retransmission, its CANCEL and its ACK go the same way), record-routes an
 * INVITE so the dialog's requests pass it too, and sends responses back by the next Via.
 */
export class SipRelay {
  constructor(private readonly wire: Wire) {}

  /** Relays the message when it is for a flow here; false: it is this node's own. */
  take(msg: SipMessage, from: SipEndpoint): boolean {
    return msg.kind === 'request' ? this.request(msg, from) : this.response(msg)
  }

  private request(req: SipRequest, from: SipEndpoint): boolean {
    const top = req.headers.get('route')
    if (top === undefined) return false
    let route
    try {
      route = parseNameAddr(top).uri
    } catch {
      return false // not ours to read: the stack answers it as a bad request
    }
    const token = route.params[FLOW]
    if (typeof token !== 'string' || !this.isSelf(route.host, route.port)) return false
    const flow = endpointOf(token)
    if (!flow) return false
    const hops = Number(req.headers.get('max-forwards') ?? 70)
    if (hops <= 0) {
      if (req.method !== 'ACK')
        this.wire.send(responseTo(req, 483, 'Too Many Hops'), responseTarget(req, from))
      return true
    }
    req.headers.shift('route')
    req.headers.set('max-forwards', String(hops - 1))
    // From the phone's flow: on to the next route, or the Request-URI (the other node). Else to the phone.
    const toPhone = endpointKey(from) !== endpointKey(flow)
    const to = toPhone ? flow : this.nextHop(req)
    if (!to) return true
    // The dialog's requests pass here too; the phone sends its own on the flow's transport.
    if (toPhone && req.method === 'INVITE' && !/;\s*tag=/i.test(req.headers.get('to') ?? '')) {
      const transport = flow.transport === 'UDP' ? '' : `;transport=${flow.transport.toLowerCase()}`
      const port = this.wire.portOf?.(flow.transport) ?? this.wire.port
      req.headers.prepend('record-route', `<sip:${this.wire.host}:${port}${transport};lr;${FLOW}=${token}>`)
    }
    const via = parseVia(req.headers.get('via') ?? '')
    const incoming = `${via.params.branch ?? ''}|${via.host}:${via.port ?? 5060}`
    const branch = `${RELAYED}${createHash('sha1').update(incoming).digest('hex').slice(0, 20)}`
    req.headers.prepend('via', ownVia(this.wire, to.transport, branch))
    this.wire.send(req, to)
    return true
  }

  private response(res: SipResponse): boolean {
    const top = res.headers.get('via')
    if (top === undefined) return false
    const via = parseVia(top)
    if (!(via.params.branch ?? '').startsWith(RELAYED) || !this.isSelf(via.host, via.port)) return false
    res.headers.shift('via')
    const next = res.headers.get('via')
    if (next === undefined) return true
    const v = parseVia(next)
    const rport = v.params.rport
    this.wire.send(res, {
      transport: transportNamed(v.transport) ?? 'UDP',
      host: typeof v.params.received === 'string' ? v.params.received : v.host,
      port: typeof rport === 'string' && rport !== '' ? Number(rport) : (v.port ?? 5060),
    })
    return true
  }

  /** The next Route, else the Request-URI: where a request from the phone goes on (§16.6). */
  private nextHop(req: SipRequest): SipEndpoint | undefined {
    const next = req.headers.get('route')
    const uri = next === undefined ? parseNameAddr(`<${req.uri}>`).uri : parseNameAddr(next).uri
    if (uri.scheme !== 'sip' && uri.scheme !== 'sips') return undefined
    const named = transportNamed(uri.params.transport)
    // A node reaches another over UDP, TCP or TLS: WebSockets are for browsers.
    const transport: TransportName =
      uri.scheme === 'sips' || named === 'TLS' ? 'TLS' : named === 'TCP' ? 'TCP' : 'UDP'
    return { transport, host: uri.host, port: uri.port ?? (transport === 'TLS' ? 5061 : 5060) }
  }

  private isSelf(host: string, port: number | null): boolean {
    const p = port ?? 5060
    return (
      host === this.wire.host &&
      (p === this.wire.port || p === this.wire.portOf?.('TLS') || p === this.wire.portOf?.('WS'))
    )
  }
}
