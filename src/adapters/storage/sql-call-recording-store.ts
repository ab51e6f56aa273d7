import type { Kysely } from 'kysely'
import type { CallRecording, CallRecordingStore } from '../../app/voice-ports.js'
import type { Database } from './schema.js'

export class SqlCallRecordingStore implements CallRecordingStore {
  constructor(private readonly db: Kysely<Database>) {}

  async save(r: CallRecording): Promise<void> {
    const row = {
      tenant_id: r.tenantId,
      contact_id: r.contactId,
      file: r.file,
      bytes: r.bytes,
      duration_ms: r.durationMs,
      created_at: r.createdAt,
    }
    await this.db
      .insertInto('call_recordings')
      .values(row)
      .onConflict((oc) => oc.columns(['tenant_id', 'contact_id']).doUpdateSet(row))
      .execute()
  }

  async get(tenantId: string, contactId: string): Promise<CallRecording | undefined> {
    const r = await this.db
      .selectFrom('call_recordings')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('contact_id', '=', contactId)
      .executeTakeFirst()
    return (
      r && {
        tenantId: r.tenant_id,
        contactId: r.contact_id,
        file: r.file,
        bytes: Number(r.bytes),
        durationMs: Number(r.duration_ms),
        createdAt: Number(r.created_at),
      }
    )
  }
}
