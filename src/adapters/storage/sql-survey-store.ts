import type { Kysely } from 'kysely'
import type { StoredSurvey, SurveyStore } from '../../app/ports.js'
import type { Database } from './schema.js'

export class SqlSurveyStore implements SurveyStore {
  constructor(private readonly db: Kysely<Database>) {}

  async submit(tenantId: string, s: StoredSurvey): Promise<boolean> {
    const res = await this.db
      .insertInto('surveys')
      .values({
        tenant_id: tenantId,
        contact_id: s.contactId,
        answers: JSON.stringify(s.answers),
        source: s.source,
        submitted_at: s.submittedAt,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'contact_id']).doNothing())
      .executeTakeFirst()
    return Number(res.numInsertedOrUpdatedRows ?? 0) === 1
  }

  async get(tenantId: string, contactId: string): Promise<StoredSurvey | undefined> {
    const r = await this.db
      .selectFrom('surveys')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('contact_id', '=', contactId)
      .executeTakeFirst()
    return r && surveyFromRow(r)
  }

  async list(tenantId: string, contactIds: readonly string[]): Promise<StoredSurvey[]> {
    if (contactIds.length === 0) return []
    const rows = await this.db
      .selectFrom('surveys')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('contact_id', 'in', contactIds)
      .execute()
    return rows.map(surveyFromRow)
  }
}

const surveyFromRow = (r: {
  contact_id: string
  answers: StoredSurvey['answers']
  source: string
  submitted_at: number
}): StoredSurvey => ({
  contactId: r.contact_id,
  answers: r.answers,
  source: r.source,
  submittedAt: r.submitted_at,
})
