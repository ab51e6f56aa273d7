import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { AiccSession, AiccSessionStore, StoredClickToCall } from '../../app/ports.js'
import type { Database } from './schema.js'

export class SqlAiccSessionStore implements AiccSessionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async clickToCall(tenantId: string, key: string): Promise<StoredClickToCall | undefined> {
    const r = await this.db
      .selectFrom('aicc_click_to_calls')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('session_key', '=', key)
      .executeTakeFirst()
    return (
      r && {
        contactId: r.contact_id,
        callerName: r.caller_name,
        accessNumber: r.access_number,
        cursor: Number(r.cursor),
        failure: r.failure,
        answered: r.answered,
        createdAt: Number(r.created_at),
      }
    )
  }

  async saveClickToCall(tenantId: string, key: string, c: StoredClickToCall, forgetBefore?: number) {
    if (forgetBefore !== undefined)
      await this.db
        .deleteFrom('aicc_click_to_calls')
        .where('tenant_id', '=', tenantId)
        .where('created_at', '<', forgetBefore)
        .execute()
    const same = sql`aicc_click_to_calls.created_at = excluded.created_at`
    await this.db
      .insertInto('aicc_click_to_calls')
      .values({
        tenant_id: tenantId,
        session_key: key,
        contact_id: c.contactId,
        caller_name: c.callerName,
        access_number: c.accessNumber,
        cursor: c.cursor,
        failure: JSON.stringify(c.failure),
        answered: c.answered,
        created_at: c.createdAt,
      })
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'session_key']).doUpdateSet({
          contact_id: sql`excluded.contact_id`,
          caller_name: sql`excluded.caller_name`,
          access_number: sql`excluded.access_number`,
          failure: sql`excluded.failure`,
          cursor: sql`case when ${same} then greatest(aicc_click_to_calls.cursor, excluded.cursor)
            else excluded.cursor end`,
          answered: sql`case when ${same} then aicc_click_to_calls.answered or excluded.answered
            else excluded.answered end`,
          created_at: sql`excluded.created_at`,
        }),
      )
      .execute()
  }

  async endClickToCall(tenantId: string, key: string, createdAt: number): Promise<void> {
    await this.db
      .deleteFrom('aicc_click_to_calls')
      .where('tenant_id', '=', tenantId)
      .where('session_key', '=', key)
      .where('created_at', '=', createdAt)
      .execute()
  }

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
