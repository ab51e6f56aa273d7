import type { CreateTableBuilder, Kysely, Migration, MigrationProvider } from 'kysely'
import { Migrator, sql } from 'kysely'

// Written out here, not taken from the code that uses them: a migration never changes.
const QUEUE_INTERVAL_COUNTERS = [
  'contacts_received',
  'abandoned_short',
  'abandoned_long',
  'handled_short',
  'handled_long',
  'timed_out',
  'transferred_out',
  'handle_time',
  'work_time',
  'hold_time',
  'queue_delay_time',
] as const
const QUEUE_INTERVAL_SNAPSHOTS = ['active', 'backlog', 'backlog_expired'] as const
const AGENT_QUEUE_INTERVAL_COUNTERS = ['handled', 'handle_time', 'work_time', 'hold_time'] as const
const AGENT_QUEUE_INTERVAL_SNAPSHOTS = ['active'] as const
const AGENT_INTERVAL_COUNTERS = ['login_time', 'ready_time', 'not_ready_time'] as const

// Migrations live in code (not files found at run time) so the built server carries them.
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('tenant_configs')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('doc', 'jsonb', (c) => c.notNull())
        .addColumn('demo_users', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('server_secrets')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('agent_states')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('since', 'bigint', (c) => c.notNull())
        .addColumn('active_tasks', 'integer', (c) => c.notNull())
        .addColumn('missed_offers', 'integer', (c) => c.notNull())
        .addColumn('not_responding', 'boolean', (c) => c.notNull())
        .addColumn('last_activity_at', 'bigint', (c) => c.notNull())
        .addColumn('handled', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('agent_states_pk', ['tenant_id', 'agent_id', 'channel'])
        .execute()
      await db.schema
        .createTable('contacts')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('entry_point_id', 'text', (c) => c.notNull())
        .addColumn('queue_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('customer', 'jsonb', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('enqueued_at', 'bigint', (c) => c.notNull())
        .addColumn('queued_at', 'bigint', (c) => c.notNull())
        .addColumn('offer', 'jsonb')
        .addColumn('agent_id', 'text')
        .addColumn('offered_at', 'bigint')
        .addColumn('connected_at', 'bigint')
        .addColumn('ended_at', 'bigint')
        .addColumn('ended_by', 'text')
        .addColumn('wrap_up_until', 'bigint')
        .addColumn('closed_at', 'bigint')
        .addColumn('outcome_reason', 'text')
        .addColumn('wrap_up_code', 'text')
        .addColumn('wrap_up_notes', 'text')
        .addColumn('declined_by', 'jsonb', (c) => c.notNull())
        .addColumn('message_count', 'integer', (c) => c.notNull())
        .addColumn('transfers', 'integer', (c) => c.notNull())
        .addColumn('overflows', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('contacts_pk', ['tenant_id', 'id'])
        .execute()
      // Restart reads only the open contacts.
      await sql`create index contacts_open on contacts (tenant_id) where closed_at is null`.execute(db)
      await db.schema
        .createTable('messages')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('sender', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text')
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('messages_pk', ['tenant_id', 'contact_id', 'seq'])
        .execute()
      await db.schema
        .createTable('events')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('agent_id', 'text')
        .addColumn('contact_id', 'text')
        .addColumn('data', 'jsonb', (c) => c.notNull())
        .addPrimaryKeyConstraint('events_pk', ['tenant_id', 'seq'])
        .execute()
      await db.schema
        .createIndex('events_by_contact')
        .on('events')
        .columns(['tenant_id', 'contact_id', 'seq'])
        .execute()
      await db.schema
        .createIndex('events_by_agent')
        .on('events')
        .columns(['tenant_id', 'agent_id', 'seq'])
        .execute()
      // The events table is append-only: the database itself refuses edits.
      await sql`create function events_append_only() returns trigger language plpgsql as $$
        begin raise exception 'events are append-only'; end $$`.execute(db)
      await sql`create trigger events_no_change before update or delete on events
        for each row execute function events_append_only()`.execute(db)
      await db.schema
        .createTable('outbox')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('event_seq', 'bigint', (c) => c.notNull())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('payload', 'jsonb', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('delivered_at', 'bigint')
        .execute()
      await sql`create index outbox_due on outbox (next_attempt_at) where delivered_at is null`.execute(db)
    },
  },
  '0002_surveys': {
    async up(db: Kysely<unknown>) {
      // One survey per contact: the primary key refuses a second one, whatever races.
      await db.schema
        .createTable('surveys')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('answers', 'jsonb', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('submitted_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('surveys_pk', ['tenant_id', 'contact_id'])
        .execute()
    },
  },
  '0003_chat_features': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('messages').addColumn('attachment', 'jsonb').execute()
      await db.schema.alterTable('messages').addColumn('client_id', 'text').execute()
      // Bytes in the database: one backup holds everything, and both stores behave the same.
      await db.schema
        .createTable('attachments')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('data', 'bytea', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('attachments_pk', ['tenant_id', 'id'])
        .execute()
      // Earlier contacts of the same customer, for the agent desktop.
      await sql`create index contacts_by_email on contacts (tenant_id, (customer->>'email'), created_at)`.execute(
        db,
      )
    },
  },
  '0004_aicc_sessions': {
    async up(db: Kysely<unknown>) {
      // An AICC client names its chat by (app key, channel, user id) and polls without a cursor:
      // the server keeps the cursor, so a restart neither repeats nor drops a message.
      await db.schema
        .createTable('aicc_sessions')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('session_key', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('delivered_seq', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('aicc_sessions_pk', ['tenant_id', 'session_key'])
        .execute()
    },
  },
  '0005_customer_external_id': {
    async up(db: Kysely<unknown>) {
      // A dialect's customer id (an AICC user): their history is looked up by it.
      await sql`create index contacts_by_external_id on contacts (tenant_id, (customer->>'externalId'))`.execute(
        db,
      )
      await sql`create index messages_by_time on messages (tenant_id, created_at)`.execute(db)
    },
  },
  '0006_ordered_outbox': {
    async up(db: Kysely<unknown>) {
      // Items of one key (a chat, a call) go out in order: a failed head holds back the rest.
      await db.schema
        .alterTable('outbox')
        .addColumn('ordering_key', 'text', (c) => c.notNull().defaultTo(''))
        .execute()
      await db.schema.alterTable('outbox').addColumn('dead_at', 'bigint').execute()
      await db.schema.alterTable('outbox').addColumn('last_error', 'text').execute()
      await sql`create index outbox_pending_by_key on outbox (ordering_key, id) where delivered_at is null and dead_at is null`.execute(
        db,
      )
    },
  },
  '0007_reports': {
    async up(db: Kysely<unknown>) {
      // The read side: rebuildable from the events table at any time (switchboard reports rebuild).
      const counters = (t: CreateTableBuilder<string, string>, names: readonly string[]) =>
        names.reduce((b, n) => b.addColumn(n, 'bigint', (c) => c.notNull().defaultTo(0)), t)
      const snapshots = (t: CreateTableBuilder<string, string>, names: readonly string[]) =>
        names.reduce((b, n) => b.addColumn(n, 'integer'), t)
      await snapshots(
        counters(
          db.schema
            .createTable('report_queue_intervals')
            .addColumn('tenant_id', 'text', (c) => c.notNull())
            .addColumn('queue_id', 'text', (c) => c.notNull())
            .addColumn('interval_start', 'bigint', (c) => c.notNull()),
          QUEUE_INTERVAL_COUNTERS,
        ),
        QUEUE_INTERVAL_SNAPSHOTS,
      )
        .addPrimaryKeyConstraint('report_queue_intervals_pk', ['tenant_id', 'interval_start', 'queue_id'])
        .execute()
      await snapshots(
        counters(
          db.schema
            .createTable('report_agent_queue_intervals')
            .addColumn('tenant_id', 'text', (c) => c.notNull())
            .addColumn('agent_id', 'text', (c) => c.notNull())
            .addColumn('queue_id', 'text', (c) => c.notNull())
            .addColumn('interval_start', 'bigint', (c) => c.notNull()),
          AGENT_QUEUE_INTERVAL_COUNTERS,
        ),
        AGENT_QUEUE_INTERVAL_SNAPSHOTS,
      )
        .addPrimaryKeyConstraint('report_agent_queue_intervals_pk', [
          'tenant_id',
          'interval_start',
          'agent_id',
          'queue_id',
        ])
        .execute()
      await counters(
        db.schema
          .createTable('report_agent_intervals')
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('interval_start', 'bigint', (c) => c.notNull()),
        AGENT_INTERVAL_COUNTERS,
      )
        .addPrimaryKeyConstraint('report_agent_intervals_pk', ['tenant_id', 'interval_start', 'agent_id'])
        .execute()
      await db.schema
        .createTable('report_contacts')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('arrived_at', 'bigint', (c) => c.notNull())
        .addColumn('data', 'jsonb', (c) => c.notNull())
        .addPrimaryKeyConstraint('report_contacts_pk', ['tenant_id', 'contact_id'])
        .execute()
      await db.schema
        .createIndex('report_contacts_by_arrival')
        .on('report_contacts')
        .columns(['tenant_id', 'arrived_at'])
        .execute()
      await db.schema
        .createTable('report_agent_activities')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint')
        .addPrimaryKeyConstraint('report_agent_activities_pk', ['tenant_id', 'agent_id', 'seq'])
        .execute()
      await db.schema
        .createIndex('report_agent_activities_by_start')
        .on('report_agent_activities')
        .columns(['tenant_id', 'started_at'])
        .execute()
      await db.schema
        .createTable('report_checkpoints')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey())
        .addColumn('last_seq', 'bigint', (c) => c.notNull())
        .addColumn('state', 'jsonb', (c) => c.notNull())
        .execute()
    },
  },
  '0008_outbox_pending_index': {
    async up(db: Kysely<unknown>) {
      // Due items are read oldest first: without this, every read walks the primary key past all
      // the delivered rows before it (the outbox keeps them), and gets slower each day.
      await sql`create index outbox_pending on outbox (id) where delivered_at is null and dead_at is null`.execute(
        db,
      )
    },
  },
  '0009_phone_bindings': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('phone_bindings')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('extension', 'text', (c) => c.notNull())
        .addColumn('contact', 'text', (c) => c.notNull())
        .addColumn('source_transport', 'text', (c) => c.notNull())
        .addColumn('source_host', 'text', (c) => c.notNull())
        .addColumn('source_port', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('user_agent', 'text')
        .addColumn('registered_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('phone_bindings_pk', ['tenant_id', 'extension', 'contact'])
        .execute()
      await db.schema
        .createTable('call_recordings')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('file', 'text', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('duration_ms', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('call_recordings_pk', ['tenant_id', 'contact_id'])
        .execute()
    },
  },
  '0010_blocked_numbers': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('blocked_numbers')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('number', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('blocked_numbers_pk', ['tenant_id', 'number'])
        .execute()
    },
  },
  '0011_outbox_pending_only': {
    async up(db: Kysely<unknown>) {
      // Delivered items are deleted from now on; those marked before go too.
      await sql`delete from outbox where delivered_at is not null`.execute(db)
      // Which keys wait behind a retry that is not due yet: a handful of rows, found without
      // walking the (possibly long) queue of due items of the same key.
      await sql`create index outbox_waiting on outbox (ordering_key, next_attempt_at) where delivered_at is null and dead_at is null`.execute(
        db,
      )
    },
  },
  '0012_config_file_and_sole_server': {
    async up(db: Kysely<unknown>) {
      // The configuration file last applied to a tenant: its canonical hash (an unchanged file is
      // not applied again) and the configuration it produced (what the admin API changed since).
      await db.schema.alterTable('tenant_configs').addColumn('file_hash', 'text').execute()
      await db.schema.alterTable('tenant_configs').addColumn('file_doc', 'jsonb').execute()
      // Who runs on this database (one server at a time, until nodes share tenants).
      await db.schema
        .createTable('server_holder')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('pid', 'integer', (c) => c.notNull())
        .addColumn('since', 'bigint', (c) => c.notNull())
        .execute()
    },
  },
  '0013_restorable_timers': {
    async up(db: Kysely<unknown>) {
      // The decline hold was counted from the last offer, which no rebuild could schedule again.
      await db.schema.alterTable('contacts').addColumn('decline_hold_until', 'bigint').execute()
      await sql`update contacts set decline_hold_until = offered_at + 60000 where offered_at is not null and closed_at is null`.execute(
        db,
      )
      // Agents whose client holds streams: after a restart their liveness timers start again.
      await db.schema
        .createTable('agent_watch')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('since', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('agent_watch_pk', ['tenant_id', 'agent_id'])
        .execute()
    },
  },
  '0014_queue_estimates': {
    async up(db: Kysely<unknown>) {
      // What each queue's wait estimator learned: after a restart the estimates are the same.
      await db.schema
        .createTable('queue_estimates')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('queue_id', 'text', (c) => c.notNull())
        .addColumn('state', 'jsonb', (c) => c.notNull())
        .addPrimaryKeyConstraint('queue_estimates_pk', ['tenant_id', 'queue_id'])
        .execute()
    },
  },
  '0015_tenant_leases': {
    async up(db: Kysely<unknown>) {
      // One row per tenant: its owning node, the lease's end (the database's clock, in ms) and
      // the epoch every write of the owner is checked against.
      await db.schema
        .createTable('tenant_leases')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('epoch', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute()
      // Commands forwarded between nodes carry a key: applied once, whichever node retries them.
      await db.schema
        .createTable('applied_commands')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('result', 'jsonb', (c) => c.notNull())
        .addColumn('applied_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('applied_commands_pk', ['tenant_id', 'key'])
        .execute()
    },
  },
  '0016_outbox_claims': {
    async up(db: Kysely<unknown>) {
      // Cluster nodes drain one outbox: each item is claimed by the node sending it, for a while.
      await db.schema.alterTable('outbox').addColumn('claimed_by', 'text').execute()
      await db.schema.alterTable('outbox').addColumn('claimed_until', 'bigint').execute()
      // Keys past their hour are trimmed at each keyed commit: found by time, not by a scan.
      await db.schema
        .createIndex('applied_commands_by_time')
        .on('applied_commands')
        .columns(['tenant_id', 'applied_at'])
        .execute()
    },
  },
  '0017_phone_binding_edge': {
    async up(db: Kysely<unknown>) {
      // The cluster node a phone's calls must pass (its connection or NAT binding is there).
      await db.schema.alterTable('phone_bindings').addColumn('edge', 'text').execute()
    },
  },
  '0018_related_contacts': {
    async up(db: Kysely<unknown>) {
      // A call asked for from a chat continues it: one conversation across channels.
      await db.schema.alterTable('contacts').addColumn('related_contact_id', 'text').execute()
    },
  },
  '0019_phone_binding_preference': {
    async up(db: Kysely<unknown>) {
      // RFC 3261's q: which of an extension's phones rings (a softphone or the desk phone).
      await db.schema.alterTable('phone_bindings').addColumn('q', 'real').execute()
    },
  },
  '0020_aicc_click_to_calls': {
    async up(db: Kysely<unknown>) {
      // A click-to-call's events are told from whichever node the page's poll reaches.
      await db.schema
        .createTable('aicc_click_to_calls')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('session_key', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text')
        .addColumn('caller_name', 'text', (c) => c.notNull())
        .addColumn('access_number', 'text', (c) => c.notNull())
        .addColumn('cursor', 'bigint', (c) => c.notNull())
        .addColumn('failure', 'jsonb')
        .addColumn('answered', 'boolean', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('aicc_click_to_calls_pk', ['tenant_id', 'session_key'])
        .execute()
    },
  },
}

const provider: MigrationProvider = { getMigrations: async () => migrations }

/**
 * `schema`: where the migration bookkeeping lives when the database has several schemas. Kysely
 * otherwise finds its tables in any schema and may take another schema's for ours.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any schema type may be migrated
export async function migrateToLatest(db: Kysely<any>, schema?: string): Promise<string[]> {
  const { error, results } = await new Migrator({
    db: db as Kysely<unknown>,
    provider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  }).migrateToLatest()
  if (error) throw new Error('database migration failed', { cause: error })
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
