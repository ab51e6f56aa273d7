import type { Lease, TenantOwnership } from '../../app/cluster-ports.js'
import type { Clock } from '../../app/ports.js'

/** Ownership on one node: leases in memory, under the same rules as the database's. */
export class InProcessOwnership implements TenantOwnership {
  private readonly leases = new Map<string, Lease>()

  constructor(private readonly clock: Clock) {}

  acquire(tenantId: string, owner: string, leaseMs: number): Promise<Lease | null> {
    const now = this.clock.now()
    const current = this.leases.get(tenantId)
    if (current && current.owner !== owner && current.expiresAt > now) return Promise.resolve(null)
    const lease = { tenantId, owner, epoch: (current?.epoch ?? 0) + 1, expiresAt: now + leaseMs }
    this.leases.set(tenantId, lease)
    return Promise.resolve(lease)
  }

  renew(lease: Lease, leaseMs: number): Promise<Lease | null> {
    const now = this.clock.now()
    const current = this.leases.get(lease.tenantId)
    if (!current || current.epoch !== lease.epoch || current.owner !== lease.owner)
      return Promise.resolve(null)
    // An expired lease nobody took is still this node's: the epoch did not move.
    const renewed = { ...current, expiresAt: now + leaseMs }
    this.leases.set(lease.tenantId, renewed)
    return Promise.resolve(renewed)
  }

  release(lease: Lease): Promise<void> {
    const current = this.leases.get(lease.tenantId)
    if (current && current.epoch === lease.epoch && current.owner === lease.owner)
      this.leases.set(lease.tenantId, { ...current, expiresAt: 0 })
    return Promise.resolve()
  }

  holder(tenantId: string): Promise<Lease | null> {
    const current = this.leases.get(tenantId)
    return Promise.resolve(current && current.expiresAt > this.clock.now() ? current : null)
  }

  holders(): Promise<Lease[]> {
    const now = this.clock.now()
    return Promise.resolve([...this.leases.values()].filter((l) => l.expiresAt > now))
  }
}
