import { describe, expect, it } from 'vitest'
import { WaitEstimator } from './ewt.js'

describe('WaitEstimator', () => {
  it('is zero when an agent is free and nobody is ahead', () => {
    expect(new WaitEstimator().estimate(0, 0, true, null, () => 3)).toBe(0)
  })

  it('falls back to the head-of-line delay before it has seen departures', () => {
    expect(new WaitEstimator().estimate(4, 0, false, 1_000_000, () => 3)).toBe(1_000_000)
    // ...but not below a turn of the staffed slots: 5 × 180 s ÷ 3
    expect(new WaitEstimator().estimate(4, 0, false, 1_000, () => 3)).toBe(300_000)
  })

  it('divides the line by the departure rate measured over busy time only', () => {
    const e = new WaitEstimator()
    // Idle for an hour: must not dilute the rate.
    e.onLength(1, 3_600_000)
    for (let i = 1; i <= 10; i++) e.recordDeparture(3_600_000 + i * 10_000)
    // 10 departures in 100 s of busy time: one per 10 s; 4 ahead → 50 s.
    expect(e.estimate(4, 3_700_000, false, null, () => 1)).toBeCloseTo(50_000, -2)
  })
})
