import JsSIP from 'jssip'
import type { RTCSession } from 'jssip/lib/RTCSession.js'
import type { IncomingRTCSessionEvent, OutgoingRTCSessionEvent } from 'jssip/lib/UA.js'
import { Ringer } from './ringer.js'

/** What GET /api/v1/softphone gives the signed-in agent. */
export interface SoftphoneLogin {
  readonly extension: string
  readonly uri: string
  readonly username: string
  readonly password: string
  readonly webSocket: string
  readonly expiresAt: string
}

/** The line: whether calls can reach this browser now. */
export type Line = 'connecting' | 'registered' | 'reconnecting' | 'failed' | 'off'

export interface SoftCall {
  readonly session: RTCSession
  readonly from: string
  state: 'ringing' | 'talking'
  muted: boolean
  held: boolean
  /** A call the agent placed (to `from`): no routed contact goes with it. */
  readonly placed: boolean
}

/** Where the agent wants calls to ring when a desk phone is registered too. */
export type RingsOn = 'browser' | 'desk'

/** RFC 3261 q-values the softphone registers with: the server rings the highest. */
const Q: Record<RingsOn, string> = { browser: '1', desk: '0.1' }
const RINGS_ON_KEY = 'switchboard.ringsOn'
/** How long after asking for a call its first leg (this phone) is expected to ring. */
const PLACED_RINGS_WITHIN_MS = 30_000

const RECONNECT_MIN_S = 1
const RECONNECT_MAX_S = 8

/**
 * The agent's phone in the browser (JsSIP, SIP over WebSocket): registers the agent's
 * extension with credentials from the login, rings on a call (a sound the agent can turn off),
 * answers with the microphone, mutes, holds, sends DTMF, transfers and hangs up. JsSIP
 * reconnects a dropped WebSocket and registers again by itself; the call's media goes on
 * meanwhile (it does not travel on the WebSocket).
 */
export class Softphone {
  line: Line = 'off'
  problem: string | null = null
  call: SoftCall | null = null
  /** The SIP domain the extension registers in (where transfers to a number go). */
  domain = ''
  /** Other phones of the extension (a desk phone), as the last registration's answer listed them. */
  otherPhones = 0
  ringsOn: RingsOn = localStorage.getItem(RINGS_ON_KEY) === 'desk' ? 'desk' : 'browser'
  /** A call the agent asked for: its first leg rings this phone, from the number called. */
  private placing: { number: string; until: number } | null = null
  private ua: JsSIP.UA | null = null
  private readonly ringer = new Ringer()

  constructor(
    private readonly speaker: HTMLAudioElement,
    private readonly changed: () => void,
  ) {}

  get ringing(): boolean {
    return this.call?.state === 'ringing'
  }

  get sound(): boolean {
    return this.ringer.enabled
  }

  set sound(on: boolean) {
    this.ringer.enabled = on
    this.changed()
  }

