import { useEffect, useState } from 'preact/hooks'
import type { Request } from '../shared/http.js'
import { Chart } from './Chart.js'
import type { LiveFloor } from './live.js'
import type { IntervalRow } from './model.js'

const today = (): string => new Date().toLocaleDateString('en-CA') // YYYY-MM-DD, local

/** The day so far per 15 minutes (all queues, or one), refreshed every minute; and waiting now. */
export function DayCharts(props: { api: Request; token: string; live: LiveFloor; queueId: string | null }) {
  const [rows, setRows] = useState<IntervalRow[]>([])
  useEffect(() => {
    const tz = Intl.DateTimeFormat().resolvedOptions().timeZone
    const load = (): void =>
      void props
        .api<{ rows: IntervalRow[] }>(
          `/api/v1/reports/queue-intervals?from=${today()}&timeZone=${encodeURIComponent(tz)}`,
          { token: props.token },
        )
        .then(
          (r) => setRows(r.rows),
          () => undefined,
        )
    load()
    const timer = setInterval(load, 60_000)
    return () => clearInterval(timer)
  }, [props.token])

  const mine = rows.filter((r) => props.queueId === null || r.queueId === props.queueId)
  const starts = [...new Set(mine.map((r) => Date.parse(r.intervalStart) / 1000))].sort((a, b) => a - b)
  const sum = (t: number, f: (r: IntervalRow) => number) =>
    mine.filter((r) => Date.parse(r.intervalStart) / 1000 === t).reduce((n, r) => n + f(r), 0)
  const handled = starts.map((t) => sum(t, (r) => r.handledShort + r.handledLong))
  const abandoned = starts.map((t) => sum(t, (r) => r.abandonedShort + r.abandonedLong))
  const serviceLevel = starts.map((t) => {
    const offered = sum(t, (r) => r.handledShort + r.handledLong + r.abandonedLong)
    return offered === 0 ? null : Math.round((1000 * sum(t, (r) => r.handledShort)) / offered) / 10
  })
  const { history } = props.live
  const waitingNow = Object.entries(history.waiting)
    .filter(([id]) => props.queueId === null || id === props.queueId)
    .map(([label, values]) => ({ label, values }))

  return (
    <section class="charts" aria-label="Charts of the day">
      <Chart
        title="Contacts per 15 minutes"
        yLabel="contacts"
        x={starts}
        series={[
          { label: 'Received', values: starts.map((t) => sum(t, (r) => r.contactsReceived)), bars: true },
          { label: 'Handled', values: handled },
          { label: 'Abandoned', values: abandoned },
        ]}
      />
      <Chart
        title="Service level per 15 minutes"
        yLabel="%"
        x={starts}
        series={[{ label: 'Service level %', values: serviceLevel }]}
      />
      <Chart
        title="Waiting now (last 10 minutes)"
        yLabel="waiting"
        x={[...history.t]}
        series={waitingNow.map((w) => ({ ...w, values: [...w.values] }))}
      />
    </section>
  )
}
