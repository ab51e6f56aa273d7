import type { Channel } from '../core/channel.js'
import type { Customer } from '../core/contact.js'
import type { OutboxItem } from './ports.js'

/**
 * The read side's rows. Durations are milliseconds; the dialects turn them into their units.
 * Interval figures follow CXone's "when contact ended" paradigm (003): a contact's visit to a
 * queue is counted once, with all its times, in the interval in which the visit ended.
 */
export interface QueueInterval {
  readonly queueId: string
  readonly intervalStart: number
  readonly contactsReceived: number
  readonly abandonedShort: number
  readonly abandonedLong: number
  /** Handled after a wait within the queue's service level (short) or longer (long). */
  readonly handledShort: number
  readonly handledLong: number
  readonly timedOut: number
  readonly transferredOut: number
  readonly handleTime: number
  readonly workTime: number
  readonly holdTime: number
  readonly queueDelayTime: number
  /** At the interval's end: contacts with an agent (talking or wrapping up), and still waiting. */
  readonly active: number
  readonly backlog: number
  /** Of the backlog, waiting longer than the service level (expired) or not. */
  readonly backlogExpired: number
}

/** A queue interval's counters before anything happened. */
export const ZERO_QUEUE_COUNTERS = {
  contactsReceived: 0,
  abandonedShort: 0,
  abandonedLong: 0,
  handledShort: 0,
  handledLong: 0,
  timedOut: 0,
  transferredOut: 0,
  handleTime: 0,
  workTime: 0,
  holdTime: 0,
  queueDelayTime: 0,
} as const satisfies Partial<QueueInterval>

export interface AgentQueueInterval {
  readonly agentId: string
  readonly queueId: string
  readonly intervalStart: number
  readonly handled: number
  readonly handleTime: number
  readonly workTime: number
  readonly holdTime: number
  readonly active: number
}

/** Time-sliced: how an agent's 15 minutes were spent (the rest of loginTime is contact work). */
export interface AgentInterval {
  readonly agentId: string
  readonly intervalStart: number
  readonly loginTime: number
  readonly readyTime: number
  readonly notReadyTime: number
}

/** An agent's state across channels, as workforce management sees it. */
export type ActivityState =
  | 'LoggedOut'
  | 'Available'
  | 'Unavailable'
  | 'CallContact'
  | 'ChatContact'
  | 'EmailContact'
  | 'AfterContactWork'

export interface AgentActivity {
  readonly agentId: string
  readonly seq: number
  readonly state: ActivityState
  readonly reason: string | null
  readonly startedAt: number
  /** null while it is the agent's current state. */
  readonly endedAt: number | null
}

export type ContactOutcome = 'open' | 'handled' | 'abandoned' | 'timed_out' | 'refused'

/** One visit of a contact to a queue, from entering it to leaving it. */
export interface QueueVisit {
  readonly queueId: string
  readonly enteredAt: number
  readonly agentId: string | null
  readonly connectedAt: number | null
  readonly endedAt: number | null
  readonly closedAt: number | null
  readonly outcome: 'open' | 'handled' | 'abandoned' | 'timed_out' | 'overflowed' | 'transferred'
}

export interface ContactRecord {
  readonly contactId: string
  readonly channel: Channel | null
  readonly entryPointId: string
  readonly customer: Customer | null
  readonly subject: string | null
  readonly outcome: ContactOutcome
  readonly refusedReason: string | null
  readonly arrivedAt: number
  readonly firstOfferedAt: number | null
  readonly connectedAt: number | null
  readonly endedAt: number | null
  readonly closedAt: number | null
  readonly endedBy: 'agent' | 'customer' | 'system' | null
  readonly queueId: string | null
  /** The last agent who had it. */
  readonly agentId: string | null
  readonly offers: number
  readonly missedOffers: number
  readonly messages: number
  readonly wrapUpCode: string | null
  readonly transfers: readonly {
    readonly at: number
    readonly fromAgentId: string
    readonly toQueueId: string | null
    readonly toAgentId: string | null
  }[]
  readonly visits: readonly QueueVisit[]
  /** The contact this one continues (the chat a call was asked from), else null. */
  readonly relatedContactId: string | null
}

