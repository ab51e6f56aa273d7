import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { ContactQueries, EventQuery, MessageQuery, StoredMessage } from '../../app/ports.js'
import type { Contact } from '../../core/contact.js'
import type { DomainEvent } from '../../core/events.js'
import { contactFromRow, eventFromRow } from './rows.js'
import type { Database } from './schema.js'

export class SqlContactQueries implements ContactQueries {
  constructor(private readonly db: Kysely<Database>) {}

  async contact(tenantId: string, contactId: string): Promise<Contact | undefined> {
    const row = await this.db
      .selectFrom('contacts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', contactId)
      .executeTakeFirst()
    return row && contactFromRow(row)
  }

  async messages(tenantId: string, contactId: string): Promise<StoredMessage[]> {
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('contact_id', '=', contactId)
      .orderBy('seq')
      .execute()
    return rows.map(messageFromRow)
  }

  async customerMessages(tenantId: string, externalId: string, q: MessageQuery): Promise<StoredMessage[]> {
    let query = this.db
      .selectFrom('messages')
      .innerJoin('contacts', (j) =>
        j
          .onRef('contacts.tenant_id', '=', 'messages.tenant_id')
          .onRef('contacts.id', '=', 'messages.contact_id'),
      )
      .selectAll('messages')
      .where('messages.tenant_id', '=', tenantId)
      .where(sql`contacts.customer->>'externalId'`, '=', externalId)
    if (q.from !== undefined) query = query.where('messages.created_at', '>=', q.from)
    if (q.to !== undefined) query = query.where('messages.created_at', '<=', q.to)
    const rows = await query
      .orderBy('messages.created_at')
      .orderBy('messages.contact_id')
      .orderBy('messages.seq')
      .offset(q.offset)
      .limit(q.limit)
      .execute()
    return rows.map(messageFromRow)
  }

  async customerHistory(tenantId: string, email: string, limit: number): Promise<Contact[]> {
    const rows = await this.db
      .selectFrom('contacts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where(sql`customer->>'email'`, '=', email)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute()
    return rows.map(contactFromRow)
  }

  async events(tenantId: string, q: EventQuery): Promise<DomainEvent[]> {
    let query = this.db
      .selectFrom('events')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('seq', '>', q.afterSeq)
    if (q.contactId !== undefined) query = query.where('contact_id', '=', q.contactId)
    if (q.agentId !== undefined) query = query.where('agent_id', '=', q.agentId)
    const rows = await query.orderBy('seq').limit(q.limit).execute()
    return rows.map(eventFromRow)
  }
}

function messageFromRow(r: {
  id: string
  contact_id: string
  seq: number
  sender: string
  agent_id: string | null
  text: string
  created_at: number
  attachment: StoredMessage['attachment']
}): StoredMessage {
  return {
    id: r.id,
    contactId: r.contact_id,
    seq: r.seq,
    from: r.sender as StoredMessage['from'],
    agentId: r.agent_id,
    text: r.text,
    at: Number(r.created_at),
    attachment: r.attachment,
  }
}
