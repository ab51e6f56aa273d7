import JsSIP from 'jssip'
import WebSocket from 'ws'

// JsSIP, the SIP library the browser pages use, run in Node for signalling only (registration):
// a peer we did not write, speaking SIP over WebSocket as browsers do. Calls with media are
// tested in Chromium.

/** JsSIP opens `new WebSocket(url, 'sip')`: Node gets `ws`, trusting `ca` for WSS. */
function useWebSocket(ca: Buffer | undefined): void {
  ;(globalThis as { WebSocket?: unknown }).WebSocket = class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, ca ? { ca } : {})
    }
  }
}

export interface JsSipPhone {
  readonly ua: JsSIP.UA
  /** Resolves once registered; rejects with the reason JsSIP gives when refused. */
  readonly registered: Promise<void>
  stop(): Promise<void>
}

/** A JsSIP user agent registering `user` at the server's `/sip` WebSocket (`url`: ws:// or wss://). */
export function jssipPhone(opts: {
  url: string
  user: string
  domain: string
  password: string
  authorizationUser?: string
  ca?: Buffer
}): JsSipPhone {
  useWebSocket(opts.ca)
  const socket = new JsSIP.WebSocketInterface(opts.url)
  const ua = new JsSIP.UA({
    sockets: [socket],
    uri: `sip:${opts.user}@${opts.domain}`,
    password: opts.password,
    ...(opts.authorizationUser ? { authorization_user: opts.authorizationUser } : {}),
    register: true,
    register_expires: 600,
    connection_recovery_min_interval: 1,
    connection_recovery_max_interval: 2,
  })
  const registered = new Promise<void>((resolve, reject) => {
    ua.on('registered', () => resolve())
    ua.on('registrationFailed', (e) => reject(new Error(`registration failed: ${e.cause}`)))
  })
  registered.catch(() => undefined)
  ua.start()
  return {
    ua,
    registered,
    stop: () =>
      new Promise<void>((resolve) => {
        if (!ua.isConnected()) return resolve()
        ua.once('disconnected', () => resolve())
        ua.stop()
      }),
  }
}
