import { parse } from 'sdp-transform'
import type { ListenBridge } from '../../../app/voice-ports.js'
import { description, g711Of } from './sdp-streams.js'
import { FRAME, RtpPort } from './rtp-port.js'

const TICK_MS = 20

/**
 * Listening in on a call (004's extenSpy): the media server sends us a copy of each party's
 * audio (the caller's first, then the agent's), one stream each; we mix them and send the mix to
 * the listening phone. rtpengine 10.5 copies streams but does not mix them. Whispering, the
 * listener is mixed into what the agent hears; barging, into what the caller hears too: the
 * call's own streams to those phones are diverted, and we send them their mix instead.
 */
export class RtpListenBridge implements ListenBridge {
  private sources: RtpPort[] = []
  private readonly speaking = new Map<'agent' | 'caller', RtpPort>()
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
    const to = audioOf(answer)
    this.phone.sendTo(to.host, to.port, to.payloadType)
    this.startedAt = performance.now()
    this.timer = setInterval(() => this.tick(), TICK_MS)
  }

  async speakTo(party: 'agent' | 'caller', sdp: string): Promise<void> {
    const to = audioOf(sdp)
    const port = this.speaking.get(party) ?? (await RtpPort.open(this.bind))
    port.sendTo(to.host, to.port, to.payloadType)
    // The agent was hearing the caller's stream (and the caller the agent's): ours carries on from it.
    const heard = this.sources[party === 'agent' ? 0 : 1]
    if (heard) port.continueStream(heard)
    this.speaking.set(party, port)
  }

  quiet(): void {
    for (const p of this.speaking.values()) p.close()
    this.speaking.clear()
  }

  close(): void {
    clearInterval(this.timer)
    for (const p of [...this.sources, this.phone, ...this.speaking.values()]) p.close()
  }

  /** Sends as many 20 ms frames as the clock says are due: timers run late, the stream may not. */
  private tick(): void {
    const due = Math.floor((performance.now() - this.startedAt) / TICK_MS)
    for (; this.sent < due; this.sent++) {
      const caller = this.sources[0]?.take()
      const agent = this.sources[1]?.take()
      const listener = this.phone.take()
      this.phone.send(mix(caller, agent))
      this.speaking.get('agent')?.send(mix(caller, listener))
      this.speaking.get('caller')?.send(mix(agent, listener))
    }
  }
}

function mix(...frames: (Int16Array | undefined)[]): Int16Array {
  const sum = new Int32Array(FRAME)
  for (const f of frames) if (f) for (let i = 0; i < FRAME; i++) sum[i]! += f[i]!
  return Int16Array.from(sum, (v) => Math.max(-32768, Math.min(32767, v)))
}

/** Where an SDP's audio goes, and in which G.711. */
function audioOf(sdp: string): { host: string; port: number; payloadType: number } {
  const s = parse(sdp)
  const m = s.media.find((x) => x.type === 'audio')
  const host = m?.connection?.ip ?? s.connection?.ip
  if (!m || !host) throw new Error('an SDP without audio')
  return { host, port: m.port, payloadType: g711Of(m.payloads) }
}
