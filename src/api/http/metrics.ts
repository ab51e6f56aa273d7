import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { OutboxTopicStats } from '../../app/ports.js'

/** Prometheus metrics of one server process, exposed at /metrics. */
export class Metrics {
  readonly registry = new Registry()
  readonly dbQueries = new Counter({
    name: 'switchboard_db_queries_total',
    help: 'SQL statements sent to the database',
    registers: [this.registry],
  })
  readonly httpDuration = new Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60],
    registers: [this.registry],
  })
  readonly commitDuration = new Histogram({
    name: 'switchboard_commit_duration_seconds',
    help: 'Time to store one batch of router changes (group commit)',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5],
    registers: [this.registry],
  })
  readonly commandsPerBatch = new Histogram({
    name: 'switchboard_commands_per_batch',
    help: 'Commands sharing one transaction',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  })
  /** Incremented on the hottest path as a plain number; read when Prometheus scrapes. */
  statusFastPathServed = 0
  readonly statusFastPath = new Counter({
    name: 'switchboard_status_fast_path_total',
    help: 'Entry-point status requests answered from the pre-serialized snapshot',
    registers: [this.registry],
    collect: () => {
      this.statusFastPath.reset()
      this.statusFastPath.inc(this.statusFastPathServed)
    },
  })
  readonly events = new Counter({
    name: 'switchboard_events_total',
    help: 'Domain events committed',
    registers: [this.registry],
  })

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' })
  }

  private readonly requestSeries = new Map<string, { observe(v: number): void }>()

  /** Labelled children are cached: hashing labels on every request costs the status route dearly. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`
    let series = this.requestSeries.get(key)
    if (!series) {
      series = this.httpDuration.labels(method, route, String(status))
      this.requestSeries.set(key, series)
    }
    series.observe(seconds)
  }

  batch(info: { commands: number; events: number; commitMs: number }): void {
    this.commitDuration.observe(info.commitMs / 1000)
    if (info.commands > 0) this.commandsPerBatch.observe(info.commands)
    this.events.inc(info.events)
  }

  /**
   * What waits in the outbox, per topic (webhook, cxone, aicc.push…), read when Prometheus
   * scrapes: the age of the oldest waiting item is how far a receiver lags behind.
   */
  watchOutbox(stats: () => Promise<OutboxTopicStats[]>, now: () => number): void {
    let latest: Promise<OutboxTopicStats[]> | undefined
    // One query per scrape for the three gauges.
    const read = (): Promise<OutboxTopicStats[]> =>
      (latest ??= stats().finally(() => setTimeout(() => (latest = undefined), 100)))
    const gauge = (name: string, help: string, value: (s: OutboxTopicStats) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['topic'],
        registers: [this.registry],
        async collect() {
          this.reset()
          for (const s of await read()) this.set({ topic: s.topic }, value(s))
        },
      })
    gauge('switchboard_outbox_pending', 'Deliveries waiting (or being retried), per topic', (s) => s.pending)
    gauge(
      'switchboard_outbox_lag_seconds',
      'Age of the oldest waiting delivery, per topic (0: none waits)',
      (s) => (s.oldestPendingAt === null ? 0 : Math.max(0, (now() - s.oldestPendingAt) / 1000)),
    )
    gauge(
      'switchboard_outbox_dead_letters',
      'Deliveries given up on, waiting for a redelivery, per topic',
      (s) => s.dead,
    )
  }
}
