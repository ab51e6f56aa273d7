import type { AudioMixer, DtmfTap, MediaServer } from '../../app/voice-ports.js'
import { newTag } from './sip/transactions.js'

/**
 * The keys a caller presses, in order: RFC 4733 events from a copy of its stream (through our
 * tap), or SIP INFO (`pressed`). `next` takes the first key not yet taken, waiting up to a time.
 */
export class CallerKeys {
  private readonly keys: string[] = []
  private waiter: ((digit: string | null) => void) | undefined
  private closed = false

  private constructor(
    private readonly media: MediaServer,
    private readonly callId: string,
    private readonly tag: string,
    private readonly tap: DtmfTap,
  ) {
    tap.onDigit((d) => this.pressed(d))
  }

  static async open(
    mixer: AudioMixer,
    media: MediaServer,
    callId: string,
    callerTag: string,
  ): Promise<CallerKeys> {
    const tap = await mixer.dtmf()
    const tag = newTag()
    try {
      const offer = await media.subscribe(callId, [callerTag], tag)
      await media.subscribeAnswer(callId, tag, await tap.answerSubscription(offer))
    } catch (e) {
      tap.close()
      throw e
    }
    return new CallerKeys(media, callId, tag, tap)
  }

  pressed(digit: string): void {
    if (this.closed) return
    const w = this.waiter
    this.waiter = undefined
    if (w) w(digit)
    else this.keys.push(digit)
  }

  /** Keys pressed before now are forgotten (a new question). */
  clear(): void {
    this.keys.length = 0
  }

  /** The next key, or null after `timeoutMs` (or once the caller is gone). */
  next(timeoutMs: number): Promise<string | null> {
    const ready = this.keys.shift()
    if (ready !== undefined || this.closed) return Promise.resolve(ready ?? null)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined
        resolve(null)
      }, timeoutMs)
      this.waiter = (d) => {
        clearTimeout(timer)
        resolve(d)
      }
    })
  }

  /** Whether a key is waiting to be taken. */
  get waiting(): boolean {
    return this.keys.length > 0
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.waiter?.(null)
    this.waiter = undefined
    this.tap.close()
    await this.media.unsubscribe(this.callId, this.tag).catch(() => undefined)
  }
}

/** A key pressed as SIP INFO: `application/dtmf-relay` (Signal=5) or `application/dtmf` (5). */
export function infoDigit(contentType: string, body: string): string | undefined {
  const type = contentType.toLowerCase()
  const value = type.startsWith('application/dtmf-relay')
    ? /signal\s*=\s*([0-9*#])/i.exec(body)?.[1]
    : type.startsWith('application/dtmf')
      ? /^\s*([0-9*#])/.exec(body)?.[1]
      : undefined
  return value
}
