// Time-zone arithmetic on top of Intl, which is pure (no I/O): wall-clock parts for an instant,
// and the instant for a wall-clock time. DST gaps resolve forward, overlaps to the first instant.

interface LocalParts {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
  readonly weekday: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(timeZone, f)
  }
  return f
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone)
    return true
  } catch {
    return false
  }
}

export function localParts(timeZone: string, at: number): LocalParts {
  const p: Record<string, number> = {}
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value)
  }
  const year = p.year ?? 1970
  const month = p.month ?? 1
  const day = p.day ?? 1
  return {
    year,
    month,
    day,
    hour: p.hour ?? 0,
    minute: p.minute ?? 0,
    second: p.second ?? 0,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  }
}

function offsetAt(timeZone: string, at: number): number {
  const p = localParts(timeZone, at)
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second)
  return asUtc - Math.floor(at / 1000) * 1000
}

/** The instant at which the wall clock in `timeZone` shows the given local time. */
export function instantOf(
  timeZone: string,
  year: number,
  month: number,
  day: number,
  minutes: number,
): number {
  const local = Date.UTC(year, month - 1, day) + minutes * 60_000
  let guess = local - offsetAt(timeZone, local)
  const corrected = local - offsetAt(timeZone, guess)
  if (corrected !== guess) guess = Math.max(guess, corrected)
  return guess
}

/** "YYYY-MM-DD" of the local date at an instant. */
export function localDate(timeZone: string, at: number): string {
  const p = localParts(timeZone, at)
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`
}

/** The local day containing an instant, with its bounds as instants (DST days are 23 or 25 h). */
export function localDay(
  timeZone: string,
  at: number,
): { readonly day: string; readonly start: number; readonly end: number } {
  const p = localParts(timeZone, at)
  const next = new Date(Date.UTC(p.year, p.month - 1, p.day + 1))
  return {
    day: localDate(timeZone, at),
    start: instantOf(timeZone, p.year, p.month, p.day, 0),
    end: instantOf(timeZone, next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0),
  }
}

/** ISO 8601 with the zone's offset at that instant: "2026-11-02T09:15:00.000+01:00". */
export function localIso(timeZone: string, at: number): string {
  const offsetMin = Math.round(offsetAt(timeZone, at) / 60_000)
  const shifted = new Date(at + offsetMin * 60_000).toISOString().slice(0, -1)
  const sign = offsetMin < 0 ? '-' : '+'
  const abs = Math.abs(offsetMin)
  return `${shifted}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
}
