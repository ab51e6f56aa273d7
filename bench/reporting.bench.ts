import { eventRow } from '../src/adapters/storage/rows.js'
import { SqlContactQueries } from '../src/adapters/storage/sql-contact-queries.js'
import { SqlReportStore } from '../src/adapters/storage/sql-report-store.js'
import type { DomainEvent } from '../src/core/events.js'
import { ReportProjector } from '../src/reporting/projector.js'
import { ReportFold } from '../src/reporting/report-fold.js'
import { databases } from '../test/support/databases.js'
import { FakeTime, startHarness } from '../test/support/harness.js'
import { scriptedDay } from '../test/support/scripted-day.js'
import type { BenchResult } from './stats.js'
import { fmt, median, verdict } from './stats.js'

const DAYS = 8
const BATCH = 2000
const DAY_MS = 24 * 3600_000
const settings = { serviceLevelMs: () => 60_000, shortAbandonMs: () => 10_000 }

/** One scripted day's event log (the tests' day, seed fixed), as the router wrote it. */
async function oneDay(): Promise<DomainEvent[]> {
  const start = Date.UTC(2026, 10, 2, 7)
  const h = await startHarness(databases()[0]!, undefined, undefined, new FakeTime(start - 60_000))
  try {
    await scriptedDay(h, { seed: 20261102, start, hours: 10, arrivalsPerHour: 60 })
    return await h.sb.queries.events('demo', { afterSeq: 0, limit: 1_000_000 })
  } finally {
    await h.close()
  }
}

/** The day repeated: each copy a day later, numbered after the one before. */
function days(day: readonly DomainEvent[], n: number): DomainEvent[] {
  return Array.from({ length: n }, (_, d) =>
    day.map((e) => ({ ...e, seq: e.seq + d * day.length, at: e.at + d * DAY_MS })),
  ).flat()
}

export async function reportingBench(): Promise<BenchResult> {
  process.stdout.write('reporting: scripting a day… ')
  const log = days(await oneDay(), DAYS)
  console.log(`${fmt(log.length)} events over ${DAYS} days`)
  const opened = await databases()[0]!.open()
  try {
    for (let i = 0; i < log.length; i += 500)
      await opened.db
        .insertInto('events')
        .values(log.slice(i, i + 500).map(eventRow))
        .execute()
    const queries = new SqlContactQueries(opened.db)
    const store = new SqlReportStore(opened.db)
    const end = (log.at(-1)?.at ?? 0) + DAY_MS
    const projector = new ReportProjector({
      store,
      clock: { now: () => end },
      events: (tenantId, afterSeq, limit) => queries.events(tenantId, { afterSeq, limit }),
      settings: () => settings,
    })
    const read: number[] = []
    const fold: number[] = []
    const project: number[] = []
    for (let run = 1; run <= 3; run++) {
      process.stdout.write(`reporting run ${run}/3: read… `)
      let t0 = performance.now()
      let n = 0
      for (let after = 0; ;) {
        const batch = await queries.events('demo', { afterSeq: after, limit: BATCH })
        n += batch.length
        if (batch.length < BATCH) break
        after = batch.at(-1)!.seq
      }
      read.push((n / (performance.now() - t0)) * 1000)
      process.stdout.write('fold in memory… ')
      t0 = performance.now()
      new ReportFold(settings).step(log, end)
      fold.push((log.length / (performance.now() - t0)) * 1000)
      process.stdout.write('project (read, fold, store)… ')
      await store.clear('demo')
      t0 = performance.now()
      const folded = await projector.catchUp('demo')
      project.push((folded / (performance.now() - t0)) * 1000)
      if (folded !== log.length) throw new Error(`folded ${folded} of ${log.length} events`)
      console.log(
        `${fmt(project.at(-1)!)} vs ${fmt(read.at(-1)!)} events/s (fold alone ${fmt(fold.at(-1)!)})`,
      )
    }
    const rows = await store.queueIntervals('demo', { from: 0, to: end })
    return verdict({
      name: 'report-projection',
      ratio: median(project) / median(read),
      threshold: 0.25,
      details: [
        [
          'workload',
          `${fmt(log.length)} events: the tests' scripted day (seed 20261102, 60 arrivals/h, 10 h) repeated over ${DAYS} days; PGlite in process`,
        ],
        ['projected, events/s (read, fold, store rows and checkpoint; median of 3)', fmt(median(project))],
        ['baseline: the same events read in the same batches, not folded, events/s', fmt(median(read))],
        ['fold alone in memory, events/s', fmt(median(fold))],
        ['queue interval rows written', fmt(rows.length)],
      ],
    })
  } finally {
    await opened.close()
  }
}
