import { describe, expect, it } from 'vitest'
import type { ReportStore } from '../app/report-ports.js'
import { ReportProjector } from './projector.js'

describe('the report projector', () => {
  it('serves callers that come during a run with one more run, and then stops: no run starts another for ever', async () => {
    let runs = 0
    const store = {
      async checkpoint() {
        runs++
        await new Promise((r) => setTimeout(r, 5))
        return undefined
      },
      async save() {},
    } as unknown as ReportStore
    const projector = new ReportProjector({
      store,
      clock: { now: () => Date.UTC(2026, 10, 21, 9) },
      events: async () => [],
      settings: () => ({ serviceLevelMs: () => 30_000, shortAbandonMs: () => 10_000 }),
    })
    const first = projector.catchUp('t1')
    // Two callers while the first run goes: both get the one run after it.
    const second = projector.catchUp('t1')
    const third = projector.catchUp('t1')
    expect(second).toBe(third)
    await Promise.all([first, second, third])
    await new Promise((r) => setTimeout(r, 50))
    expect(runs).toBe(2)
    await projector.stop()
    expect(await projector.catchUp('t1')).toBe(0)
    expect(runs).toBe(2)
  })
})
