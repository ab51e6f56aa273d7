import { randomBytes } from 'node:crypto'
import type { Socket } from 'node:dgram'
import { createSocket } from 'node:dgram'
import type { BValue } from './bencode.js'
import { bdecode, bencode } from './bencode.js'

type NgReply = { readonly [key: string]: BValue | undefined }

export interface NgClientOptions {
  readonly host: string
  readonly port: number
  /** Per attempt; a lost datagram is sent again with the same cookie (rtpengine answers a repeat from its cache). */
  readonly timeoutMs?: number
  readonly attempts?: number
}

interface Waiting {
  readonly resolve: (reply: NgReply) => void
  readonly reject: (e: Error) => void
  timer: NodeJS.Timeout
}

/** rtpengine's ng control protocol: `cookie bencoded-dictionary` over UDP, answered in kind. */
export class NgClient {
  private readonly waiting = new Map<string, Waiting>()
  private next = 0
  private readonly prefix = randomBytes(4).toString('hex')

  private constructor(
    private readonly socket: Socket,
    private readonly opts: Required<NgClientOptions>,
  ) {
    socket.on('message', (msg) => this.received(msg))
  }

  static async open(opts: NgClientOptions): Promise<NgClient> {
    const socket = createSocket(opts.host.includes(':') ? 'udp6' : 'udp4')
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(0, () => {
        socket.off('error', reject)
        resolve()
      })
    })
    // Replies are matched by cookie; a socket error fails nothing by itself (timeouts do).
    socket.on('error', () => undefined)
    return new NgClient(socket, { timeoutMs: 1000, attempts: 3, ...opts })
  }

  get address(): string {
    return `${this.opts.host}:${this.opts.port}`
  }

  /** Sends a command; resolves with the reply, rejects with rtpengine's reason or a timeout. */
  command(name: string, args: Readonly<Record<string, BValue | undefined>> = {}): Promise<NgReply> {
    const cookie = `${this.prefix}_${(this.next++).toString(36)}`
    const packet = Buffer.concat([Buffer.from(`${cookie} `), bencode({ ...args, command: name })])
    return new Promise<NgReply>((resolve, reject) => {
      let attempt = 0
      const send = (): void => {
        attempt++
        this.socket.send(packet, this.opts.port, this.opts.host)
        entry.timer = setTimeout(() => {
          if (attempt < this.opts.attempts) return send()
          this.waiting.delete(cookie)
          reject(new Error(`rtpengine at ${this.address} did not answer ${name} (${attempt} attempts)`))
        }, this.opts.timeoutMs)
      }
      const entry: Waiting = { resolve, reject, timer: setTimeout(() => undefined, 0) }
      this.waiting.set(cookie, entry)
      send()
    })
  }

  private received(msg: Buffer): void {
    const space = msg.indexOf(0x20)
    if (space < 0) return
    const cookie = msg.toString('latin1', 0, space)
    const entry = this.waiting.get(cookie)
    if (!entry) return
    this.waiting.delete(cookie)
    clearTimeout(entry.timer)
    let reply: BValue
    try {
      reply = bdecode(msg.subarray(space + 1))
    } catch (e) {
      entry.reject(new Error(`rtpengine sent an unreadable reply: ${(e as Error).message}`))
      return
    }
    if (typeof reply !== 'object' || Array.isArray(reply)) {
      entry.reject(new Error('rtpengine sent a reply that is not a dictionary'))
      return
    }
    const dict = reply as NgReply
    if (dict.result === 'error')
      entry.reject(
        new Error(`rtpengine: ${typeof dict['error-reason'] === 'string' ? dict['error-reason'] : 'error'}`),
      )
    else entry.resolve(dict)
  }

  close(): void {
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer)
      w.reject(new Error('rtpengine client closed'))
    }
    this.waiting.clear()
    this.socket.close()
  }
}
