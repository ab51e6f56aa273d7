import type { Socket as UdpSocket } from 'node:dgram'
import { createSocket } from 'node:dgram'
import type { Server, Socket } from 'node:net'
import { createConnection, createServer, isIP, isIPv6 } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls'
import type { Server as TlsServer } from 'node:tls'
import { answerToBroken } from './broken-request.js'
import type { SipMessage } from './message.js'
import { serialize } from './serialize.js'
import type { Frame } from './stream-framer.js'
import { readFrame, StreamFramer } from './stream-framer.js'
import { parseVia, formatVia } from './via.js'

export type TransportName = 'UDP' | 'TCP' | 'TLS'

/** Where a message came from or goes to. */
export interface SipEndpoint {
  readonly transport: TransportName
  readonly host: string
  readonly port: number
}

export const endpointKey = (e: SipEndpoint): string => `${e.transport}:${e.host}:${e.port}`

export interface TransportOptions {
  /** The address to listen on. */
  readonly host: string
  /** The address peers reach us at (Via, Contact): defaults to `host`, which must then not be 0.0.0.0. */
  readonly advertise?: string
  /** 0 picks a free port (tests). */
  readonly port: number
  /** TCP connections idle this long are closed (phones keep theirs alive with CRLF pings). */
  readonly idleTcpMs?: number
  /** SIP over TLS (RFC 3261 §26) on its own port (5061; 0 picks one), with this certificate. */
  readonly tls?: { readonly port: number; readonly cert: string | Buffer; readonly key: string | Buffer }
}

export type MessageHandler = (msg: SipMessage, from: SipEndpoint) => void

/**
 * UDP and TCP on one address. Requests get `received`/`rport` on their top Via (RFC 3581), so
 * answers and later requests reach a phone behind NAT at the address it actually sent from;
 * unreadable requests are answered 400 where they can be; nothing malformed gets further.
 */
export class SipTransport {
  private handler: MessageHandler = () => undefined
  private readonly connections = new Map<string, Socket>()
  onError: (error: Error) => void = () => undefined
  /** Sees every message sent and received (SIP debugging, and tests checking a call's trace). */
  onTrace: ((direction: 'in' | 'out', msg: SipMessage, peer: SipEndpoint) => void) | undefined

  /** The TLS port, when TLS is on. */
  tlsPort: number | undefined
  private tls: TlsServer | undefined

  private constructor(
    private readonly udp: UdpSocket,
    private readonly tcp: Server,
    readonly host: string,
    readonly port: number,
    private readonly idleTcpMs: number,
  ) {
    udp.on('message', (data, rinfo) =>
      this.received(readFrame(data), { transport: 'UDP', host: rinfo.address, port: rinfo.port }),
    )
    udp.on('error', (e) => this.onError(e))
    tcp.on('connection', (socket) => this.adopt(socket, 'TCP'))
  }

  /** The port a transport is reached at. */
  portOf(transport: TransportName): number {
    return transport === 'TLS' ? (this.tlsPort ?? this.port) : this.port
  }