/** Snapshot figures are null in a delta unless the step crossed the interval's end. */
export type QueueIntervalDelta = Omit<QueueInterval, 'active' | 'backlog' | 'backlogExpired'> & {
  readonly active: number | null
  readonly backlog: number | null
  readonly backlogExpired: number | null
}

export type AgentQueueIntervalDelta = Omit<AgentQueueInterval, 'active'> & { readonly active: number | null }

/**
 * What one fold step changed. Interval rows are deltas (counters and times to add); contact
 * records and activities are whole rows. Stored, and told to consumers (WFM corrections).
 */
export interface ReportChanges {
  readonly queueIntervals: readonly QueueIntervalDelta[]
  readonly agentQueueIntervals: readonly AgentQueueIntervalDelta[]
  readonly agentIntervals: readonly AgentInterval[]
  readonly contacts: readonly ContactRecord[]
  readonly activities: readonly AgentActivity[]
  /**
   * Agent states that reached 3 seconds in this step: what a WFM hears of (CXone takes no shorter
   * state, 003). Each activity is here once, in the step in which it was known to last.
   */
  readonly lasting: readonly AgentActivity[]
  /** Intervals are final up to here (exclusive) after the step, and were before it. */
  readonly closedUpTo: number
  readonly closedBefore: number
  /** The first instant the projections cover (0 when unknown): no interval before it exists. */
  readonly foldedSince: number
}

/** What a report step sends out, and which push lanes are on (a lane just turned on catches up). */
export interface OutboxPush {
  readonly items: readonly OutboxItem[]
  readonly on: readonly string[]
}

export interface ReportRange {
  readonly from: number
  readonly to: number
}

/** Another fold of the tenant saved first: this one's work is stale, and was not written. */
export class CheckpointMoved extends Error {
  constructor(readonly tenantId: string) {
    super(`the report checkpoint of ${tenantId} moved on under this fold`)
  }
}

/** The projections' storage: rows, plus the fold's checkpoint (last event and state). */
export interface ReportStore {
  checkpoint(tenantId: string): Promise<{ lastSeq: number; state: unknown } | undefined>
  /**
   * Atomic: rows, checkpoint and the outbox items they caused (written at `now`) together. The
   * fold started from the checkpoint at `fromSeq`: if another folder (the tenant's previous
   * owner, finishing) moved it meanwhile, nothing is written and CheckpointMoved is thrown.
   */
  save(
    tenantId: string,
    changes: ReportChanges,
    lastSeq: number,
    state: unknown,
    outbox?: { readonly items: readonly OutboxItem[]; readonly now: number },
    fromSeq?: number,
  ): Promise<void>
  /** Forgets a tenant's projections, to rebuild them from the event log. */
  clear(tenantId: string): Promise<void>
  queueIntervals(tenantId: string, r: ReportRange): Promise<QueueInterval[]>
  agentQueueIntervals(tenantId: string, r: ReportRange): Promise<AgentQueueInterval[]>
  agentIntervals(tenantId: string, r: ReportRange): Promise<AgentInterval[]>
  /** Contacts that arrived in the range, oldest first. */
  contactRecords(tenantId: string, r: ReportRange): Promise<ContactRecord[]>
  contactRecord(tenantId: string, contactId: string): Promise<ContactRecord | undefined>
  /** Activities overlapping the range, by agent then start. */
  activities(tenantId: string, r: ReportRange): Promise<AgentActivity[]>
}

/** What the API may do with reports: read them fresh, and rebuild them. */
export interface ReportAccess {
  readonly store: ReportStore
  /** Folds what the event log holds now (an export then includes the last moments). */
  catchUp(tenantId: string): Promise<number>
  rebuild(tenantId: string): Promise<number>
}
