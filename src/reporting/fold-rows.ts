import type { AgentActivity, ContactRecord, QueueVisit } from '../app/report-ports.js'
import type { AgentFold } from './agent-activity.js'

// The rows the fold builds, in their first shape.

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
/** A contact record while the fold still works on it. */
export type OpenRecord = Mutable<Omit<ContactRecord, 'visits'>> & { visits: Mutable<QueueVisit>[] }

/** CXone takes agent states of 3 seconds or more (003). */
export const LASTING_MS = 3000

export const activityRow = (
  agentId: string,
  a: NonNullable<AgentFold['activity']>,
  endedAt: number | null,
): AgentActivity => ({
  agentId,
  seq: a.seq,
  state: a.state,
  reason: a.reason,
  startedAt: a.startedAt,
  endedAt,
})

export const newRecord = (contactId: string, entryPointId: string, at: number): OpenRecord => ({
  contactId,
  channel: null,
  entryPointId,
  customer: null,
  subject: null,
  outcome: 'open',
  refusedReason: null,
  relatedContactId: null,
  arrivedAt: at,
  firstOfferedAt: null,
  connectedAt: null,
  endedAt: null,
  closedAt: null,
  endedBy: null,
  queueId: null,
  agentId: null,
  offers: 0,
  missedOffers: 0,
  messages: 0,
  wrapUpCode: null,
  transfers: [],
  visits: [],
})

export const newVisit = (queueId: string, at: number): Mutable<QueueVisit> => ({
  queueId,
  enteredAt: at,
  agentId: null,
  connectedAt: null,
  endedAt: null,
  closedAt: null,
  outcome: 'open',
})
