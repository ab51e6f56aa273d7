import type { Kysely, RawBuilder, Transaction } from 'kysely'
import { sql } from 'kysely'
import type { OutboxItem } from '../../app/ports.js'
import type {
  ActivityState,
  AgentActivity,
  AgentInterval,
  AgentQueueInterval,
  ContactRecord,
  QueueInterval,
  ReportChanges,
  ReportRange,
  ReportStore,
} from '../../app/report-ports.js'
import { CheckpointMoved } from '../../app/report-ports.js'
import type { Database } from './schema.js'
import { outboxRows } from './sql-outbox-store.js'

const snake = (k: string): string => k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`)

interface Additive {
  readonly table: string
  readonly key: readonly string[]
  /** Added to what is stored. */
  readonly counters: readonly string[]
  /** Replace what is stored, unless null. */
  readonly snapshots: readonly string[]
}

const QUEUE_INTERVALS: Additive = {
  table: 'report_queue_intervals',
  key: ['queueId', 'intervalStart'],
  counters: [
    'contactsReceived',
    'abandonedShort',
    'abandonedLong',
    'handledShort',
    'handledLong',
    'timedOut',
    'transferredOut',
    'handleTime',
    'workTime',
    'holdTime',
    'queueDelayTime',
  ],
  snapshots: ['active', 'backlog', 'backlogExpired'],
}
const AGENT_QUEUE_INTERVALS: Additive = {
  table: 'report_agent_queue_intervals',
  key: ['agentId', 'queueId', 'intervalStart'],
  counters: ['handled', 'handleTime', 'workTime', 'holdTime'],
  snapshots: ['active'],
}
const AGENT_INTERVALS: Additive = {
  table: 'report_agent_intervals',
  key: ['agentId', 'intervalStart'],
  counters: ['loginTime', 'readyTime', 'notReadyTime'],
  snapshots: [],
}

/** Interval rows arrive as deltas: one statement adds them to what is stored. */
function upsertDeltas(
  tenantId: string,
  spec: Additive,
  rows: readonly object[],
): RawBuilder<unknown> | undefined {
  if (rows.length === 0) return undefined
  const fields = [...spec.key, ...spec.counters, ...spec.snapshots]
  const columns = ['tenant_id', ...fields.map(snake)]
  const values = rows.map(
    (r) => sql`(${sql.join([tenantId, ...fields.map((f) => (r as Record<string, unknown>)[f] ?? null)])})`,
  )
  const updates = [
    ...spec.counters
      .map(snake)
      .map((c) => sql`${sql.ref(c)} = ${sql.ref(`${spec.table}.${c}`)} + ${sql.ref(`excluded.${c}`)}`),
    ...spec.snapshots
      .map(snake)
      .map(
        (c) => sql`${sql.ref(c)} = coalesce(${sql.ref(`excluded.${c}`)}, ${sql.ref(`${spec.table}.${c}`)})`,
      ),
  ]
  return sql`insert into ${sql.table(spec.table)} (${sql.join(columns.map((c) => sql.ref(c)))})
    values ${sql.join(values)}
    on conflict (${sql.join(['tenant_id', ...spec.key.map(snake)].map((c) => sql.ref(c)))})
    do update set ${sql.join(updates)}`
}

function fromRow<T>(spec: Additive, r: Record<string, unknown>): T {
  const out: Record<string, unknown> = {}
  for (const f of [...spec.key, ...spec.counters]) out[f] = r[snake(f)]
  for (const f of spec.snapshots) out[f] = r[snake(f)] ?? 0
  return out as T
}

// Rows per statement: well under PostgreSQL's 65,535 bind parameters.
const CHUNK = 500

export class SqlReportStore implements ReportStore {
  constructor(private readonly db: Kysely<Database>) {}

  async checkpoint(tenantId: string): Promise<{ lastSeq: number; state: unknown } | undefined> {
    const r = await this.db
      .selectFrom('report_checkpoints')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst()
    return r && { lastSeq: r.last_seq, state: r.state }
  }

  async save(
    tenantId: string,
    changes: ReportChanges,
    lastSeq: number,
    state: unknown,
    outbox?: { readonly items: readonly OutboxItem[]; readonly now: number },
    fromSeq?: number,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (fromSeq !== undefined) {
        // Locked until commit: two folds of one tenant (a handover) cannot both count an event.
        const at = await trx
          .selectFrom('report_checkpoints')
          .select('last_seq')
          .where('tenant_id', '=', tenantId)
          .forUpdate()
          .executeTakeFirst()
        if ((at?.last_seq ?? 0) !== fromSeq) throw new CheckpointMoved(tenantId)
      }
      if (outbox && outbox.items.length > 0)
        await trx.insertInto('outbox').values(outboxRows(outbox.items, outbox.now)).execute()
      for (const [spec, rows] of [
        [QUEUE_INTERVALS, changes.queueIntervals],
        [AGENT_QUEUE_INTERVALS, changes.agentQueueIntervals],
        [AGENT_INTERVALS, changes.agentIntervals],
      ] as const)
        for (let i = 0; i < rows.length; i += CHUNK)
          await upsertDeltas(tenantId, spec, rows.slice(i, i + CHUNK))?.execute(trx)
      await this.saveContacts(trx, tenantId, changes.contacts)
      await this.saveActivities(trx, tenantId, changes.activities)
      await trx
        .insertInto('report_checkpoints')
        .values({ tenant_id: tenantId, last_seq: lastSeq, state: JSON.stringify(state) })
        .onConflict((oc) =>
          oc.column('tenant_id').doUpdateSet({ last_seq: lastSeq, state: JSON.stringify(state) }),
        )
        .execute()
    })
  }

  private async saveContacts(
    trx: Transaction<Database>,
    tenantId: string,
    records: readonly ContactRecord[],
  ): Promise<void> {
    for (let i = 0; i < records.length; i += CHUNK)
      await trx
        .insertInto('report_contacts')
        .values(
          records.slice(i, i + CHUNK).map((c) => ({
            tenant_id: tenantId,
            contact_id: c.contactId,
            arrived_at: c.arrivedAt,
            data: JSON.stringify(c),
          })),
        )
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'contact_id']).doUpdateSet((eb) => ({ data: eb.ref('excluded.data') })),
        )
        .execute()
  }

  private async saveActivities(
    trx: Transaction<Database>,
    tenantId: string,
    activities: readonly AgentActivity[],
  ): Promise<void> {
    for (let i = 0; i < activities.length; i += CHUNK)
      await trx
        .insertInto('report_agent_activities')
        .values(
          activities.slice(i, i + CHUNK).map((a) => ({
            tenant_id: tenantId,
            agent_id: a.agentId,
            seq: a.seq,
            state: a.state,
            reason: a.reason,
            started_at: a.startedAt,
            ended_at: a.endedAt,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['tenant_id', 'agent_id', 'seq'])
            .doUpdateSet((eb) => ({ ended_at: eb.ref('excluded.ended_at') })),
        )
        .execute()
  }

  async clear(tenantId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const table of [
        'report_queue_intervals',
        'report_agent_queue_intervals',
        'report_agent_intervals',
        'report_contacts',
        'report_agent_activities',
        'report_checkpoints',
      ] as const)
        await trx.deleteFrom(table).where('tenant_id', '=', tenantId).execute()
    })
  }

  queueIntervals(tenantId: string, r: ReportRange): Promise<QueueInterval[]> {
    return this.intervalRows<QueueInterval>(QUEUE_INTERVALS, tenantId, r)
  }

  agentQueueIntervals(tenantId: string, r: ReportRange): Promise<AgentQueueInterval[]> {
    return this.intervalRows<AgentQueueInterval>(AGENT_QUEUE_INTERVALS, tenantId, r)
  }

  agentIntervals(tenantId: string, r: ReportRange): Promise<AgentInterval[]> {
    return this.intervalRows<AgentInterval>(AGENT_INTERVALS, tenantId, r)
  }

  /** Rows of the intervals starting in the range, in time order, then by their key. */
  private async intervalRows<T>(spec: Additive, tenantId: string, r: ReportRange): Promise<T[]> {
    const order = ['interval_start', ...spec.key.map(snake).filter((k) => k !== 'interval_start')]
    const result = await sql<Record<string, unknown>>`select * from ${sql.table(spec.table)}
      where tenant_id = ${tenantId} and interval_start >= ${r.from} and interval_start < ${r.to}
      order by ${sql.join(order.map((c) => sql.ref(c)))}`.execute(this.db)
    return result.rows.map((row) => fromRow<T>(spec, row))
  }

  async contactRecords(tenantId: string, r: ReportRange): Promise<ContactRecord[]> {
    const rows = await this.db
      .selectFrom('report_contacts')
      .select('data')
      .where('tenant_id', '=', tenantId)
      .where('arrived_at', '>=', r.from)
      .where('arrived_at', '<', r.to)
      .orderBy('arrived_at')
      .orderBy('contact_id')
      .execute()
    return rows.map((row) => withDefaults(row.data))
  }

  async contactRecord(tenantId: string, contactId: string): Promise<ContactRecord | undefined> {
    const row = await this.db
      .selectFrom('report_contacts')
      .select('data')
      .where('tenant_id', '=', tenantId)
      .where('contact_id', '=', contactId)
      .executeTakeFirst()
    return row && withDefaults(row.data)
  }

  async activities(tenantId: string, r: ReportRange): Promise<AgentActivity[]> {
    const rows = await this.db
      .selectFrom('report_agent_activities')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('started_at', '<', r.to)
      .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', r.from)]))
      .orderBy('agent_id')
      .orderBy('seq')
      .execute()
    return rows.map((a) => ({
      agentId: a.agent_id,
      seq: a.seq,
      state: a.state as ActivityState,
      reason: a.reason,
      startedAt: a.started_at,
      endedAt: a.ended_at,
    }))
  }
}

/** Records stored before a field existed read as if it had its empty value. */
const withDefaults = (r: ContactRecord): ContactRecord => ({
  ...r,
  relatedContactId: r.relatedContactId ?? null,
})
