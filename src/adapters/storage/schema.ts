import type { EstimatorState } from '../../core/ewt.js'
import type { ContactRecord } from '../../app/report-ports.js'
import type { AttachmentRef } from '../../core/contact.js'
import type { ColumnType, Generated, JSONColumnType } from 'kysely'

// Times are epoch milliseconds in bigint columns: exact, zone-free, and what the core computes with.

export interface TenantConfigsTable {
  tenant_id: string
  version: number
  doc: ColumnType<unknown, string, string>
  demo_users: JSONColumnType<string[], string, string>
  updated_at: number
  file_hash: string | null
  file_doc: ColumnType<unknown, string | null, string | null>
}

export interface ServerHolderTable {
  id: number
  host: string
  pid: number
  since: number
}

export interface ServerSecretsTable {
  name: string
  value: string
}

export interface AgentStatesTable {
  tenant_id: string
  agent_id: string
  channel: string
  state: string
  reason: string | null
  since: number
  active_tasks: number
  missed_offers: number
  not_responding: boolean
  last_activity_at: number
  handled: number
}

export interface ContactsTable {
  tenant_id: string
  id: string
  channel: string
  entry_point_id: string
  queue_id: string
  state: string
  priority: number
  customer: JSONColumnType<{ name: string; email?: string; externalId?: string }, string, string>
  subject: string | null
  created_at: number
  enqueued_at: number
  queued_at: number
  offer: JSONColumnType<
    { offerId: string; agentId: string; offeredAt: number; expiresAt: number } | null,
    string | null,
    string | null
  >
  agent_id: string | null
  offered_at: number | null
  connected_at: number | null
  ended_at: number | null
  ended_by: string | null
  wrap_up_until: number | null
  closed_at: number | null
  outcome_reason: string | null
  wrap_up_code: string | null
  wrap_up_notes: string | null
  declined_by: JSONColumnType<string[], string, string>
  decline_hold_until: number | null
  message_count: number
  transfers: number
  overflows: number
  related_contact_id: string | null
}

export interface MessagesTable {
  tenant_id: string
  contact_id: string
  seq: number
  id: string
  sender: string
  agent_id: string | null
  text: string
  created_at: number
  attachment: JSONColumnType<AttachmentRef | null, string | null, string | null>
  client_id: string | null
}

export interface AttachmentsTable {
  tenant_id: string
  id: string
  contact_id: string
  name: string
  content_type: string
  size: number
  data: Uint8Array
  created_at: number
}

export interface EventsTable {
  tenant_id: string
  seq: number
  type: string
  at: number
  agent_id: string | null
  contact_id: string | null
  data: JSONColumnType<Record<string, unknown>, string, string>
}

export interface OutboxTable {
  id: Generated<number>
  tenant_id: string
  event_seq: number
  topic: string
  payload: ColumnType<unknown, string, string>
  created_at: number
  attempts: ColumnType<number, number | undefined, number>
  next_attempt_at: number
  /** No longer set: delivered items are deleted (0011). Kept for the pending indexes' predicate. */
  delivered_at: number | null
  ordering_key: ColumnType<string, string | undefined, string>
  dead_at: number | null
  last_error: string | null
  /** The cluster node sending it now, and until when that claim holds (0016). */
  claimed_by: ColumnType<string | null, string | null | undefined, string | null>
  claimed_until: ColumnType<number | null, number | null | undefined, number | null>
}

export interface SurveysTable {
  tenant_id: string
  contact_id: string
  answers: JSONColumnType<{ question: string; answer: string }[], string, string>
  source: string
  submitted_at: number
}

export interface AiccClickToCallsTable {
  tenant_id: string
  session_key: string
  contact_id: string | null
  caller_name: string
  access_number: string
  cursor: number
  failure: JSONColumnType<{ causeId: number; causeDesc: string } | null, string | null, string | null>
  answered: boolean
  created_at: number
}

