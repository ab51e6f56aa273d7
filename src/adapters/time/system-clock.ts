import type { Clock, Scheduler } from '../../app/ports.js'

export const systemClock: Clock = { now: () => Date.now() }

// setTimeout overflows past 2^31-1 ms (24.8 days): longer waits re-arm in steps.
const MAX_DELAY = 2_147_000_000

export function timerScheduler(clock: Clock): Scheduler {
  return {
    wakeAt(at, fire) {
      let handle: NodeJS.Timeout | undefined
      const arm = (): void => {
        const delay = Math.max(0, at - clock.now())
        handle = setTimeout(delay > MAX_DELAY ? arm : fire, Math.min(delay, MAX_DELAY))
        // Timers alone must not keep a stopping process alive.
        handle.unref()
      }
      arm()
      return () => clearTimeout(handle)
    },
  }
}
