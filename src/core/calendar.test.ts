import { describe, expect, it } from 'vitest'
import { nextOpenAt, openState } from './calendar.js'
import type { Calendar } from './tenant-config.js'

const weekdays9to17: Calendar = {
  id: 'office',
  timeZone: 'America/Los_Angeles',
  weekly: {
    mon: [{ open: '09:00', close: '17:00' }],
    tue: [{ open: '09:00', close: '17:00' }],
    wed: [{ open: '09:00', close: '17:00' }],
    thu: [{ open: '09:00', close: '17:00' }],
    fri: [{ open: '09:00', close: '17:00' }],
  },
  holidays: ['2026-11-26'],
}

describe('business-hours calendar', () => {
  it('is open inside local hours and closed outside, in the calendar time zone', () => {
    // Monday 2026-11-23 10:00 PST = 18:00 UTC
    expect(openState(weekdays9to17, Date.UTC(2026, 10, 23, 18, 0))).toEqual({
      open: true,
      nextChangeAt: Date.UTC(2026, 10, 24, 1, 0),
    })
    // Monday 08:59 PST is closed; opens at 09:00 PST = 17:00 UTC
    expect(openState(weekdays9to17, Date.UTC(2026, 10, 23, 16, 59))).toEqual({
      open: false,
      nextChangeAt: Date.UTC(2026, 10, 23, 17, 0),
    })
  })

  it('skips weekends and holidays when looking for the next opening', () => {
    // Wednesday 2026-11-25 18:00 PST → Thursday is a holiday → Friday 09:00 PST
    expect(nextOpenAt(weekdays9to17, Date.UTC(2026, 10, 26, 2, 0))).toBe(Date.UTC(2026, 10, 27, 17, 0))
    // Saturday → Monday
    expect(nextOpenAt(weekdays9to17, Date.UTC(2026, 10, 28, 20, 0))).toBe(Date.UTC(2026, 10, 30, 17, 0))
  })

  it('follows daylight saving time', () => {
    // Monday 2026-03-09, the day after the US spring-forward: 09:00 PDT = 16:00 UTC
    expect(nextOpenAt(weekdays9to17, Date.UTC(2026, 2, 9, 15, 0))).toBe(Date.UTC(2026, 2, 9, 16, 0))
  })

  it('merges a range to midnight with the next day from midnight', () => {
    const allWeek: Calendar = {
      id: 'always',
      timeZone: 'UTC',
      weekly: Object.fromEntries(
        ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [
          d,
          [{ open: '00:00', close: '24:00' }],
        ]),
      ),
      holidays: [],
    }
    const s = openState(allWeek, Date.UTC(2026, 10, 23, 23, 0))
    expect(s.open).toBe(true)
    expect(s.nextChangeAt! - Date.UTC(2026, 10, 23)).toBeGreaterThan(7 * 86_400_000)
  })

  it('never opens without hours', () => {
    expect(openState({ id: 'x', timeZone: 'UTC', weekly: {}, holidays: [] }, 0)).toEqual({
      open: false,
      nextChangeAt: null,
    })
  })
})
