import type { Kysely } from 'kysely'
import type { AgentWatchStore } from '../../app/ports.js'
import type { Database } from './schema.js'

export class SqlAgentWatchStore implements AgentWatchStore {
  constructor(private readonly db: Kysely<Database>) {}

  async watched(tenantId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('agent_watch')
      .select('agent_id')
      .where('tenant_id', '=', tenantId)
      .execute()
    return rows.map((r) => r.agent_id)
  }

  async watch(tenantId: string, agentId: string, now: number): Promise<void> {
    await this.db
      .insertInto('agent_watch')
      .values({ tenant_id: tenantId, agent_id: agentId, since: now })
      .onConflict((oc) => oc.columns(['tenant_id', 'agent_id']).doNothing())
      .execute()
  }
}
