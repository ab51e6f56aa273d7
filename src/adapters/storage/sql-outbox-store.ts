import type { Kysely } from 'kysely'
import type { ClaimedOutboxItem, OutboxStore } from '../../app/ports.js'
import type { Database } from './schema.js'

export class SqlOutboxStore implements OutboxStore {
  constructor(private readonly db: Kysely<Database>) {}

  async due(now: number, limit: number): Promise<ClaimedOutboxItem[]> {
    const rows = await this.db
      .selectFrom('outbox')
      .selectAll()
      .where('delivered_at', 'is', null)
      .where('next_attempt_at', '<=', now)
      .orderBy('id')
      .limit(limit)
      .execute()
    return rows.map((r) => ({
      id: Number(r.id),
      tenantId: r.tenant_id,
      eventSeq: r.event_seq,
      topic: r.topic,
      payload: r.payload,
      attempts: r.attempts,
    }))
  }

  async delivered(ids: readonly number[], now: number): Promise<void> {
    if (ids.length === 0) return
    await this.db.updateTable('outbox').set({ delivered_at: now }).where('id', 'in', ids).execute()
  }

  async retryLater(id: number, at: number): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: at }))
      .where('id', '=', id)
      .execute()
  }
}