  private async listenTls(host: string, tls: NonNullable<TransportOptions['tls']>): Promise<void> {
    const server = createTlsServer({ cert: tls.cert, key: tls.key })
    server.on('secureConnection', (socket) => this.adopt(socket, 'TLS'))
    // A client that fails the handshake is its own problem, not the server's.
    server.on('tlsClientError', (e) => this.onError(e))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(tls.port, host, () => resolve())
    })
    this.tls = server
    this.tlsPort = (server.address() as { port: number }).port
  }

  static async listen(opts: TransportOptions): Promise<SipTransport> {
    // Port 0: the UDP port chosen may be taken on TCP; another is tried (a given port is not).
    for (let attempt = 1; ; attempt++) {
      try {
        return await SipTransport.bind(opts)
      } catch (e) {
        if (opts.port !== 0 || attempt >= 10 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e
      }
    }
  }

  private static async bind(opts: TransportOptions): Promise<SipTransport> {
    const udp = createSocket(isIPv6(opts.host) ? 'udp6' : 'udp4')
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject)
      udp.bind(opts.port, opts.host, () => resolve())
    })
    widenReceiveBuffer(udp)
    const port = udp.address().port
    const tcp = createServer()
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject)
      tcp.listen(port, opts.host, () => resolve())
    }).catch((e: unknown) => {
      udp.close()
      throw e
    })
    const transport = new SipTransport(
      udp,
      tcp,
      opts.advertise ?? opts.host,
      port,
      opts.idleTcpMs ?? 10 * 60_000,
    )
    if (opts.tls)
      await transport.listenTls(opts.host, opts.tls).catch(async (e: unknown) => {
        await transport.close()
        throw e
      })
    return transport
  }

  onMessage(handler: MessageHandler): void {
    this.handler = handler
  }

  /** Sends over UDP, or over the TCP connection to that endpoint (opened if there is none). */
  send(msg: SipMessage, to: SipEndpoint): void {
    const bytes = serialize(msg)
    this.onTrace?.('out', msg, to)
    if (to.transport === 'UDP') {
      this.udp.send(bytes, to.port, to.host, (e) => e && this.onError(e))
      return
    }
    const key = endpointKey(to)
    let socket = this.connections.get(key)
    if (!socket || socket.destroyed) {
      // A phone registered over TLS is reached on its own connection; a new one verifies the peer.
      socket =
        to.transport === 'TLS'
          ? tlsConnect({ host: to.host, port: to.port, servername: isIP(to.host) ? undefined : to.host })
          : createConnection({ host: to.host, port: to.port })
      this.adopt(socket, to.transport, key)
    }
    socket.write(bytes)
  }

  private adopt(socket: Socket | TLSSocket, transport: 'TCP' | 'TLS', knownKey?: string): void {
    const framer = new StreamFramer()
    socket.setNoDelay(true)
    socket.setTimeout(this.idleTcpMs, () => socket.destroy())
    const remote = (): SipEndpoint => ({
      transport,
      host: (socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
      port: socket.remotePort ?? 0,
    })
    const register = () => {
      const key = knownKey ?? endpointKey(remote())
      this.connections.set(key, socket)
      socket.once('close', () => {
        if (this.connections.get(key) === socket) this.connections.delete(key)
      })
    }
    if (socket.remoteAddress) register()
    else socket.once(transport === 'TLS' ? 'secureConnect' : 'connect', register)
    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[]
      try {
        const r = framer.push(chunk)
        frames = r.frames
        if (r.keepAlives > 0) socket.write('\r\n')
      } catch (e) {
        // The stream is out of step: nothing after this point can be framed.
        this.onError(e instanceof Error ? e : new Error(String(e)))
        socket.destroy()
        return
      }
      for (const f of frames) this.received(f, remote())
    })
    socket.on('error', (e: Error) => this.onError(e))
  }

  private received(frame: Frame, from: SipEndpoint): void {
    if (frame.kind === 'broken') {
      const answer = answerToBroken(frame.raw, frame.error)
      if (answer) this.send(answer, from)
      return
    }
    const msg = frame.message
    if (msg.kind === 'request') stampVia(msg, from)
    this.onTrace?.('in', msg, from)
    try {
      this.handler(msg, from)
    } catch (e) {
      // A handler's bug must not take the socket down with it.
      this.onError(e instanceof Error ? e : new Error(String(e)))
    }
  }

  async close(): Promise<void> {
    for (const s of this.connections.values()) s.destroy()
    await Promise.all([
      new Promise<void>((resolve) => this.udp.close(() => resolve())),
      new Promise<void>((resolve) => this.tcp.close(() => resolve())),
      new Promise<void>((resolve) => (this.tls ? this.tls.close(() => resolve()) : resolve())),
    ])
  }
}

/** §18.2.1 and RFC 3581: note where the request really came from on its top Via. */
function stampVia(msg: SipMessage, from: SipEndpoint): void {
  const top = msg.headers.get('via')
  if (top === undefined) return
  const via = parseVia(top)
  const params: Record<string, string | null> = { ...via.params }
  if (via.host !== from.host) params.received = from.host
  if ('rport' in params) {
    params.rport = String(from.port)
    params.received = from.host
  }
  const all = msg.headers.getAll('via')
  msg.headers.set('via', formatVia({ ...via, params }))
  for (const v of all.slice(1)) msg.headers.append('via', v)
}

/**
 * The kernel's default receive buffer (about 200 KiB) overflows during a garbage collection at a
 * few thousand messages a second, and every datagram dropped is a retransmission 500 ms later.
 * Ask for 4 MiB; Linux grants up to net.core.rmem_max.
 */
function widenReceiveBuffer(udp: ReturnType<typeof createSocket>): void {
  try {
    udp.setRecvBufferSize(4 * 1024 * 1024)
  } catch {
    // A platform that refuses keeps its default.
  }
}
