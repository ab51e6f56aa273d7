import type { Kysely } from 'kysely'
import type { AttachmentStore, StoredAttachment } from '../../app/ports.js'
import type { Database } from './schema.js'

export class SqlAttachmentStore implements AttachmentStore {
  constructor(private readonly db: Kysely<Database>) {}

  async save(tenantId: string, a: StoredAttachment): Promise<void> {
    await this.db
      .insertInto('attachments')
      .values({
        tenant_id: tenantId,
        id: a.id,
        contact_id: a.contactId,
        name: a.name,
        content_type: a.contentType,
        size: a.size,
        data: a.data,
        created_at: a.createdAt,
      })
      .execute()
  }

  async get(tenantId: string, id: string): Promise<StoredAttachment | undefined> {
    const r = await this.db
      .selectFrom('attachments')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst()
    return (
      r && {
        id: r.id,
        contactId: r.contact_id,
        name: r.name,
        contentType: r.content_type,
        size: r.size,
        data: r.data,
        createdAt: Number(r.created_at),
      }
    )
  }

  async remove(tenantId: string, id: string): Promise<void> {
    await this.db.deleteFrom('attachments').where('tenant_id', '=', tenantId).where('id', '=', id).execute()
  }
}
