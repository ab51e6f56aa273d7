import { describe, expect, it } from 'vitest'
import type { ReportStore } from '../app/report-ports.js'
import type { DomainEvent } from '../core/events.js'
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

  it('rebuilds in a run of its own: a catch-up asked for meanwhile neither folds beside the clear nor leaves it nothing', async () => {
    const T0 = Date.UTC(2026, 10, 21, 9)
    const log: DomainEvent[] = Array.from({ length: 30 }, (_, i) => ({
      type: 'RouterRestored',
      contacts: 0,
      rescindedOffers: 0,
      tenantId: 't1',
      seq: i + 1,
      at: T0 + i * 1000,
    }))
    let saved: { lastSeq: number; state: unknown } | undefined
    const steps: string[] = []
    const slow = () => new Promise((r) => setTimeout(r, 3))
    const store = {
      async checkpoint() {
        await slow()
        return saved
      },
      async save(_t: string, _c: unknown, lastSeq: number, state: unknown) {
        await slow()
        saved = { lastSeq, state: structuredClone(state) }
        steps.push(`save ${lastSeq}`)
      },
      async clear() {
        await slow()
        saved = undefined
        steps.push('clear')
      },
    } as unknown as ReportStore
    const projector = new ReportProjector({
      store,
      clock: { now: () => T0 + 3_600_000 },
      events: async (_t, after, limit) => {
        await slow()
        return log.filter((e) => e.seq > after).slice(0, limit)
      },
      settings: () => ({ serviceLevelMs: () => 30_000, shortAbandonMs: () => 10_000 }),
    })
    const first = projector.catchUp('t1')
    const rebuilt = projector.rebuild('t1')
    // Commits keep asking for catch-ups while the rebuild waits for the first run to end.
    const meanwhile = projector.catchUp('t1')
    await first
    const later = projector.catchUp('t1')
    expect(await rebuilt).toBe(30)
    await Promise.all([meanwhile, later])
    // The clear is followed by the rebuild's own save, with nothing else between them.
    expect(steps.slice(steps.indexOf('clear'), steps.indexOf('clear') + 2)).toEqual(['clear', 'save 30'])
    expect(saved?.lastSeq).toBe(30)
  })
})
