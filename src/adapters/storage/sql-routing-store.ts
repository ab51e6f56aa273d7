import type { Kysely, Transaction } from 'kysely'
import { FencedOut } from '../../app/cluster-ports.js'
import type { CommitBatch, Fence, RouterSnapshot, RoutingStore } from '../../app/ports.js'
import type { AgentChannelState } from '../../core/agent.js'
import { chunks } from './chunks.js'
import { agentStateFromRow, agentStateRow, contactFromRow, contactRow, eventRow } from './rows.js'
import type { Database } from './schema.js'
import { outboxRows } from './sql-outbox-store.js'

/** How long a forwarded command's key is remembered: far beyond any retry. */
const APPLIED_KEPT_MS = 3600_000
/** The newest keys a rebuilt router remembers. */
const APPLIED_LOADED = 50_000

export class SqlRoutingStore implements RoutingStore {
  constructor(private readonly db: Kysely<Database>) {}

  async load(tenantId: string): Promise<RouterSnapshot> {
    const [seq, states, contacts, estimates, applied] = await Promise.all([
      this.db
        .selectFrom('events')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst(),
      this.db.selectFrom('agent_states').selectAll().where('tenant_id', '=', tenantId).execute(),
      this.db
        .selectFrom('contacts')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('closed_at', 'is', null)
        .execute(),
      this.db.selectFrom('queue_estimates').selectAll().where('tenant_id', '=', tenantId).execute(),
      this.db
        .selectFrom('applied_commands')
        .select(['key', 'result', 'applied_at'])
        .where('tenant_id', '=', tenantId)
        .orderBy('applied_at', 'desc')
        .limit(APPLIED_LOADED)
        .execute(),
    ])
    const byAgent = new Map<string, AgentChannelState[]>()
    for (const r of states) {
      const list = byAgent.get(r.agent_id) ?? []
      list.push(agentStateFromRow(r))
      byAgent.set(r.agent_id, list)
    }
    const open = contacts.map((c) => c.id)
    const sent =
      open.length === 0
        ? []
        : await this.db
            .selectFrom('messages')
            .select(['contact_id', 'id', 'seq', 'text', 'attachment', 'client_id'])
            .where('tenant_id', '=', tenantId)
            .where('client_id', 'is not', null)
            .where('contact_id', 'in', open)
            .execute()
    return {
      lastSeq: Number(seq?.seq ?? 0),
      sent: sent.map((m) => ({
        contactId: m.contact_id,
        messageId: m.id,
        messageSeq: m.seq,
        text: m.text,
        attachment: m.attachment,
        clientMessageId: m.client_id,
      })),
      agents: [...byAgent].map(([agentId, channels]) => ({ agentId, channels })),
      contacts: contacts.map(contactFromRow),
      estimates: estimates.map((e) => ({ queueId: e.queue_id, state: e.state })),
      // Oldest first: the runtime forgets from the front when it has too many.
      applied: applied.reverse().map((a) => ({ key: a.key, result: a.result.value, at: a.applied_at })),
    }
  }

