import type {
  AgentActivity,
  AgentInterval,
  AgentQueueInterval,
  QueueInterval,
} from '../../app/report-ports.js'
import { ZERO_QUEUE_COUNTERS } from '../../app/report-ports.js'
import type { CxoneConfig, TenantConfig } from '../../core/tenant-config.js'

// The JSON bodies of CXone's third-party ACD API (document 003). Interval times are seconds (the
// sample's handleTime 276, loginTime 900), activity durations milliseconds (139090), instants
// ISO-8601 UTC with milliseconds.

export const INTERVAL_MS = 15 * 60_000
const REPORT_VERSION = '0'
const utc = (ms: number): string => new Date(ms).toISOString()
const sec = (ms: number): number => Math.round(ms) / 1000

/** How CXone knows one of our agents: agentValue is ours, agentId and userName its own. */
function who(cx: CxoneConfig, tenant: TenantConfig, agentId: string) {
  const mapped = cx.agents[agentId]
  const username = tenant.users.find((u) => u.agentId === agentId)?.username ?? agentId
  return {
    agentValue: agentId,
    agentId: mapped?.cxoneAgentId ?? agentId,
    userName: mapped?.userName ?? username,
  }
}

export interface IntervalRows {
  readonly queues: readonly QueueInterval[]
  readonly agentQueues: readonly AgentQueueInterval[]
  readonly agents: readonly AgentInterval[]
}

/** A CXone svcLvlPct: answered within the service level, of those answered, abandoned late or timed out. */
function svcLvlPct(q: QueueInterval): number {
  const offered = q.handledShort + q.handledLong + q.abandonedLong + q.timedOut
  return offered === 0 ? 0 : Math.round((1000 * q.handledShort) / offered) / 10
}

/**
 * The "intraday and skill history" report of one 15-minute interval: every configured queue
 * (zeros where nothing happened: WFM counts a quiet interval as one), every agent queue and
 * agent with activity. Right and wrong party are a dialler's notion: always zero here.
 */
export function intervalReport(cx: CxoneConfig, tenant: TenantConfig, start: number, rows: IntervalRows) {
  const party = {
    rightPartyHandleTime: 0,
    rightPartyContacts: 0,
    wrongPartyHandleTime: 0,
    wrongPartyContacts: 0,
  }
  const byQueue = new Map(rows.queues.map((q) => [q.queueId, q]))
  const names = new Map(tenant.queues.map((q) => [q.id, q.name]))
  const queueIds = [...new Set([...tenant.queues.map((q) => q.id), ...byQueue.keys()])]
  return {
    acdType: cx.acdType,
    reportVersion: REPORT_VERSION,
    startDate: utc(start),
    endDate: utc(start + INTERVAL_MS),
    status: 'SUCCESS',
    statusReason: '',
    reportData: {
      queueReport: queueIds.map((queueId) => {
        const q = byQueue.get(queueId) ?? emptyQueue(queueId, start)
        return {
          queueValue: queueId,
          queueName: names.get(queueId) ?? queueId,
          isOutbound: false,
          contactsReceived: q.contactsReceived,
          abandonedShort: q.abandonedShort,
          // 003 has no field for a contact ended by the queue's max wait: it was received and not
          // handled, which a WFM counts as abandoned, so every interval adds up.
          abandonedLong: q.abandonedLong + q.timedOut,
          handledShort: q.handledShort,
          handledLong: q.handledLong,
          handleTime: sec(q.handleTime),
          workTime: sec(q.workTime),
          queueDelayTime: sec(q.queueDelayTime),
          svcLvlPct: svcLvlPct(q),
          ...party,
          holdTime: sec(q.holdTime),
          active: q.active,
          backlog: q.backlog,
          backlogNotExpired: q.backlog - q.backlogExpired,
          backlogExpired: q.backlogExpired,
        }
      }),
      agentQueueReport: rows.agentQueues.map((r) => ({
        queueValue: r.queueId,
        queueName: names.get(r.queueId) ?? r.queueId,
        isOutbound: false,
        agentValue: r.agentId,
        agentId: who(cx, tenant, r.agentId).agentId,
        handled: r.handled,
        handledTime: sec(r.handleTime),
        workTime: sec(r.workTime),
        ...party,
        holdTime: sec(r.holdTime),
        active: r.active,
      })),
      agentSystemPerformanceReport: rows.agents.map((r) => ({
        agentValue: r.agentId,
        agentId: who(cx, tenant, r.agentId).agentId,
        readyTime: sec(r.readyTime),
        notReadyTime: sec(r.notReadyTime),
        loginTime: sec(r.loginTime),
      })),
    },
  }
}

const emptyQueue = (queueId: string, intervalStart: number): QueueInterval => ({
  queueId,
  intervalStart,
  ...ZERO_QUEUE_COUNTERS,
  active: 0,
  backlog: 0,
  backlogExpired: 0,
})

/** The agent activity report of an interval: each state within it, clipped to it. */
export function activityReport(
  cx: CxoneConfig,
  tenant: TenantConfig,
  start: number,
  activities: readonly AgentActivity[],
) {
  const end = start + INTERVAL_MS
  const agents = [...new Set(activities.map((a) => a.agentId))]
  return {
    acdType: cx.acdType,
    reportVersion: REPORT_VERSION,
    startDate: utc(start),
    endDate: utc(end),
    reportData: agents.map((agentId) => ({
      ...who(cx, tenant, agentId),
      agentActivity: activities
        .filter((a) => a.agentId === agentId)
        .map((a) => {
          const from = Math.max(a.startedAt, start)
          const to = Math.min(a.endedAt ?? end, end)
          return { state: a.state, startTime: utc(from), duration: to - from, reason: a.reason ?? '' }
        })
        .filter((a) => a.duration > 0),
    })),
  }
}

/** Agent states as they happen (those that lasted 3 s). */
export function agentStates(cx: CxoneConfig, tenant: TenantConfig, states: readonly AgentActivity[]) {
  return {
    agentStateList: states.map((s) => ({
      loginId: who(cx, tenant, s.agentId).userName,
      acdId: cx.tenantName,
      eventCode: s.state,
      reasonCode: s.reason ?? '',
      eventUtcTime: utc(s.startedAt),
    })),
  }
}