export interface AiccSessionsTable {
  tenant_id: string
  session_key: string
  contact_id: string
  delivered_seq: number
  updated_at: number
}

type Counter = ColumnType<number, number | undefined, number>

export interface ReportQueueIntervalsTable {
  tenant_id: string
  queue_id: string
  interval_start: number
  contacts_received: Counter
  abandoned_short: Counter
  abandoned_long: Counter
  handled_short: Counter
  handled_long: Counter
  timed_out: Counter
  transferred_out: Counter
  handle_time: Counter
  work_time: Counter
  hold_time: Counter
  queue_delay_time: Counter
  active: number | null
  backlog: number | null
  backlog_expired: number | null
}

export interface ReportAgentQueueIntervalsTable {
  tenant_id: string
  agent_id: string
  queue_id: string
  interval_start: number
  handled: Counter
  handle_time: Counter
  work_time: Counter
  hold_time: Counter
  active: number | null
}

export interface ReportAgentIntervalsTable {
  tenant_id: string
  agent_id: string
  interval_start: number
  login_time: Counter
  ready_time: Counter
  not_ready_time: Counter
}

export interface ReportContactsTable {
  tenant_id: string
  contact_id: string
  arrived_at: number
  data: JSONColumnType<ContactRecord, string, string>
}

export interface ReportAgentActivitiesTable {
  tenant_id: string
  agent_id: string
  seq: number
  state: string
  reason: string | null
  started_at: number
  ended_at: number | null
}

export interface ReportCheckpointsTable {
  tenant_id: string
  last_seq: number
  state: ColumnType<unknown, string, string>
}

export interface Database {
  report_queue_intervals: ReportQueueIntervalsTable
  report_agent_queue_intervals: ReportAgentQueueIntervalsTable
  report_agent_intervals: ReportAgentIntervalsTable
  report_contacts: ReportContactsTable
  report_agent_activities: ReportAgentActivitiesTable
  report_checkpoints: ReportCheckpointsTable
  aicc_sessions: AiccSessionsTable
  aicc_click_to_calls: AiccClickToCallsTable
  attachments: AttachmentsTable
  surveys: SurveysTable
  tenant_configs: TenantConfigsTable
  server_secrets: ServerSecretsTable
  server_holder: ServerHolderTable
  agent_states: AgentStatesTable
  contacts: ContactsTable
  messages: MessagesTable
  events: EventsTable
  outbox: OutboxTable
  phone_bindings: PhoneBindingsTable
  call_recordings: CallRecordingsTable
  blocked_numbers: BlockedNumbersTable
  agent_watch: AgentWatchTable
  queue_estimates: QueueEstimatesTable
  tenant_leases: TenantLeasesTable
  applied_commands: AppliedCommandsTable
}

/** Commands applied under an idempotency key, and their answer: a retry gets the same answer. */
export interface AppliedCommandsTable {
  tenant_id: string
  key: string
  result: JSONColumnType<{ value: unknown }, string, string>
  applied_at: number
}

/** Which node owns each tenant's router, until when, and the fencing epoch of its writes. */
export interface TenantLeasesTable {
  tenant_id: string
  owner: string
  epoch: number
  expires_at: number
}

export interface QueueEstimatesTable {
  tenant_id: string
  queue_id: string
  state: JSONColumnType<EstimatorState, string, string>
}

export interface AgentWatchTable {
  tenant_id: string
  agent_id: string
  since: number
}

export interface BlockedNumbersTable {
  tenant_id: string
  number: string
  created_at: number
}

export interface CallRecordingsTable {
  tenant_id: string
  contact_id: string
  file: string
  bytes: number
  duration_ms: number
  created_at: number
}

export interface PhoneBindingsTable {
  tenant_id: string
  extension: string
  contact: string
  source_transport: string
  source_host: string
  source_port: number
  expires_at: number
  user_agent: string | null
  registered_at: number
  edge: string | null
  q: number | null
}
