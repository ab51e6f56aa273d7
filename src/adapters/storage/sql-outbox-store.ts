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

// One number for the cluster-wide claim lock (pg_advisory_xact_lock): "SBOX".
const OUTBOX_CLAIM_LOCK = 0x53424f58

export class SqlOutboxStore implements OutboxStore {
  /**
   * On a cluster node (`claimer` set), what `due` returns is claimed for this node for
   * `claimMs`: no other node sends it meanwhile, and none sends a later item of its ordering key
   * before it. Claims are taken under one cluster-wide lock (a short transaction), so two nodes
   * never split a key between them. A node that dies leaves its claims to run out.
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly claimer?: { readonly node: string; readonly claimMs: number },
  ) {}

  async add(items: readonly OutboxItem[], now: number): Promise<void> {
    if (items.length > 0) await this.db.insertInto('outbox').values(outboxRows(items, now)).execute()
  }

  async due(now: number, limit: number, after = 0): Promise<ClaimedOutboxItem[]> {
    const claimer = this.claimer
    if (!claimer) return (await this.dueQuery(this.db, now, limit, after).execute()).map(itemFromRow)
    return this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${OUTBOX_CLAIM_LOCK})`.execute(trx)
      const rows = await this.dueQuery(trx, now, limit, after)
        .where((eb) =>
          eb.or([
            eb('o.claimed_until', 'is', null),
            eb('o.claimed_until', '<=', now),
            eb('o.claimed_by', '=', claimer.node),
          ]),
        )
        // Behind an earlier item of its key that another node is sending, or that this drain's
        // reads passed while another node had it (and that is not this node's now): wait for it.
        // Earlier items after `after` are in this very read, before it.
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('outbox as c')
                .select(sql`1`.as('one'))
                .whereRef('c.ordering_key', '=', 'o.ordering_key')
                .where('o.ordering_key', '<>', '')
                .where(sql<boolean>`c.id + 0 < o.id`)
                .where('c.delivered_at', 'is', null)
                .where('c.dead_at', 'is', null)
                .where((w) =>
                  w.or([
                    w.and([w('c.claimed_until', '>', now), w('c.claimed_by', '<>', claimer.node)]),
                    w.and([
                      w('c.id', '<=', after),
                      w.or([
                        w('c.claimed_by', 'is', null),
                        w('c.claimed_by', '<>', claimer.node),
                        w('c.claimed_until', '<=', now),
                      ]),
                    ]),
                  ]),
                ),
            ),
          ),
        )
        .execute()
      if (rows.length > 0)
        await trx
          .updateTable('outbox')
          .set({ claimed_by: claimer.node, claimed_until: now + claimer.claimMs })
          .where(
            'id',
            'in',
            rows.map((r) => r.id),
          )
          .execute()
      return rows.map(itemFromRow)
    })
  }

  private dueQuery(db: Kysely<Database>, now: number, limit: number, after: number) {
    return db
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
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        next_attempt_at: at,
        last_error: error ?? null,
        claimed_by: null,
        claimed_until: null,
      }))
      .where('id', '=', id)
      .execute()
  }

  async dead(id: number, now: number, error: string): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        dead_at: now,
        last_error: error,
        claimed_by: null,
        claimed_until: null,
      }))
      .where('id', '=', id)
      .execute()
  }

  async nextAttemptAt(): Promise<number | undefined> {
    const node = this.claimer?.node
    const r = await this.heads()
      .clearSelect()
      .select((eb) =>
        eb.fn
          .min(
            // Another node's item is this node's to try only once its claim ran out.
            node === undefined
              ? eb.ref('o.next_attempt_at')
              : sql<number>`case when o.claimed_by is not null and o.claimed_by <> ${node}
                  then greatest(o.next_attempt_at, o.claimed_until) else o.next_attempt_at end`,
          )
          .as('at'),
      )
      .executeTakeFirst()
    return r?.at === null || r?.at === undefined ? undefined : Number(r.at)
  }

  /** This node stops sending: what it claimed is free for the others at once. */
  async releaseClaims(): Promise<void> {
    if (!this.claimer) return
    await this.db
      .updateTable('outbox')
      .set({ claimed_by: null, claimed_until: null })
      .where('claimed_by', '=', this.claimer.node)
      .execute()
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
