import type { Kysely } from 'kysely'
import type { BlockedNumberStore } from '../../app/voice-ports.js'
import type { Database } from './schema.js'

export class SqlBlockedNumberStore implements BlockedNumberStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(tenantId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('blocked_numbers')
      .select('number')
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at')
      .orderBy('number')
      .execute()
    return rows.map((r) => r.number)
  }

  async add(tenantId: string, number: string, now: number): Promise<boolean> {
    const rows = await this.db
      .insertInto('blocked_numbers')
      .values({ tenant_id: tenantId, number, created_at: now })
      .onConflict((oc) => oc.columns(['tenant_id', 'number']).doNothing())
      .returning('number')
      .execute()
    return rows.length > 0
  }

  async remove(tenantId: string, number: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('blocked_numbers')
      .where('tenant_id', '=', tenantId)
      .where('number', '=', number)
      .executeTakeFirst()
    return Number(r.numDeletedRows) > 0
  }

  async has(tenantId: string, number: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('blocked_numbers')
      .select('number')
      .where('tenant_id', '=', tenantId)
      .where('number', '=', number)
      .executeTakeFirst()
    return row !== undefined
  }
}
