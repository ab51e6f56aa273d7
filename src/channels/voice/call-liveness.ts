import type { LostCause, MediaServer } from '../../app/voice-ports.js'
import type { Dialog } from './sip/dialog.js'
import type { SipRequest } from './sip/message.js'
import type { SessionTimerTerms } from './sip/session-timer.js'
import { SessionTimer, sessionTimerHeaders } from './sip/session-timer.js'
import type { SipUserAgent } from './sip/user-agent.js'

export interface LivenessDeps {
  readonly ua: SipUserAgent
  readonly media: MediaServer
  readonly now: () => number
  /** The media session's id in the media server. */
  readonly callId: string
  /** The session timer the caller's INVITE asked for (RFC 4028), if any. */
  readonly terms: SessionTimerTerms | undefined
  /** No media either way this long ends the call (0: never). */
  readonly mediaTimeoutMs: number
  /** The caller's dialog, while it is up. */
  readonly caller: () => Dialog | undefined
  /** A held call may be silent. */
  readonly held: () => boolean
  /** Runs a check in line with the call's other steps. */
  readonly run: (step: () => Promise<void>) => void
  /** The caller's side is gone: the call ends as the system's, for this reason. */
  readonly lost: (cause: LostCause) => Promise<void>
}

/**
 * Whether a call's caller is still there, beyond its BYE: the session timer it asked for (RFC
 * 4028: refreshed by it, or by us with UPDATE) and the media (rtpengine knows each party's last
 * packet: a phone that lost power, or a NAT that forgot the call, sends nothing).
 */
export class CallLiveness {
  private session: SessionTimer | undefined
  private mediaWatch: ReturnType<typeof setInterval> | undefined
  private stopped = false

  constructor(private readonly deps: LivenessDeps) {}

  /** The headers of our answers in the dialog: the session timer as it stands. */
  headers(): Record<string, string> {
    const terms = this.session?.current ?? this.deps.terms
    return terms ? sessionTimerHeaders(terms) : {}
  }

  /** The caller was answered: its session timer runs from now. */
  answered(): void {
    const terms = this.deps.terms
    if (!terms || this.session || this.stopped) return
    this.session = new SessionTimer(
      terms,
      async () => {
        const dialog = this.deps.caller()
        if (!dialog) return true
        const res = await this.deps.ua.send(dialog, 'UPDATE', this.headers())
        // Only silence or a forgotten dialog means the caller is gone; any other answer is a caller.
        return res.status !== 408 && res.status !== 481
      },
      () => this.deps.run(() => this.lose('session_expired')),
    )
  }

  /** A re-INVITE or UPDATE from the caller: also a session refresh (RFC 4028 §10). */
  refreshed(req: SipRequest): void {
    this.session?.refreshed(req)
  }

  /** The caller's ACK came: the call is up, and its media is watched from now on. */
  confirmed(): void {
    const timeout = this.deps.mediaTimeoutMs
    if (timeout <= 0 || this.mediaWatch || this.stopped) return
    let since = this.deps.now()
    this.mediaWatch = setInterval(
      () =>
        this.deps.run(async () => {
          if (this.stopped) return
          if (this.deps.held()) {
            since = this.deps.now()
            return
          }
          const last = await this.deps.media.lastPacketAt(this.deps.callId).catch(() => null)
          if (this.deps.now() - Math.max(since, last ?? 0) > timeout) await this.lose('media_timeout')
        }),
      Math.min(Math.max(timeout / 3, 1000), 20_000),
    )
    this.mediaWatch.unref()
  }

  /** Our 2xx was never acknowledged (RFC 3261 §13.3.1.4). */
  noAck(): void {
    this.deps.run(() => this.lose('no_ack'))
  }

  stop(): void {
    this.stopped = true
    this.session?.stop()
    clearInterval(this.mediaWatch)
  }

  private lose(cause: LostCause): Promise<void> {
    if (this.stopped) return Promise.resolve()
    this.stop()
    return this.deps.lost(cause)
  }
}
