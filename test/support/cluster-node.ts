import type { OpenedDatabase } from '../../src/adapters/storage/opened-database.js'
import { SqlConfigStore } from '../../src/adapters/storage/sql-config-store.js'
import { SqlContactQueries } from '../../src/adapters/storage/sql-contact-queries.js'
import { SqlOwnership } from '../../src/adapters/storage/sql-ownership.js'
import { SqlRoutingStore } from '../../src/adapters/storage/sql-routing-store.js'
import { systemClock, timerScheduler } from '../../src/adapters/time/system-clock.js'
import type { EventBus } from '../../src/app/cluster-ports.js'
import { Switchboard } from '../../src/app/switchboard.js'
import type { TenantDoc } from '../../src/config/document.js'
import { demoDocs } from './harness.js'

/** The demo tenant under each of these ids: several tenants for the nodes to share. */
export const demoTenants = (ids: readonly string[]): TenantDoc[] => {
  const [demo] = demoDocs()
  return ids.map((id) => ({ ...demo!, id }))
}

/** A cluster node in this process, on real time, started with `docs`. */
export async function startClusterNode(
  opened: OpenedDatabase,
  bus: EventBus,
  nodeId: string,
  docs: TenantDoc[],
  leaseMs = 60_000,
): Promise<Switchboard> {
  const sb = new Switchboard({
    configs: new SqlConfigStore(opened.db, () => systemClock.now()),
    queries: new SqlContactQueries(opened.db),
    store: new SqlRoutingStore(opened.db),
    clock: systemClock,
    scheduler: timerScheduler(systemClock),
    newId: () => `${nodeId}-${Math.random().toString(36).slice(2)}`,
    cluster: { nodeId, ownership: new SqlOwnership(opened.db), bus, leaseMs },
  })
  await sb.start(docs)
  return sb
}

/** Polls a condition the nodes reach by themselves (their rounds run on real time). */
export async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
