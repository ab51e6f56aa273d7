import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { AiccSession, AiccSessionStore } from '../../app/ports.js'
import type { Database } from './schema.js'

export class SqlAiccSessionStore implements AiccSessionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(tenantId: string, key: string): Promise<AiccSession | undefined> {
    const r = await this.db
      .selectFrom('aicc_sessions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('session_key', '=', key)
      .executeTakeFirst()
    return r && { key: r.session_key, contactId: r.contact_id, deliveredSeq: Number(r.delivered_seq) }
  }

  async save(tenantId: string, s: AiccSession, now: number): Promise<void> {
    await this.db
      .insertInto('aicc_sessions')
      .values({
        tenant_id: tenantId,
        session_key: s.key,
        contact_id: s.contactId,
        delivered_seq: s.deliveredSeq,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'session_key']).doUpdateSet({
          contact_id: sql`excluded.contact_id`,
          delivered_seq: sql`case when aicc_sessions.contact_id = excluded.contact_id
            then greatest(aicc_sessions.delivered_seq, excluded.delivered_seq)
            else excluded.delivered_seq end`,
          updated_at: sql`greatest(aicc_sessions.updated_at, excluded.updated_at)`,
        }),
      )
      .execute()
  }

  async seen(tenantId: string, key: string, at: number): Promise<void> {
    await this.db
      .updateTable('aicc_sessions')
      .set({ updated_at: sql`greatest(updated_at, ${at})` })
      .where('tenant_id', '=', tenantId)
      .where('session_key', '=', key)
      .execute()
  }

  async lastSeen(tenantId: string, key: string): Promise<number | undefined> {
    const r = await this.db
      .selectFrom('aicc_sessions')
      .select('updated_at')
      .where('tenant_id', '=', tenantId)
      .where('session_key', '=', key)
      .executeTakeFirst()
    return r && Number(r.updated_at)
  }
}
