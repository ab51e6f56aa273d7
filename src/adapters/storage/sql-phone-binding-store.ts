import type { Kysely } from 'kysely'
import type { PhoneBinding, PhoneBindingChange, PhoneBindingStore } from '../../app/voice-ports.js'
import { PHONE_TRANSPORTS } from '../../app/voice-ports.js'
import { chunks } from './chunks.js'
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
        transport: PHONE_TRANSPORTS.find((t) => t === r.source_transport) ?? 'UDP',
        host: r.source_host,
        port: r.source_port,
      },
      expiresAt: Number(r.expires_at),
      userAgent: r.user_agent,
      registeredAt: Number(r.registered_at),
      ...(r.edge === null ? {} : { edge: r.edge }),
      ...(r.q === null ? {} : { q: r.q }),
    }))
  }

  async write(changes: readonly PhoneBindingChange[]): Promise<void> {
    const saved = changes.flatMap((c) => (c.kind === 'save' ? [rowOf(c.binding)] : []))
    const removed = changes.flatMap((c) => (c.kind === 'remove' ? [c] : []))
    const statements = [...chunks(removed).map(deleting), ...chunks(saved).map(upserting)]
    // One statement is atomic by itself: a batch of refreshes, the usual case, needs no BEGIN
    // and COMMIT (two more round trips to the database each time).
    if (statements.length === 1) await statements[0]!(this.db)
    else
      await this.db.transaction().execute(async (trx) => {
        for (const run of statements) await run(trx)
      })
  }
}

type Statement = (db: Kysely<Database>) => Promise<unknown>

const deleting =
  (part: readonly { tenantId: string; extension: string; contact: string }[]): Statement =>
  (db) =>
    db
      .deleteFrom('phone_bindings')
      .where((eb) =>
        eb.or(part.map((r) => eb.and({ tenant_id: r.tenantId, extension: r.extension, contact: r.contact }))),
      )
      .execute()

const upserting =
  (part: readonly ReturnType<typeof rowOf>[]): Statement =>
  (db) =>
    db
      .insertInto('phone_bindings')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'extension', 'contact']).doUpdateSet((eb) => ({
          source_transport: eb.ref('excluded.source_transport'),
          source_host: eb.ref('excluded.source_host'),
          source_port: eb.ref('excluded.source_port'),
          expires_at: eb.ref('excluded.expires_at'),
          user_agent: eb.ref('excluded.user_agent'),
          registered_at: eb.ref('excluded.registered_at'),
          edge: eb.ref('excluded.edge'),
          q: eb.ref('excluded.q'),
        })),
      )
      .execute()

const rowOf = (b: PhoneBinding) => ({
  tenant_id: b.tenantId,
  extension: b.extension,
  contact: b.contact,
  source_transport: b.source.transport,
  source_host: b.source.host,
  source_port: b.source.port,
  expires_at: b.expiresAt,
  user_agent: b.userAgent,
  registered_at: b.registeredAt,
  edge: b.edge ?? null,
  q: b.q ?? null,
})
