import type { AudioMixer, DtmfTap, ListenBridge } from '../../../app/voice-ports.js'
import { RtpDtmfTap } from './dtmf-tap.js'
import { RtpListenBridge } from './listen-bridge.js'

/** Bridges for listening in: sockets bound at `bind`, reached at `host`. */
export class RtpMixer implements AudioMixer {
  constructor(
    private readonly bind: string,
    private readonly host: string,
  ) {}

  listen(): Promise<ListenBridge> {
    return RtpListenBridge.open(this.bind, this.host)
  }

  dtmf(): Promise<DtmfTap> {
    return RtpDtmfTap.open(this.bind, this.host)
  }
}
