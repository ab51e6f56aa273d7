import path from 'node:path'
import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import type { OpenedDatabase } from '../../src/adapters/storage/opened-database.js'
import { SqlBlockedNumberStore } from '../../src/adapters/storage/sql-blocked-number-store.js'
import { SqlConfigStore } from '../../src/adapters/storage/sql-config-store.js'
import { SqlContactQueries } from '../../src/adapters/storage/sql-contact-queries.js'
import { SqlRoutingStore } from '../../src/adapters/storage/sql-routing-store.js'
import { SqlAgentWatchStore } from '../../src/adapters/storage/sql-agent-watch-store.js'
import { SqlSurveyStore } from '../../src/adapters/storage/sql-survey-store.js'
import { Metrics } from '../../src/api/http/metrics.js'
import { SqlAttachmentStore } from '../../src/adapters/storage/sql-attachment-store.js'
import { ChatFiles } from '../../src/app/chat-files.js'
import { SqlAiccSessionStore } from '../../src/adapters/storage/sql-aicc-session-store.js'
import { AiccSessions } from '../../src/app/aicc-sessions.js'
import { SqlOutboxStore } from '../../src/adapters/storage/sql-outbox-store.js'
import { httpSender } from '../../src/adapters/http/http-sender.js'
import { OutboxDispatcher } from '../../src/app/outbox-dispatcher.js'
import { deliveryHandlers, outboxItems, reportOutboxItems } from '../../src/deliveries.js'
import { CxoneMonitor } from '../../src/api/cxone/monitor.js'
import { CxoneSessions } from '../../src/api/cxone/session.js'
import { buildHttpServer } from '../../src/api/http/server.js'
import type { Scheduler } from '../../src/app/ports.js'
import type { FileApplied } from '../../src/app/switchboard.js'
import { Switchboard } from '../../src/app/switchboard.js'
import type { TenantDoc } from '../../src/config/document.js'
import { parseConfigFile } from '../../src/config/parse.js'
import type { DatabaseHarness } from './databases.js'
import { SqlReportStore } from '../../src/adapters/storage/sql-report-store.js'
import { Reporting } from '../../src/reporting/reporting.js'

/** Time that moves only when a test says so; timers fire on `advance`. */
export class FakeTime implements Scheduler {
  private timers: { at: number; fire: () => void }[] = []
  constructor(public t: number) {}
  now = (): number => this.t
  wakeAt(at: number, fire: () => void): () => void {
    const entry = { at, fire }
    this.timers.push(entry)
    return () => (this.timers = this.timers.filter((x) => x !== entry))
  }
  advance(ms: number): void {
    this.t += ms
    // Timers set by firing timers may be due already: keep going until none is.
    for (let due = this.takeDue(); due.length > 0; due = this.takeDue()) for (const x of due) x.fire()
  }
  private takeDue(): { at: number; fire: () => void }[] {
    const due = this.timers.filter((x) => x.at <= this.t).sort((a, b) => a.at - b.at)
    this.timers = this.timers.filter((x) => x.at > this.t)
    return due
  }
}

export const demoDocs = (): TenantDoc[] => parseConfigFile(readFileSync('config/demo.yaml', 'utf8')).tenants

export interface Harness {
  readonly app: FastifyInstance
  readonly sb: Switchboard
  /** Delivers the outbox; tests run `drain` (time is fake, so nothing fires alone). */
  readonly dispatcher: OutboxDispatcher
  readonly time: FakeTime
  /** Not started: tests fold with `reporting.projector.catchUp` when they want to. */
  readonly reporting: Reporting
  readonly cxoneMonitor: CxoneMonitor
  readonly opened: OpenedDatabase
  /** SQL statements sent since the database was opened. */
  readonly counts: { queries: number }
  /** Lets timers fire and waits until the tenant's router has stored the result. */
  advance(ms: number, tenant?: string): Promise<void>
  login(username: string, password?: string, tenant?: string): Promise<string>
  /** What starting with the configuration file did to each of its tenants. */
  readonly applied: readonly FileApplied[]
  /** A fresh server over the same database: what a restart sees (with another file, if given). */
  restart(docs?: TenantDoc[]): Promise<Harness>
  close(): Promise<void>
}

export async function startHarness(
  db: DatabaseHarness,
  docs: TenantDoc[] = demoDocs(),
  opened?: OpenedDatabase,
  time = new FakeTime(Date.UTC(2026, 10, 2, 10)),
  shared = { queries: 0 },
): Promise<Harness> {
  const counts = shared
  const database = opened ?? (await db.open(() => counts.queries++))
  const metrics = new Metrics()
  let counter = 0
  const sb = new Switchboard({
    configs: new SqlConfigStore(database.db, time.now),
    queries: new SqlContactQueries(database.db),
    store: new SqlRoutingStore(database.db),
    watches: new SqlAgentWatchStore(database.db),
    clock: time,
    scheduler: time,
    newId: () => `id-${++counter}-${Math.random().toString(36).slice(2, 8)}`,
    outboxFor: outboxItems,
  })
  const applied = await sb.start(docs)
  // Deliveries go to the real network: tests point them at their own stand-in receivers.
  const outboxStore = new SqlOutboxStore(database.db)
  const reportStore = new SqlReportStore(database.db)
  const sender = httpSender(2000)
  const cxone = new CxoneSessions(sender, time.now)
  const dispatcher = new OutboxDispatcher(
    outboxStore,
    time,
    time,
    deliveryHandlers(() => sb, sender, reportStore, cxone),
    { random: () => 1 },
  )
  const reporting = new Reporting(
    () => sb,
    { store: reportStore, clock: time, outboxFor: reportOutboxItems(() => sb) },
    time,
    time,
    (_tenantId, err) => {
      throw err
    },
  )
  // Not started: tests run a heartbeat with cxoneMonitor.check when they want one.
  const cxoneMonitor = new CxoneMonitor(() => sb, cxone, time, time)
  const app = await buildHttpServer({
    sb,
    surveys: new SqlSurveyStore(database.db),
    blocked: new SqlBlockedNumberStore(database.db),
    files: new ChatFiles(new SqlAttachmentStore(database.db), time),
    aicc: new AiccSessions(sb, new SqlAiccSessionStore(database.db), time, time),
    reports: reporting,
    // Fake time: tests deliver with dispatcher.drain when they want to.
    outbox: { store: outboxStore, kick: () => undefined },
    cxone: cxoneMonitor,
    now: time.now,
    metrics,
    logger: pino({ level: 'silent' }),
    version: 'test',
    webRoot: path.resolve('dist/web'),
    readiness: { check: async () => null },
  })
  const h: Harness = {
    app,
    sb,
    dispatcher,
    time,
    reporting,
    cxoneMonitor,
    opened: database,
    counts,
    async advance(ms, tenant = 'demo') {
      time.advance(ms)
      await sb.runtime(tenant).settled()
    },
    async login(username, password = username.startsWith('agent') ? 'agent' : username, tenant) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/login',
        payload: { username, password, ...(tenant ? { tenant } : {}) },
      })
      if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.body}`)
      return (res.json() as { token: string }).token
    },
    applied,
    async restart(next = docs) {
      await app.close()
      await sb.stop()
      return startHarness(db, next, database, time, counts)
    },
    async close() {
      await app.close()
      await sb.stop()
      await reporting.stop()
      await database.close()
    },
  }
  return h
}
