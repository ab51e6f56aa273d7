import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type {
  ClaimedOutboxItem,
  DeadLetter,
  OutboxItem,
  OutboxStore,
  OutboxTopicStats,
} from '../../app/ports.js'
import type { Database } from './schema.js'

const ITEM_COLUMNS = [
  'o.id',
  'o.tenant_id',
  'o.event_seq',
  'o.topic',
  'o.ordering_key',
  'o.payload',
  'o.attempts',
  'o.created_at',
] as const

export class SqlOutboxStore implements OutboxStore {
  constructor(private readonly db: Kysely<Database>) {}

  async add(items: readonly OutboxItem[], now: number): Promise<void> {
    if (items.length > 0) await this.db.insertInto('outbox').values(outboxRows(items, now)).execute()
  }

  async due(now: number, limit: number, after = 0): Promise<ClaimedOutboxItem[]> {
    const rows = await this.db
      .selectFrom('outbox as o')
      .select(ITEM_COLUMNS)
      .where('o.delivered_at', 'is', null)
      .where('o.dead_at', 'is', null)
      .where('o.next_attempt_at', '<=', now)
      .where('o.id', '>', after)
      .where((eb) =>
        eb.or([
          eb('o.ordering_key', '=', ''),
          eb.not(
            eb.exists(
              eb
                .selectFrom('outbox as w')
                .select(sql`1`.as('one'))
                .whereRef('w.ordering_key', '=', 'o.ordering_key')
                .where('w.next_attempt_at', '>', now)
                .where('w.delivered_at', 'is', null)
                .where('w.dead_at', 'is', null)
                // `+ 0`: no index on id may serve this test. The planner would otherwise walk
                // the key's earlier items by id (quadratic in a long queue of one key), where the
                // (ordering_key, next_attempt_at) index finds the one or two waiting at once.
                .where(sql<boolean>`w.id + 0 < o.id`),
            ),
          ),
        ]),
      )
      .orderBy('o.id')
      .limit(limit)
      .execute()
    return rows.map(itemFromRow)
  }

  /** Pending items that may go: keyless ones, and of each key only its oldest pending item. */
  private heads() {
    return this.db
      .selectFrom('outbox as o')
      .selectAll()
      .where('o.delivered_at', 'is', null)
      .where('o.dead_at', 'is', null)
      .where((eb) =>
        eb.or([
          eb('o.ordering_key', '=', ''),
          eb.not(
            eb.exists(
              eb
                .selectFrom('outbox as e')
                .select(sql`1`.as('one'))
                .whereRef('e.ordering_key', '=', 'o.ordering_key')
                // As a row comparison only the (ordering_key, id) index can serve it: with a
                // plain `e.id < o.id` the planner may walk the pending index by id instead,
                // filtering by key, which is quadratic in what is pending.
                .where(sql<boolean>`(e.ordering_key, e.id) < (o.ordering_key, o.id)`)
                .where('e.delivered_at', 'is', null)
                .where('e.dead_at', 'is', null),
            ),
          ),
        ]),
      )
  }

  /**
   * Delivered items leave the outbox: it stays the size of what is pending, and a delete costs
   * the database a third of marking the row (no new row version, no index entries).
   */
  async delivered(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return
    await this.db.deleteFrom('outbox').where('id', 'in', ids).execute()
  }

  async retryLater(id: number, at: number, error?: string): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: at, last_error: error ?? null }))
      .where('id', '=', id)
      .execute()
  }

  async dead(id: number, now: number, error: string): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), dead_at: now, last_error: error }))
      .where('id', '=', id)
      .execute()
  }

  async nextAttemptAt(): Promise<number | undefined> {
    const r = await this.heads()
      .clearSelect()
      .select((eb) => eb.fn.min('o.next_attempt_at').as('at'))
      .executeTakeFirst()
    return r?.at === null || r?.at === undefined ? undefined : Number(r.at)
  }

  async stats(): Promise<OutboxTopicStats[]> {
    const rows = await this.db
      .selectFrom('outbox')
      .select((eb) => [
        'topic',
        eb.fn
          .countAll<number>()
          .filterWhere('delivered_at', 'is', null)
          .filterWhere('dead_at', 'is', null)
          .as('pending'),
        eb.fn
          .min('created_at')
          .filterWhere('delivered_at', 'is', null)
          .filterWhere('dead_at', 'is', null)
          .as('oldest'),
        eb.fn.countAll<number>().filterWhere('dead_at', 'is not', null).as('dead'),
      ])
      .where('delivered_at', 'is', null)
      .groupBy('topic')
      .execute()
    return rows.map((r) => ({
      topic: r.topic,
      pending: Number(r.pending),
      oldestPendingAt: r.oldest === null ? null : Number(r.oldest),
      dead: Number(r.dead),
    }))
  }

  async deadLetters(tenantId: string, topic: string, limit: number): Promise<DeadLetter[]> {
    const rows = await this.db
      .selectFrom('outbox')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('topic', '=', topic)
      .where('dead_at', 'is not', null)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute()
    return rows.map((r) => ({ ...itemFromRow(r), deadAt: Number(r.dead_at), lastError: r.last_error }))
  }

  async redeliver(
    tenantId: string,
    topic: string,
    ids: readonly number[] | 'all',
    now: number,
  ): Promise<number> {
    if (ids !== 'all' && ids.length === 0) return 0
    let q = this.db
      .updateTable('outbox')
      .set({ dead_at: null, attempts: 0, created_at: now, next_attempt_at: now })
      .where('tenant_id', '=', tenantId)
      .where('topic', '=', topic)
      .where('dead_at', 'is not', null)
    if (ids !== 'all') q = q.where('id', 'in', ids)
    const r = await q.executeTakeFirst()
    return Number(r.numUpdatedRows)
  }
}

/** Rows for items written at `at` (inside the caller's transaction: with what they announce). */
export function outboxRows(items: readonly OutboxItem[], at: number) {
  return items.map((o) => ({
    tenant_id: o.tenantId,
    event_seq: o.eventSeq,
    topic: o.topic,
    ordering_key: o.orderingKey ?? '',
    payload: JSON.stringify(o.payload),
    created_at: at,
    next_attempt_at: at,
  }))
}

function itemFromRow(r: {
  id: number | string
  tenant_id: string
  event_seq: number | string
  topic: string
  payload: unknown
  attempts: number
  created_at: number | string
  ordering_key: string
}): ClaimedOutboxItem {
  return {
    id: Number(r.id),
    tenantId: r.tenant_id,
    eventSeq: Number(r.event_seq),
    topic: r.topic,
    payload: r.payload,
    attempts: r.attempts,
    createdAt: Number(r.created_at),
    ...(r.ordering_key ? { orderingKey: r.ordering_key } : {}),
  }
}
