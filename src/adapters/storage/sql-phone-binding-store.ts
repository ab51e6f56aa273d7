import type { Kysely } from 'kysely'
import type { PhoneBinding, PhoneBindingStore } from '../../app/voice-ports.js'
import type { Database } from './schema.js'

export class SqlPhoneBindingStore implements PhoneBindingStore {
  constructor(private readonly db: Kysely<Database>) {}

  async live(now: number): Promise<PhoneBinding[]> {
    await this.db.deleteFrom('phone_bindings').where('expires_at', '<=', now).execute()
    const rows = await this.db.selectFrom('phone_bindings').selectAll().orderBy('registered_at').execute()
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      extension: r.extension,
      contact: r.contact,
      source: {
        transport: r.source_transport === 'TCP' || r.source_transport === 'TLS' ? r.source_transport : 'UDP',
        host: r.source_host,
        port: r.source_port,
      },
      expiresAt: Number(r.expires_at),
      userAgent: r.user_agent,
      registeredAt: Number(r.registered_at),
    }))
  }

  async save(b: PhoneBinding): Promise<void> {
    const row = {
      tenant_id: b.tenantId,
      extension: b.extension,
      contact: b.contact,
      source_transport: b.source.transport,
      source_host: b.source.host,
      source_port: b.source.port,
      expires_at: b.expiresAt,
      user_agent: b.userAgent,
      registered_at: b.registeredAt,
    }
    await this.db
      .insertInto('phone_bindings')
      .values(row)
      .onConflict((oc) => oc.columns(['tenant_id', 'extension', 'contact']).doUpdateSet(row))
      .execute()
  }

  async remove(tenantId: string, extension: string, contact: string | null): Promise<void> {
    let q = this.db
      .deleteFrom('phone_bindings')
      .where('tenant_id', '=', tenantId)
      .where('extension', '=', extension)
    if (contact !== null) q = q.where('contact', '=', contact)
    await q.execute()
  }
}
