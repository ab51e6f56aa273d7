import type { Kysely } from 'kysely'
import type { ConfigStore, StoredConfig } from '../../app/ports.js'
import { DomainError } from '../../core/errors.js'
import type { TenantConfig } from '../../core/tenant-config.js'
import type { Database } from './schema.js'

export class SqlConfigStore implements ConfigStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  async list(): Promise<StoredConfig[]> {
    const rows = await this.db.selectFrom('tenant_configs').selectAll().orderBy('tenant_id').execute()
    return rows.map((r) => ({ config: r.doc as TenantConfig, version: r.version, demoUsers: r.demo_users }))
  }

  async get(tenantId: string): Promise<StoredConfig | undefined> {
    const r = await this.db
      .selectFrom('tenant_configs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst()
    return r && { config: r.doc as TenantConfig, version: r.version, demoUsers: r.demo_users }
  }

  async save(config: TenantConfig, demoUsers: readonly string[], expectedVersion: number): Promise<number> {
    const version = expectedVersion + 1
    const doc = JSON.stringify(config)
    const users = JSON.stringify(demoUsers)
    const res =
      expectedVersion === 0
        ? await this.db
            .insertInto('tenant_configs')
            .values({ tenant_id: config.id, version, doc, demo_users: users, updated_at: this.now() })
            .onConflict((oc) => oc.column('tenant_id').doNothing())
            .executeTakeFirst()
        : await this.db
            .updateTable('tenant_configs')
            .set({ version, doc, demo_users: users, updated_at: this.now() })
            .where('tenant_id', '=', config.id)
            .where('version', '=', expectedVersion)
            .executeTakeFirst()
    const changed = 'numInsertedOrUpdatedRows' in res ? res.numInsertedOrUpdatedRows : res.numUpdatedRows
    if (!changed)
      throw new DomainError('CONFLICT', `configuration of ${config.id} changed meanwhile; reload and retry`)
    return version
  }

  async secret(name: string, create: () => string): Promise<string> {
    await this.db
      .insertInto('server_secrets')
      .values({ name, value: create() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute()
    const row = await this.db
      .selectFrom('server_secrets')
      .select('value')
      .where('name', '=', name)
      .executeTakeFirstOrThrow()
    return row.value
  }
}
