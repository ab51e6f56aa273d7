import { agentState } from '../src/core/commands.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PGlite, types } from '@electric-sql/pglite'
import { Kysely } from 'kysely'
import { migrateToLatest } from '../src/adapters/storage/migrations.js'
import { PGliteDialect } from '../src/adapters/storage/pglite/pglite-dialect.js'
import { eventRow } from '../src/adapters/storage/rows.js'
import type { Database } from '../src/adapters/storage/schema.js'
import { SqlContactQueries } from '../src/adapters/storage/sql-contact-queries.js'
import { SqlRoutingStore } from '../src/adapters/storage/sql-routing-store.js'
import { EventFeed } from '../src/app/event-feed.js'
import { TenantRuntime } from '../src/app/tenant-runtime.js'
import type { DomainEvent } from '../src/core/events.js'
import type { BenchResult } from './stats.js'
import { fmt, median, verdict } from './stats.js'
import { demoLike } from '../test/support/tenant-builder.js'

const MESSAGES = 20_000
const BATCH = 500

async function freshDb(): Promise<{ pg: PGlite; db: Kysely<Database>; done: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-bench-'))
  const pg = await PGlite.create({ dataDir: dir, parsers: { [types.INT8]: Number } })
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pg) })
  await migrateToLatest(db)
  return {
    pg,
    db,
    done: async () => {
      await db.destroy()
      await pg.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Candidate: chat messages through the tenant runtime; every command is acknowledged after its commit. */
async function candidate(): Promise<{ perSecond: number; events: DomainEvent[] }> {
  const { db, done } = await freshDb()
  let n = 0
  const clock = { now: () => Date.now() }
  const runtime = await TenantRuntime.start(demoLike(), {
    store: new SqlRoutingStore(db),
    clock,
    scheduler: { wakeAt: () => () => {} },
    feed: new EventFeed(new SqlContactQueries(db)),
    newId: () => `m${++n}`,
  })
  await runtime.run(agentState('agent1', 'chat', 'ready', null))
  const contactId = 'c1'
  await runtime.run({
    type: 'admitContact',
    contact: { contactId, entryPointId: '1000', customer: { name: 'A' }, subject: null },
  })
  await runtime.run({
    type: 'acceptOffer',
    offerId: runtime.query({ type: 'contact', contactId: contactId })?.offer?.offerId ?? '',
    agentId: 'agent1',
  })
  const t0 = performance.now()
  const acks = Array.from({ length: MESSAGES }, (_, i) =>
    runtime.run({
      type: 'postMessage',
      contactId,
      from: i % 2 ? 'agent' : 'customer',
      agentId: i % 2 ? 'agent1' : null,
      text: `message ${i}`,
    }),
  )
  await Promise.all(acks)
  const elapsed = performance.now() - t0
  const stored = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('type', '=', 'MessagePosted')
    .executeTakeFirstOrThrow()
  if (Number(stored.n) !== MESSAGES)
    throw new Error(`acknowledged ${MESSAGES} messages but stored ${stored.n}`)
  const events = await new SqlContactQueries(db).events('t1', { afterSeq: 0, contactId, limit: MESSAGES * 2 })
  await runtime.stop()
  await done()
  return { perSecond: (MESSAGES / elapsed) * 1000, events: events.filter((e) => e.type === 'MessagePosted') }
}

/** Baseline: the same event and message rows, multi-row INSERTs straight into PGlite, BATCH rows per transaction. */
async function baseline(events: readonly DomainEvent[]): Promise<number> {
  const { pg, done } = await freshDb()
  const t0 = performance.now()
  for (let i = 0; i < events.length; i += BATCH) {
    const batch = events.slice(i, i + BATCH)
    const ev: unknown[] = []
    const msg: unknown[] = []
    for (const e of batch) {
      const r = eventRow(e)
      ev.push(r.tenant_id, r.seq, r.type, r.at, r.agent_id, r.contact_id, r.data)
      if (e.type === 'MessagePosted')
        msg.push(e.tenantId, e.contactId, e.messageSeq, e.messageId, e.from, e.agentId, e.text, e.at)
    }
    const values = (cols: number, rows: number) =>
      Array.from(
        { length: rows },
        (_, r) => `(${Array.from({ length: cols }, (_, c) => `$${r * cols + c + 1}`).join(',')})`,
      ).join(',')
    await pg.transaction(async (tx) => {
      await tx.query(
        `insert into events (tenant_id, seq, type, at, agent_id, contact_id, data) values ${values(7, batch.length)}`,
        ev,
      )
      await tx.query(
        `insert into messages (tenant_id, contact_id, seq, id, sender, agent_id, text, created_at) values ${values(8, batch.length)}`,
        msg,
      )
    })
  }
  const elapsed = performance.now() - t0
  await done()
  return (events.length / elapsed) * 1000
}

export async function persistenceBench(): Promise<BenchResult> {
  const ours: number[] = []
  const raw: number[] = []
  for (let run = 1; run <= 3; run++) {
    process.stdout.write(`persistence run ${run}/3: candidate… `)
    const c = await candidate()
    ours.push(c.perSecond)
    process.stdout.write('baseline… ')
    raw.push(await baseline(c.events))
    console.log(`${fmt(c.perSecond)} vs ${fmt(raw[raw.length - 1] ?? 0)} events/s`)
  }
  const o = median(ours)
  const b = median(raw)
  return verdict({
    name: 'persistence-group-commit',
    ratio: o / b,
    threshold: 0.5,
    details: [
      [
        'workload',
        `${fmt(MESSAGES)} chat messages sent at once to one tenant; each command acknowledged only after its commit; file-backed PGlite`,
      ],
      ['group commit, committed events/s (median of 3)', fmt(o)],
      ['raw multi-row INSERT of the same rows, events/s (median of 3)', fmt(b)],
      ['runs (ours / raw)', `${ours.map((x) => fmt(x)).join(', ')} / ${raw.map((x) => fmt(x)).join(', ')}`],
    ],
  })
}