  async commit(tenantId: string, batch: CommitBatch): Promise<void> {
    const estimates = batch.estimates ?? []
    const applied = batch.applied ?? []
    if (
      applied.length +
        batch.events.length +
        batch.contacts.length +
        batch.agents.length +
        batch.outbox.length +
        estimates.length ===
      0
    )
      return
    await this.db.transaction().execute(async (trx) => {
      // First, under a share lock: a node taking the tenant over waits for this transaction, and
      // a writer whose epoch moved on writes nothing.
      if (batch.fence) await checkFence(trx, tenantId, batch.fence)
      for (const rows of chunks(
        applied.map((a) => ({
          tenant_id: tenantId,
          key: a.key,
          result: JSON.stringify({ value: a.result ?? null }),
          applied_at: a.at,
        })),
      ))
        await trx
          .insertInto('applied_commands')
          .values(rows)
          .onConflict((oc) => oc.doNothing())
          .execute()
      // Keys older than the window are no use to a retry: trimmed as the table grows.
      if (applied.length > 0)
        await trx
          .deleteFrom('applied_commands')
          .where('tenant_id', '=', tenantId)
          .where('applied_at', '<', Math.max(...applied.map((a) => a.at)) - APPLIED_KEPT_MS)
          .execute()
      if (estimates.length > 0)
        await trx
          .insertInto('queue_estimates')
          .values(
            estimates.map((e) => ({
              tenant_id: tenantId,
              queue_id: e.queueId,
              state: JSON.stringify(e.state),
            })),
          )
          .onConflict((oc) =>
            oc.columns(['tenant_id', 'queue_id']).doUpdateSet((eb) => ({ state: eb.ref('excluded.state') })),
          )
          .execute()
      for (const rows of chunks(batch.events.map(eventRow)))
        await trx.insertInto('events').values(rows).execute()
      const messages = batch.events.flatMap((e) =>
        e.type === 'MessagePosted'
          ? [
              {
                tenant_id: tenantId,
                contact_id: e.contactId,
                seq: e.messageSeq,
                id: e.messageId,
                sender: e.from,
                agent_id: e.agentId,
                text: e.text,
                created_at: e.at,
                attachment: e.attachment ? JSON.stringify(e.attachment) : null,
                client_id: e.clientMessageId,
              },
            ]
          : [],
      )
      for (const rows of chunks(messages)) await trx.insertInto('messages').values(rows).execute()
      for (const rows of chunks(batch.contacts.map((c) => contactRow(tenantId, c)))) {
        await trx
          .insertInto('contacts')
          .values(rows)
          .onConflict((oc) =>
            oc.columns(['tenant_id', 'id']).doUpdateSet((eb) => ({
              queue_id: eb.ref('excluded.queue_id'),
              state: eb.ref('excluded.state'),
              priority: eb.ref('excluded.priority'),
              queued_at: eb.ref('excluded.queued_at'),
              offer: eb.ref('excluded.offer'),
              agent_id: eb.ref('excluded.agent_id'),
              offered_at: eb.ref('excluded.offered_at'),
              connected_at: eb.ref('excluded.connected_at'),
              ended_at: eb.ref('excluded.ended_at'),
              ended_by: eb.ref('excluded.ended_by'),
              wrap_up_until: eb.ref('excluded.wrap_up_until'),
              closed_at: eb.ref('excluded.closed_at'),
              outcome_reason: eb.ref('excluded.outcome_reason'),
              wrap_up_code: eb.ref('excluded.wrap_up_code'),
              wrap_up_notes: eb.ref('excluded.wrap_up_notes'),
              declined_by: eb.ref('excluded.declined_by'),
              decline_hold_until: eb.ref('excluded.decline_hold_until'),
              message_count: eb.ref('excluded.message_count'),
              transfers: eb.ref('excluded.transfers'),
              overflows: eb.ref('excluded.overflows'),
            })),
          )
          .execute()
      }
      const agentRows = batch.agents.flatMap((a) =>
        a.channels.map((s) => agentStateRow(tenantId, a.agentId, s)),
      )
      for (const rows of chunks(agentRows)) {
        await trx
          .insertInto('agent_states')
          .values(rows)
          .onConflict((oc) =>
            oc.columns(['tenant_id', 'agent_id', 'channel']).doUpdateSet((eb) => ({
              state: eb.ref('excluded.state'),
              reason: eb.ref('excluded.reason'),
              since: eb.ref('excluded.since'),
              active_tasks: eb.ref('excluded.active_tasks'),
              missed_offers: eb.ref('excluded.missed_offers'),
              not_responding: eb.ref('excluded.not_responding'),
              last_activity_at: eb.ref('excluded.last_activity_at'),
              handled: eb.ref('excluded.handled'),
            })),
          )
          .execute()
      }
      const outbox = outboxRows(batch.outbox, batch.events[0]?.at ?? 0)
      for (const rows of chunks(outbox)) await trx.insertInto('outbox').values(rows).execute()
    })
  }
}

async function checkFence(trx: Transaction<Database>, tenantId: string, fence: Fence): Promise<void> {
  const lease = await trx
    .selectFrom('tenant_leases')
    .select(['owner', 'epoch'])
    .where('tenant_id', '=', tenantId)
    .forShare()
    .executeTakeFirst()
  if (!lease || lease.owner !== fence.owner || Number(lease.epoch) !== fence.epoch)
    throw new FencedOut(tenantId, fence.epoch)
}
