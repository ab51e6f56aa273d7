import type { PhoneBinding } from '../../app/voice-ports.js'
import type { SipUserAgent } from './sip/user-agent.js'

export interface QualifyOptions {
  /** How often every registered phone is asked (Asterisk's qualifyfreq is 60 s). */
  readonly everyMs: number
  /** No answer within this long: the phone is unreachable. */
  readonly timeoutMs: number
}

/**
 * Asterisk's `qualify`: an OPTIONS to every registered phone now and then. Any answer means the
 * phone is there; its round trip is the latency 004's extension-status shows ("OK (45 ms)").
 */
export class PhoneQualifier {
  private readonly latency = new Map<string, number | null>()
  private timer: NodeJS.Timeout | undefined
  private readonly asking = new Set<string>()

  constructor(
    private readonly ua: SipUserAgent,
    private readonly bindings: () => readonly PhoneBinding[],
    private readonly opts: QualifyOptions = { everyMs: 60_000, timeoutMs: 5000 },
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      for (const b of this.bindings()) void this.check(b)
    }, this.opts.everyMs)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
  }

  /** Round trip in ms; null: it did not answer; undefined: not asked yet. */
  of(tenantId: string, extension: string): number | null | undefined {
    return this.latency.get(key(tenantId, extension))
  }

  forget(tenantId: string, extension: string): void {
    this.latency.delete(key(tenantId, extension))
  }

  async check(b: PhoneBinding): Promise<void> {
    const k = key(b.tenantId, b.extension)
    if (this.asking.has(k)) return
    this.asking.add(k)
    const started = performance.now()
    let timer: NodeJS.Timeout | undefined
    try {
      const status = await Promise.race([
        this.ua
          .ask('OPTIONS', b.contact, b.source, `<sip:${b.extension}@${b.source.host}>`)
          .then((r) => r.status),
        new Promise<number>((resolve) => (timer = setTimeout(() => resolve(408), this.opts.timeoutMs))),
      ])
      // Any answer but our own timeout says the phone is there, as Asterisk counts it.
      this.latency.set(k, status === 408 ? null : Math.max(1, Math.round(performance.now() - started)))
    } finally {
      clearTimeout(timer)
      this.asking.delete(k)
    }
  }
}

const key = (tenantId: string, extension: string): string => `${tenantId}\u0000${extension}`
