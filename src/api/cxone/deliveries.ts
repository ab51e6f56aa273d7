import { Undeliverable } from '../../app/outbox-dispatcher.js'
import type { ClaimedOutboxItem, OutboxItem } from '../../app/ports.js'
import type { AgentActivity, OutboxPush, ReportChanges, ReportStore } from '../../app/report-ports.js'
import type { Switchboard } from '../../app/switchboard.js'
import type { CxoneConfig } from '../../core/tenant-config.js'
import { activityReport, agentStates, INTERVAL_MS, intervalReport } from './payloads.js'
import type { CxoneSessions } from './session.js'
import { CXONE_PATHS } from './session.js'

export const CXONE_TOPIC = 'cxone'

type CxonePayload =
  | { readonly kind: 'states'; readonly states: readonly AgentActivity[] }
  | { readonly kind: 'interval'; readonly start: number }

/** How far back pushes go: a connector turned on late sends the last day, no more. */
const BACKFILL_INTERVALS = 96

/**
 * What a report step sends to CXone: agent states that lasted 3 s, each interval that closed,
 * and again each closed interval that late events changed (a wrap-up ending after its
 * interval). A connector just turned on (or a rebuild's end: `wasOn` without it) sends every
 * interval of the last day. Interval items carry only the interval: their report is read when
 * sent, so it is the latest. Two ordered lanes: states, and reports.
 */
export function cxoneItems(sb: () => Switchboard) {
  return (tenantId: string, changes: ReportChanges, wasOn: ReadonlySet<string>): OutboxPush => {
    const cx = sb().storedConfig(tenantId).config.cxone
    if (!cx?.enabled) return { items: [], on: [] }
    const item = (payload: CxonePayload, lane: string): OutboxItem => ({
      tenantId,
      eventSeq: 0,
      topic: CXONE_TOPIC,
      orderingKey: `cxone:${tenantId}:${lane}`,
      payload,
    })
    const items: OutboxItem[] = []
    if (changes.lasting.length > 0) items.push(item({ kind: 'states', states: changes.lasting }, 'states'))
    const intervals = new Set<number>()
    // Nothing before the day's first interval, nor before the first event ever folded.
    const oldest = Math.max(
      changes.closedUpTo - BACKFILL_INTERVALS * INTERVAL_MS,
      changes.foldedSince - (changes.foldedSince % INTERVAL_MS),
    )
    for (const rows of [changes.queueIntervals, changes.agentQueueIntervals, changes.agentIntervals])
      for (const r of rows)
        if (r.intervalStart < changes.closedBefore && r.intervalStart >= oldest)
          intervals.add(r.intervalStart)
    const from = wasOn.has(CXONE_TOPIC) ? Math.max(changes.closedBefore, oldest) : oldest
    for (let start = from; start < changes.closedUpTo; start += INTERVAL_MS) intervals.add(start)
    for (const start of [...intervals].sort((a, b) => a - b))
      items.push(item({ kind: 'interval', start }, 'reports'))
    return { items, on: [CXONE_TOPIC] }
  }
}

/** Sends one item; a refusal is retried (and a refused token renewed) until CXone takes it. */
export function cxoneHandler(sb: () => Switchboard, store: ReportStore, sessions: CxoneSessions) {
  return async (item: ClaimedOutboxItem): Promise<void> => {
    const tenant = sb().storedConfig(item.tenantId).config
    const cx = tenant.cxone
    if (!cx) throw new Undeliverable('the CXone connector (cxone) was removed')
    if (!cx.enabled) throw new Undeliverable('the CXone connector is disabled')
    const p = item.payload as CxonePayload
    if (p.kind === 'states')
      return post(cx, item.tenantId, CXONE_PATHS.agentStates, agentStates(cx, tenant, p.states))
    const range = { from: p.start, to: p.start + INTERVAL_MS }
    const rows = {
      queues: await store.queueIntervals(item.tenantId, range),
      agentQueues: await store.agentQueueIntervals(item.tenantId, range),
      agents: await store.agentIntervals(item.tenantId, range),
    }
    await post(cx, item.tenantId, CXONE_PATHS.intervalReport, intervalReport(cx, tenant, p.start, rows))
    const activities = await store.activities(item.tenantId, range)
    await post(cx, item.tenantId, CXONE_PATHS.activityReport, activityReport(cx, tenant, p.start, activities))
  }

  async function post(cx: CxoneConfig, tenantId: string, path: string, body: unknown): Promise<void> {
    const session = sessions.of(tenantId)
    const token = await session.token(cx)
    const res = await sessions.sender.post(cx.baseUrl + path, JSON.stringify(body), {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
    })
    if (res.status === 401) session.forget()
    if (res.status < 200 || res.status >= 300)
      throw new Error(`CXone ${path}: HTTP ${res.status} ${res.body.slice(0, 200)}`)
  }
}