  start(login: SoftphoneLogin): void {
    this.stop()
    this.domain = login.uri.replace(/^sips?:[^@]*@/, '')
    const ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(login.webSocket)],
      uri: login.uri,
      authorization_user: login.username,
      password: login.password,
      register: true,
      // Short: a softphone that vanished (a closed laptop) stops being rung soon.
      register_expires: 120,
      connection_recovery_min_interval: RECONNECT_MIN_S,
      connection_recovery_max_interval: RECONNECT_MAX_S,
      session_timers: false,
      user_agent: 'Switchboard desk (JsSIP)',
    })
    this.ua = ua
    this.line = 'connecting'
    ua.registrator().setExtraContactParams({ q: Q[this.ringsOn] })
    ua.on('registered', (e) => {
      // RFC 3261 §10.3: the answer lists every binding of the extension, this one among them.
      const contacts = e.response.getHeaders('contact').flatMap((h) => h.split(/,(?=\s*<)/))
      const mine = ua.contact.toString().replace(/[<>]/g, '')
      this.otherPhones = contacts.filter((c) => !c.includes(mine)).length
      this.setLine('registered', null)
    })
    ua.on('unregistered', () => this.setLine(this.line === 'off' ? 'off' : 'reconnecting', null))
    ua.on('registrationFailed', (e) =>
      this.setLine('failed', `the phone line was refused (${String(e.cause)}): sign in again`),
    )
    ua.on('disconnected', () => {
      if (this.line !== 'off' && this.line !== 'failed')
        this.setLine('reconnecting', 'the phone line dropped: reconnecting')
    })
    ua.on('newRTCSession', (e: IncomingRTCSessionEvent | OutgoingRTCSessionEvent) => {
      if (String(e.originator) !== 'remote') return
      const session = e.session
      // One call at a time: a second one while busy is turned away (the server will not send one).
      if (this.call) return session.terminate({ status_code: 486, reason_phrase: 'Busy Here' })
      const asked = this.placing
      const placed =
        asked !== null && asked.until > Date.now() && session.remote_identity.uri.user === asked.number
      if (placed) this.placing = null
      this.take(session, placed)
      // The agent asked for this call: it is answered at once, the number rings next.
      if (placed) this.answer()
    })
    ua.start()
    this.changed()
  }

  stop(): void {
    this.ringer.stop()
    this.line = 'off'
    const ua = this.ua
    this.ua = null
    ua?.stop()
  }

  /** Which phone rings: registers again with the preference (a desk phone must be registered too). */
  ringOn(where: RingsOn): void {
    this.ringsOn = where
    localStorage.setItem(RINGS_ON_KEY, where)
    this.ua?.registrator().setExtraContactParams({ q: Q[where] })
    if (this.ua?.isConnected()) this.ua.register()
    this.changed()
  }

  /**
   * The agent calls a number: `ask` has the server place the call, which rings this phone
   * first (answered at once) and then the number.
   */
  async callOut(number: string, ask: () => Promise<unknown>): Promise<void> {
    this.placing = { number, until: Date.now() + PLACED_RINGS_WITHIN_MS }
    try {
      await ask()
    } catch (e) {
      this.placing = null
      throw e
    }
  }

  answer(): void {
    const call = this.call
    if (call?.state !== 'ringing') return
    this.ringer.stop()
    call.session.answer({
      mediaConstraints: { audio: true, video: false },
      rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: false },
    })
  }

  /** Ends the call, or turns away one that rings. */
  hangUp(): void {
    const call = this.call
    if (!call) return
    call.session.terminate(call.state === 'ringing' ? { status_code: 486, reason_phrase: 'Busy Here' } : {})
  }

  mute(on: boolean): void {
    const call = this.call
    if (call?.state !== 'talking') return
    if (on) call.session.mute({ audio: true })
    else call.session.unmute({ audio: true })
  }

  hold(on: boolean): void {
    const call = this.call
    if (call?.state !== 'talking') return
    if (on) call.session.hold()
    else call.session.unhold()
  }

  /** Keys pressed during the call, as RFC 4733 telephone events in the audio. */
  dtmf(keys: string): void {
    if (this.call?.state === 'talking')
      this.call.session.sendDTMF(keys, { transportType: JsSIP.C.DTMF_TRANSPORT.RFC2833 })
  }

  /** Hands the call to `target` (an extension, an access number or any number) by REFER. */
  transfer(target: string): void {
    if (this.call?.state === 'talking') this.call.session.refer(`sip:${target}@${this.domain}`)
  }

  private take(session: RTCSession, placed: boolean): void {
    const identity = session.remote_identity
    const call: SoftCall = {
      session,
      from: identity.display_name || identity.uri.user || 'unknown',
      state: 'ringing',
      muted: false,
      held: false,
      placed,
    }
    this.call = call
    if (!placed) this.ringer.start()
    session.on('peerconnection', ({ peerconnection }) => {
      peerconnection.addEventListener('track', (t) => {
        this.speaker.srcObject = t.streams[0] ?? new MediaStream([t.track])
        void this.speaker.play().catch(() => undefined)
      })
    })
    session.on('accepted', () => {
      call.state = 'talking'
      this.changed()
    })
    session.on('muted', () => ((call.muted = true), this.changed()))
    session.on('unmuted', () => ((call.muted = false), this.changed()))
    session.on('hold', () => ((call.held = true), this.changed()))
    session.on('unhold', () => ((call.held = false), this.changed()))
    const over = (): void => {
      this.ringer.stop()
      if (this.call === call) this.call = null
      this.speaker.srcObject = null
      this.changed()
    }
    session.on('ended', over)
    session.on('failed', over)
    this.changed()
  }

  private setLine(line: Line, problem: string | null): void {
    this.line = line
    this.problem = problem
    this.changed()
  }
}
