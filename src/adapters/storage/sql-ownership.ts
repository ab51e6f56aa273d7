import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { Lease, TenantOwnership } from '../../app/cluster-ports.js'
import type { Database } from './schema.js'

/** The database's own clock in ms: one clock for every node, whatever their skew. */
const dbNow = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`

const leaseOf = (r: { tenant_id: string; owner: string; epoch: number; expires_at: number }): Lease => ({
  tenantId: r.tenant_id,
  owner: r.owner,
  epoch: Number(r.epoch),
  expiresAt: Number(r.expires_at),
})

/**
 * Leases in a table: one row per tenant. Taking a tenant is one conditional upsert, so two nodes
 * racing for it cannot both win; the epoch it bumps fences the loser's writes (RoutingStore).
 */
export class SqlOwnership implements TenantOwnership {
  constructor(private readonly db: Kysely<Database>) {}

  async acquire(tenantId: string, owner: string, leaseMs: number): Promise<Lease | null> {
    const row = await this.db
      .insertInto('tenant_leases')
      .values({ tenant_id: tenantId, owner, epoch: 1, expires_at: sql<number>`${dbNow} + ${leaseMs}` })
      .onConflict((oc) =>
        oc
          .column('tenant_id')
          .doUpdateSet({
            owner,
            epoch: sql<number>`tenant_leases.epoch + 1`,
            expires_at: sql<number>`${dbNow} + ${leaseMs}`,
          })
          .where((eb) =>
            eb.or([eb('tenant_leases.expires_at', '<=', dbNow), eb('tenant_leases.owner', '=', owner)]),
          ),
      )
      .returningAll()
      .executeTakeFirst()
    return row ? leaseOf(row) : null
  }

  async renew(lease: Lease, leaseMs: number): Promise<Lease | null> {
    const row = await this.db
      .updateTable('tenant_leases')
      .set({ expires_at: sql<number>`${dbNow} + ${leaseMs}` })
      .where('tenant_id', '=', lease.tenantId)
      .where('owner', '=', lease.owner)
      .where('epoch', '=', lease.epoch)
      .returningAll()
      .executeTakeFirst()
    return row ? leaseOf(row) : null
  }

  async release(lease: Lease): Promise<void> {
    await this.db
      .updateTable('tenant_leases')
      .set({ expires_at: 0 })
      .where('tenant_id', '=', lease.tenantId)
      .where('owner', '=', lease.owner)
      .where('epoch', '=', lease.epoch)
      .execute()
  }

  async holder(tenantId: string): Promise<Lease | null> {
    const row = await this.db
      .selectFrom('tenant_leases')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('expires_at', '>', dbNow)
      .executeTakeFirst()
    return row ? leaseOf(row) : null
  }

  async holders(): Promise<Lease[]> {
    const rows = await this.db
      .selectFrom('tenant_leases')
      .selectAll()
      .where('expires_at', '>', dbNow)
      .execute()
    return rows.map(leaseOf)
  }
}
