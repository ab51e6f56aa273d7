/** How long a click-to-call's browser has to dial in once told the agent answered. */
const JOIN_WITHIN_MS = 30_000

/**
 * A click-to-call's caller (002), who dials in from a browser after the call was set up and an
 * agent rung: whether the call still waits for it, and the time it has once told to dial.
 */
export class LateCaller {
  private timer: NodeJS.Timeout | undefined
  /** It dialled in from a browser (a call's caller that came with it is not one). */
  inBrowser = false

  constructor(
    /** The call still waits for it. */
    public awaited: boolean,
  ) {}

  /** It dialled in. */
  arrived(): void {
    this.stop()
    this.inBrowser = true
  }

  /** Nothing is waited for any more (the call ended, or the customer dropped it first). */
  stop(): void {
    this.awaited = false
    clearTimeout(this.timer)
  }

  /** It was told to dial: `late` runs when it has not come within its time. */
  expect(late: () => void): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(late, JOIN_WITHIN_MS)
    this.timer.unref?.()
  }
}
