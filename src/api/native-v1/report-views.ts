import type {
  AgentActivity,
  AgentInterval,
  AgentQueueInterval,
  ContactRecord,
  QueueInterval,
} from '../../app/report-ports.js'
import type { StoredSurvey } from '../../app/ports.js'
import { localIso } from '../../core/local-time.js'

// Exports speak seconds (to the millisecond) and local times with their offset.
const sec = (ms: number): number => Math.round(ms) / 1000
const at = (tz: string, ms: number | null): string | null => (ms === null ? null : localIso(tz, ms))

/**
 * Share of contacts answered within the service level, of those answered, given up on past the
 * short-abandon time, or ended by the queue's max wait.
 */
export function serviceLevelPct(q: QueueInterval): number | null {
  const offered = q.handledShort + q.handledLong + q.abandonedLong + q.timedOut
  return offered === 0 ? null : Math.round((1000 * q.handledShort) / offered) / 10
}

export function queueIntervalView(q: QueueInterval, tz: string, queueName: string) {
  return {
    intervalStart: localIso(tz, q.intervalStart),
    queueId: q.queueId,
    queueName,
    contactsReceived: q.contactsReceived,
    handledShort: q.handledShort,
    handledLong: q.handledLong,
    abandonedShort: q.abandonedShort,
    abandonedLong: q.abandonedLong,
    timedOut: q.timedOut,
    transferredOut: q.transferredOut,
    serviceLevelPct: serviceLevelPct(q),
    handleTimeSeconds: sec(q.handleTime),
    workTimeSeconds: sec(q.workTime),
    holdTimeSeconds: sec(q.holdTime),
    queueDelaySeconds: sec(q.queueDelayTime),
    activeAtEnd: q.active,
    backlogAtEnd: q.backlog,
    backlogExpiredAtEnd: q.backlogExpired,
  }
}

export function agentQueueIntervalView(r: AgentQueueInterval, tz: string) {
  return {
    intervalStart: localIso(tz, r.intervalStart),
    agentId: r.agentId,
    queueId: r.queueId,
    handled: r.handled,
    handleTimeSeconds: sec(r.handleTime),
    workTimeSeconds: sec(r.workTime),
    holdTimeSeconds: sec(r.holdTime),
    activeAtEnd: r.active,
  }
}

export function agentIntervalView(r: AgentInterval, tz: string) {
  return {
    intervalStart: localIso(tz, r.intervalStart),
    agentId: r.agentId,
    loginSeconds: sec(r.loginTime),
    readySeconds: sec(r.readyTime),
    notReadySeconds: sec(r.notReadyTime),
    workingSeconds: sec(r.loginTime - r.readyTime - r.notReadyTime),
  }
}

export function activityView(a: AgentActivity, tz: string) {
  return {
    agentId: a.agentId,
    state: a.state,
    reason: a.reason,
    startedAt: localIso(tz, a.startedAt),
    endedAt: at(tz, a.endedAt),
    durationSeconds: a.endedAt === null ? null : sec(a.endedAt - a.startedAt),
  }
}

export function contactRecordView(c: ContactRecord, tz: string, survey: StoredSurvey | undefined) {
  const handled = c.visits.filter((v) => v.connectedAt !== null)
  return {
    contactId: c.contactId,
    channel: c.channel,
    entryPointId: c.entryPointId,
    queueId: c.queueId,
    customerName: c.customer?.name ?? null,
    customerEmail: c.customer?.email ?? null,
    subject: c.subject,
    outcome: c.outcome,
    refusedReason: c.refusedReason,
    relatedContactId: c.relatedContactId,
    arrivedAt: localIso(tz, c.arrivedAt),
    firstOfferedAt: at(tz, c.firstOfferedAt),
    connectedAt: at(tz, c.connectedAt),
    endedAt: at(tz, c.endedAt),
    closedAt: at(tz, c.closedAt),
    endedBy: c.endedBy,
    agentId: c.agentId,
    waitSeconds: sec(
      c.visits.reduce((n, v) => n + ((v.connectedAt ?? v.endedAt ?? v.enteredAt) - v.enteredAt), 0),
    ),
    handleSeconds: sec(
      handled.reduce((n, v) => n + ((v.endedAt ?? v.connectedAt ?? 0) - (v.connectedAt ?? 0)), 0),
    ),
    workSeconds: sec(
      handled.reduce(
        (n, v) => n + (v.closedAt !== null && v.endedAt !== null ? v.closedAt - v.endedAt : 0),
        0,
      ),
    ),
    offers: c.offers,
    missedOffers: c.missedOffers,
    messages: c.messages,
    wrapUpCode: c.wrapUpCode,
    transfers: c.transfers.map((t) => ({ ...t, at: localIso(tz, t.at) })),
    visits: c.visits.map((v) => ({
      queueId: v.queueId,
      agentId: v.agentId,
      outcome: v.outcome,
      enteredAt: localIso(tz, v.enteredAt),
      connectedAt: at(tz, v.connectedAt),
      endedAt: at(tz, v.endedAt),
      closedAt: at(tz, v.closedAt),
    })),
    survey: survey
      ? { answers: survey.answers, source: survey.source, submittedAt: localIso(tz, survey.submittedAt) }
      : null,
  }
}
