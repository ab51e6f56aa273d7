import { instantOf, localParts } from './local-time.js'
import type { Calendar, TimeRange } from './tenant-config.js'
import { WEEKDAYS } from './tenant-config.js'

export interface OpenState {
  readonly open: boolean
  /** When `open` next flips; null when it never will (no hours configured). */
  readonly nextChangeAt: number | null
}

const SEARCH_DAYS = 400

export function parseClock(hhmm: string): number | undefined {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm)
  if (!m) return undefined
  const minutes = Number(m[1]) * 60 + Number(m[2])
  return minutes <= 24 * 60 && Number(m[2]) < 60 ? minutes : undefined
}

interface Interval {
  readonly start: number
  readonly end: number
}

// Opening intervals of one local date, as instants.
function intervalsOfDate(cal: Calendar, year: number, month: number, day: number): Interval[] {
  const date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
  if (cal.holidays.includes(date)) return []
  const weekday = WEEKDAYS[new Date(Date.UTC(year, month - 1, day)).getUTCDay()]
  const ranges: readonly TimeRange[] = (weekday && cal.weekly[weekday]) ?? []
  const out: Interval[] = []
  for (const r of ranges) {
    const open = parseClock(r.open)
    const close = parseClock(r.close)
    if (open === undefined || close === undefined || close <= open) continue
    out.push({
      start: instantOf(cal.timeZone, year, month, day, open),
      end: instantOf(cal.timeZone, year, month, day, close),
    })
  }
  return out
}

// Intervals from yesterday on, merged, until one starts after `now` (a week at least, so a
// range closing at 24:00 and one opening at 00:00 the next day join into one).
function upcomingIntervals(cal: Calendar, now: number): Interval[] {
  const today = localParts(cal.timeZone, now)
  const raw: Interval[] = []
  for (let d = -1; d < SEARCH_DAYS; d++) {
    // Walking dates (not adding 24 h to an instant) keeps DST days from being skipped.
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + d))
    raw.push(...intervalsOfDate(cal, date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()))
    if (d >= 7 && raw.some((i) => i.start > now)) break
  }
  raw.sort((a, b) => a.start - b.start)
  const merged: Interval[] = []
  for (const i of raw) {
    const last = merged[merged.length - 1]
    if (last && i.start <= last.end)
      merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, i.end) }
    else merged.push(i)
  }
  return merged
}

/** Whether the calendar is open at `now`, and when that next changes. */
export function openState(cal: Calendar, now: number): OpenState {
  const intervals = upcomingIntervals(cal, now)
  const current = intervals.find((i) => i.start <= now && now < i.end)
  if (current) return { open: true, nextChangeAt: current.end }
  const next = intervals.find((i) => i.start > now)
  return { open: false, nextChangeAt: next ? next.start : null }
}

export function nextOpenAt(cal: Calendar, now: number): number | null {
  const s = openState(cal, now)
  return s.open ? now : s.nextChangeAt
}
