import type { Kysely, Selectable } from 'kysely'
import type { ConfigStore, StoredConfig } from '../../app/ports.js'
import { DomainError } from '../../core/errors.js'
import type { TenantConfig } from '../../core/tenant-config.js'
import type { Database, TenantConfigsTable } from './schema.js'

function storedOf(r: Selectable<TenantConfigsTable>): StoredConfig {
  return {
    config: r.doc as TenantConfig,
    version: r.version,
    demoUsers: r.demo_users,
    file:
      r.file_hash === null || r.file_doc === null
        ? null
        : { hash: r.file_hash, config: r.file_doc as TenantConfig },
  }
}

export class SqlConfigStore implements ConfigStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  async list(): Promise<StoredConfig[]> {
    const rows = await this.db.selectFrom('tenant_configs').selectAll().orderBy('tenant_id').execute()
    return rows.map(storedOf)
  }

  async get(tenantId: string): Promise<StoredConfig | undefined> {
    const r = await this.db
      .selectFrom('tenant_configs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst()
    return r && storedOf(r)
  }

  async save(
    config: TenantConfig,
    demoUsers: readonly string[],
    expectedVersion: number,
    fileHash?: string,
  ): Promise<number> {
    const version = expectedVersion + 1
    const doc = JSON.stringify(config)
    const row = {
      version,
      doc,
      demo_users: JSON.stringify(demoUsers),
      updated_at: this.now(),
      ...(fileHash === undefined ? {} : { file_hash: fileHash, file_doc: doc }),
    }
    const res =
      expectedVersion === 0
        ? await this.db
            .insertInto('tenant_configs')
            .values({ tenant_id: config.id, ...row })
            .onConflict((oc) => oc.column('tenant_id').doNothing())
            .executeTakeFirst()
        : await this.db
            .updateTable('tenant_configs')
            .set(row)
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
