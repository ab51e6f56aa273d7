import { parse } from 'sdp-transform'
import type { ListenBridge } from '../../../app/voice-ports.js'
import { description, g711Of } from './sdp-streams.js'
import { FRAME, RtpPort } from './rtp-port.js'

const TICK_MS = 20

/**
 * Listening in on a call (004's extenSpy): the media server sends us a copy of each party's
 * audio, one stream each; we mix them and send the mix to the listening phone. Nothing the
 * listener says goes anywhere. rtpengine 10.5 copies streams but does not mix them.
 */
export class RtpListenBridge implements ListenBridge {
  private sources: RtpPort[] = []
  private timer: NodeJS.Timeout | undefined
  private startedAt = 0
  private sent = 0

  /** Sockets are bound at `bind`; SDPs name `host`, where the media server and phones reach them. */
  private constructor(
    private readonly bind: string,
    private readonly host: string,
    private readonly phone: RtpPort,
  ) {}

  static async open(bind: string, host: string): Promise<RtpListenBridge> {
    return new RtpListenBridge(bind, host, await RtpPort.open(bind))
  }

  async answerSubscription(offer: string): Promise<string> {
    const s = parse(offer)
    this.sources = await Promise.all(s.media.map(() => RtpPort.open(this.bind)))
    return description(
      this.host,
      s.media.map((m, i) => ({
        port: this.sources[i]!.port,
        payloads: [g711Of(m.payloads)],
        direction: 'recvonly',
      })),
    )
  }

  phoneOffer(): string {
    return description(this.host, [{ port: this.phone.port, payloads: [0, 8], direction: 'sendrecv' }])
  }

  phoneAnswered(answer: string): void {
    const s = parse(answer)
    const m = s.media.find((x) => x.type === 'audio')
    const host = m?.connection?.ip ?? s.connection?.ip
    if (!m || !host) throw new Error('the listening phone answered without audio')
    this.phone.sendTo(host, m.port, g711Of(m.payloads))
    this.startedAt = performance.now()
    this.timer = setInterval(() => this.tick(), TICK_MS)
  }

  close(): void {
    clearInterval(this.timer)
    for (const p of [...this.sources, this.phone]) p.close()
  }

  /** Sends as many 20 ms frames as the clock says are due: timers run late, the stream may not. */
  private tick(): void {
    const due = Math.floor((performance.now() - this.startedAt) / TICK_MS)
    for (; this.sent < due; this.sent++) {
      const mix = new Int32Array(FRAME)
      for (const source of this.sources) {
        const frame = source.take()
        if (frame) for (let i = 0; i < FRAME; i++) mix[i]! += frame[i]!
      }
      this.phone.send(Int16Array.from(mix, (v) => Math.max(-32768, Math.min(32767, v))))
    }
  }
}
