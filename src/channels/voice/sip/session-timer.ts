import type { SipRequest } from './message.js'

/** The smallest session interval we take (RFC 4028 §4: at least 90 s). */
export const MIN_SE = 90

export interface SessionTimerTerms {
  /** Seconds the session lives without a refresh. */
  readonly interval: number
  /** Who refreshes: the caller (uac) or we (uas). */
  readonly refresher: 'uac' | 'uas'
  /** The caller supports the extension: our 2xx says `Require: timer` (§9). */
  readonly required: boolean
}

/**
 * The session timer an incoming INVITE asks for (RFC 4028 §9), or the 422 it gets when its
 * interval is below our Min-SE. Undefined: none asked, none used.
 */
export function sessionTimerOf(req: SipRequest): SessionTimerTerms | { readonly tooSmall: true } | undefined {
  const se = /^\s*(\d+)\s*(;.*)?$/.exec(req.headers.get('session-expires') ?? '')
  if (!se) return undefined
  const interval = Number(se[1])
  if (interval < MIN_SE) return { tooSmall: true }
  const named = /;\s*refresher\s*=\s*(uac|uas)/i.exec(se[2] ?? '')?.[1]?.toLowerCase()
  const supported = req.headers
    .getAll('supported')
    .flatMap((v) => v.split(','))
    .some((t) => t.trim().toLowerCase() === 'timer')
  // §9: the caller refreshes when it can; a caller without the extension leaves it to us.
  const refresher = (named as 'uac' | 'uas' | undefined) ?? (supported ? 'uac' : 'uas')
  return { interval, refresher: supported ? refresher : 'uas', required: supported }
}

/** The headers of a 2xx that takes the session timer. */
export function sessionTimerHeaders(t: SessionTimerTerms): Record<string, string> {
  return {
    'session-expires': `${t.interval};refresher=${t.refresher}`,
    ...(t.required ? { require: 'timer' } : {}),
  }
}

/**
 * Keeps a session alive, or notices it died (RFC 4028 §10): we refresh at half the interval when
 * we are the refresher; otherwise a refresh must come before the interval less a third (at most
 * 32 s) has passed. `expired` is called once, when the session should end with a BYE.
 */
export class SessionTimer {
  private timer: ReturnType<typeof setTimeout> | undefined
  private stopped = false

  constructor(
    private terms: SessionTimerTerms,
    private readonly refresh: () => Promise<boolean>,
    private readonly expired: () => void,
  ) {
    this.arm()
  }

  /** A refresh came (an in-dialog INVITE or UPDATE the caller sent, answered 2xx). */
  refreshed(req?: SipRequest): void {
    const asked = req && sessionTimerOf(req)
    if (asked && !('tooSmall' in asked)) this.terms = asked
    this.arm()
  }

  get current(): SessionTimerTerms {
    return this.terms
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
  }

  private arm(): void {
    clearTimeout(this.timer)
    if (this.stopped) return
    const { interval, refresher } = this.terms
    if (refresher === 'uas') {
      this.timer = setTimeout(
        () => {
          void this.refresh().then((ok) => (ok ? this.arm() : this.expire()))
        },
        (interval * 1000) / 2,
      )
    } else {
      this.timer = setTimeout(() => this.expire(), (interval - Math.min(32, interval / 3)) * 1000)
    }
    this.timer.unref?.()
  }

  private expire(): void {
    if (this.stopped) return
    this.stopped = true
    this.expired()
  }
}
