import { parse } from 'sdp-transform'
import type { DtmfTap } from '../../../app/voice-ports.js'
import { description, g711Of } from './sdp-streams.js'
import { RtpPort } from './rtp-port.js'

/**
 * The keys a caller presses, heard from a copy of its stream: RFC 4733 events, as phones and
 * trunks send them (menus and ratings need nothing more).
 */
export class RtpDtmfTap implements DtmfTap {
  private listener: (digit: string) => void = () => undefined

  private constructor(
    private readonly host: string,
    private readonly port: RtpPort,
  ) {}

  static async open(bind: string, host: string): Promise<RtpDtmfTap> {
    return new RtpDtmfTap(host, await RtpPort.open(bind))
  }

  async answerSubscription(offer: string): Promise<string> {
    const m = parse(offer).media.find((x) => x.type === 'audio')
    const events = m?.rtp.find((r) => r.codec.toLowerCase() === 'telephone-event')?.payload
    if (events !== undefined) this.port.onDigits(events, (d) => this.listener(d))
    return description(this.host, [
      { port: this.port.port, payloads: [g711Of(m?.payloads)], direction: 'recvonly', events },
    ])
  }

  onDigit(listener: (digit: string) => void): void {
    this.listener = listener
  }

  close(): void {
    this.port.close()
  }
}
