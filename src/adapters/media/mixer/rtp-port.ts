import type { Socket } from 'node:dgram'
import { createSocket } from 'node:dgram'
import g711 from 'alawmulaw'
import { randomBytes } from 'node:crypto'
import { decodeG711 } from '../rtpengine/g711.js'

/** RFC 4733 §3.2: events 0-9, then * and #. */
const DTMF = [...'0123456789*#']

/** 20 ms of 8 kHz audio: what one RTP packet of G.711 carries. */
export const FRAME = 160
// A few frames of slack: more means the source runs ahead of our clock, and the oldest go.
const MAX_QUEUED = 6

/**
 * One RTP endpoint of ours: a UDP socket that hears one stream (G.711, decoded into 20 ms frames)
 * and sends one (encoded as the peer asked), with its own SSRC, sequence and timestamp.
 */
export class RtpPort {
  private readonly frames: Int16Array[] = []
  private peer: { host: string; port: number } | undefined
  private payloadType = 0
  private seq = randomBytes(2).readUInt16BE()
  private timestamp = randomBytes(4).readUInt32BE()
  private ssrc = randomBytes(4).readUInt32BE()
  /** The last packet heard: what a stream taking over from this one continues. */
  private last: { ssrc: number; seq: number; timestamp: number } | undefined
  private following: RtpPort | undefined
  private closed = false
  private events:
    { payloadType: number; timestamp: number | undefined; digit: (d: string) => void } | undefined

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (msg) => this.heard(msg))
    socket.on('error', () => undefined)
  }

  static async open(host: string): Promise<RtpPort> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(0, host, () => {
        socket.off('error', reject)
        resolve()
      })
    })
    return new RtpPort(socket, socket.address().port)
  }

  /** Where to send, and as which G.711 (0 PCMU, 8 PCMA). */
  sendTo(host: string, port: number, payloadType: number): void {
    this.peer = { host, port }
    this.payloadType = payloadType === 8 ? 8 : 0
  }

  /** RFC 4733 events (DTMF) arrive with this payload type: each key press is told once. */
  onDigits(payloadType: number, digit: (d: string) => void): void {
    this.events = { payloadType, timestamp: undefined, digit }
  }

  /**
   * What we send continues the stream `source` hears (its SSRC, sequence and timestamp): a phone
   * that was receiving that stream goes on as if nothing changed. Some jitter buffers (baresip's)
   * drop a new stream whose sequence numbers are behind the old one's.
   */
  continueStream(source: RtpPort): void {
    this.following = source
    this.adopt()
  }

  /** Takes over the followed stream once it has been heard (until then nothing is sent). */
  private adopt(): boolean {
    const last = this.following?.last
    if (!this.following) return true
    if (!last) return false
    this.ssrc = last.ssrc
    this.seq = (last.seq + 1) & 0xffff
    this.timestamp = (last.timestamp + FRAME) >>> 0
    this.following = undefined
    return true
  }

  /** The oldest frame heard and not yet taken. */
  take(): Int16Array | undefined {
    return this.frames.shift()
  }

  send(frame: Int16Array): void {
    if (!this.adopt()) return
    const header = Buffer.alloc(12)
    header[0] = 0x80
    header[1] = this.payloadType
    header.writeUInt16BE(this.seq, 2)
    header.writeUInt32BE(this.timestamp >>> 0, 4)
    header.writeUInt32BE(this.ssrc, 8)
    this.seq = (this.seq + 1) & 0xffff
    this.timestamp = (this.timestamp + FRAME) >>> 0
    if (!this.peer) return
    const payload = this.payloadType === 8 ? g711.alaw.encode(frame) : g711.mulaw.encode(frame)
    this.socket.send(Buffer.concat([header, payload]), this.peer.port, this.peer.host)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.socket.close()
  }

  private heard(msg: Buffer): void {
    if (msg.length < 12 || msg[0]! >> 6 !== 2) return
    const csrcs = msg[0]! & 0x0f
    let offset = 12 + 4 * csrcs
    // RFC 3550 §5.3.1: a header extension's length is in 32-bit words after its 4-byte head.
    if (msg[0]! & 0x10) offset += 4 + 4 * msg.readUInt16BE(offset + 2)
    const padding = msg[0]! & 0x20 ? msg[msg.length - 1]! : 0
    this.last = { ssrc: msg.readUInt32BE(8), seq: msg.readUInt16BE(2), timestamp: msg.readUInt32BE(4) }
    const events = this.events
    if (events && (msg[1]! & 0x7f) === events.payloadType) {
      // One key press is one timestamp, sent again and again (and its end three times).
      const timestamp = msg.readUInt32BE(4)
      const digit = DTMF[msg[offset]!]
      if (digit !== undefined && timestamp !== events.timestamp) {
        events.timestamp = timestamp
        events.digit(digit)
      }
      return
    }
    const samples = decodeG711(msg[1]! & 0x7f, msg.subarray(offset, msg.length - padding))
    if (!samples) return
    for (let i = 0; i + FRAME <= samples.length; i += FRAME) this.frames.push(samples.subarray(i, i + FRAME))
    if (this.frames.length > MAX_QUEUED) this.frames.splice(0, this.frames.length - MAX_QUEUED)
  }
}
