import type { Kysely } from 'kysely'
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
        oc.columns(['tenant_id', 'session_key']).doUpdateSet((eb) => ({
          contact_id: eb.ref('excluded.contact_id'),
          delivered_seq: eb.ref('excluded.delivered_seq'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute()
  }
}
