import type { Socket as UdpSocket } from 'node:dgram'
import { createSocket } from 'node:dgram'
import type { Server, Socket } from 'node:net'
import { createConnection, createServer, isIP, isIPv6 } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls'
import { isUtf8 } from 'node:buffer'
import type { Server as TlsServer } from 'node:tls'
import { answerToBroken } from './broken-request.js'
import type { SipWebSocket } from '../../../app/voice-ports.js'
import type { SipMessage } from './message.js'
import { serialize } from './serialize.js'
import type { Frame } from './stream-framer.js'
import { readFrame, StreamFramer } from './stream-framer.js'
import { parseVia, formatVia } from './via.js'

export type TransportName = 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS'

const TRANSPORTS: readonly TransportName[] = ['UDP', 'TCP', 'TLS', 'WS', 'WSS']

/** A transport named in a Via or a URI's `transport` parameter, in any case; undefined if unknown. */
export function transportNamed(name: string | null | undefined): TransportName | undefined {
  const upper = String(name ?? '').toUpperCase()
  return TRANSPORTS.find((t) => t === upper)
}

/**
 * RFC 7118: a SIP client on a WebSocket (a browser): the server cannot open one to it, so a
 * message for it goes on its connection or nowhere.
 */
export const isWebSocket = (t: TransportName): boolean => t === 'WS' || t === 'WSS'

/** A connection a message can be written to: TCP, TLS or a WebSocket. */
interface Connection {
  write(bytes: Buffer): void
  readonly open: boolean
  close(): void
}

const WS_OPEN = 1
/** A browser that vanished without closing is noticed within two of these. */
const WS_PING_MS = 30_000

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
  private readonly connections = new Map<string, Connection>()
  onError: (error: Error) => void = () => undefined
  /** Sees every message sent and received (SIP debugging, and tests checking a call's trace). */
  onTrace: ((direction: 'in' | 'out', msg: SipMessage, peer: SipEndpoint) => void) | undefined

  /** A WebSocket client's connection closed: what was bound to it cannot be reached any more. */
  onWebSocketClosed: ((flow: SipEndpoint) => void) | undefined

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

  /** The HTTP server's port, once SIP over WebSocket is served there. */
  webSocketPort: number | undefined

  /** The port a transport is reached at. */
  portOf(transport: TransportName): number {
    if (transport === 'TLS') return this.tlsPort ?? this.port
    return isWebSocket(transport) ? (this.webSocketPort ?? this.port) : this.port
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

  /**
   * Sends over UDP, or over the connection to that endpoint (a TCP or TLS one is opened if there
   * is none). False: nothing was sent, because the endpoint is a WebSocket client whose
   * connection is gone (only it can open another).
   */
  send(msg: SipMessage, to: SipEndpoint): boolean {
    const bytes = serialize(msg)
    if (to.transport === 'UDP') {
      this.onTrace?.('out', msg, to)
      this.udp.send(bytes, to.port, to.host, (e) => e && this.onError(e))
      return true
    }
    const key = endpointKey(to)
    let connection = this.connections.get(key)
    if (!connection?.open) {
      if (isWebSocket(to.transport)) return false
      // A phone registered over TLS is reached on its own connection; a new one verifies the peer.
      const socket =
        to.transport === 'TLS'
          ? tlsConnect({ host: to.host, port: to.port, servername: isIP(to.host) ? undefined : to.host })
          : createConnection({ host: to.host, port: to.port })
      connection = this.adopt(socket, to.transport === 'TLS' ? 'TLS' : 'TCP', key)
    }
    this.onTrace?.('out', msg, to)
    connection.write(bytes)
    return true
  }

  /**
   * RFC 7118: a browser's SIP over a WebSocket that the HTTP server accepted (subprotocol `sip`),
   * from `remote`. Each WebSocket message is one whole SIP message, in either direction.
   */
  acceptWebSocket(ws: SipWebSocket, remote: { host: string; port: number }, secure: boolean): void {
    const from: SipEndpoint = {
      transport: secure ? 'WSS' : 'WS',
      host: remote.host.replace(/^::ffff:/, ''),
      port: remote.port,
    }
    const key = endpointKey(from)
    const connection: Connection = {
      // SIP is text; a body that is not (rare) goes as a binary message, which RFC 7118 allows.
      write: (bytes) => ws.send(isUtf8(bytes) ? bytes.toString('utf8') : bytes),
      get open() {
        return ws.readyState === WS_OPEN
      },
      close: () => ws.terminate(),
    }
    this.connections.set(key, connection)
    let alive = true
    ws.on('pong', () => (alive = true))
    const ping = setInterval(() => {
      if (!alive) return ws.terminate()
      alive = false
      ws.ping()
    }, WS_PING_MS)
    ping.unref()
    ws.on('close', () => {
      clearInterval(ping)
      if (this.connections.get(key) === connection) this.connections.delete(key)
      this.onWebSocketClosed?.(from)
    })
    ws.on('error', (e) => this.onError(e))
    ws.on('message', (data) => {
      // A CRLF keep-alive (RFC 5626 §4.4.1, which some clients send on WebSockets too) is answered.
      if (data.length <= 4 && data.toString('latin1').trim() === '') return void ws.send('\r\n')
      this.received(readFrame(data), from)
    })
  }

  private adopt(socket: Socket | TLSSocket, transport: 'TCP' | 'TLS', knownKey?: string): Connection {
    const framer = new StreamFramer()
    socket.setNoDelay(true)
    socket.setTimeout(this.idleTcpMs, () => socket.destroy())
    const remote = (): SipEndpoint => ({
      transport,
      host: (socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
      port: socket.remotePort ?? 0,
    })
    const connection: Connection = {
      write: (bytes) => socket.write(bytes),
      get open() {
        return !socket.destroyed
      },
      close: () => socket.destroy(),
    }
    const register = () => {
      const key = knownKey ?? endpointKey(remote())
      this.connections.set(key, connection)
      socket.once('close', () => {
        if (this.connections.get(key) === connection) this.connections.delete(key)
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
    return connection
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
    for (const c of this.connections.values()) c.close()
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
