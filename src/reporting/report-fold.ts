import type { AgentActivity, ContactRecord, QueueVisit, ReportChanges } from '../app/report-ports.js'
import type { DomainEvent } from '../core/events.js'
import type { AgentFold } from './agent-activity.js'
import { activityOf, newAgentFold } from './agent-activity.js'
import { INTERVAL_MS, IntervalDeltas, intervalOf } from './interval-deltas.js'
import { sliceAgents, snapshotAt } from './interval-ends.js'
import type { OpenRecord } from './fold-rows.js'
import { activityRow, LASTING_MS, newRecord, newVisit } from './fold-rows.js'

/** Per-queue thresholds, from the tenant's configuration. */
export interface FoldSettings {
  serviceLevelMs(queueId: string): number
  shortAbandonMs(queueId: string): number
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** Everything the fold carries between steps: plain JSON, stored with the checkpoint. */
export interface FoldState {
  /** The time folded up to (0: nothing yet). */
  at: number
  /** The first instant folded: nothing is reported before it (absent in older checkpoints). */
  since?: number
  /** Contacts not finished yet (waiting, with an agent or wrapping up). */
  contacts: Record<string, OpenRecord>
  agents: Record<string, AgentFold>
}

export const emptyFoldState = (): FoldState => ({ at: 0, contacts: {}, agents: {} })

/**
 * Folds the event log into the report rows. Deterministic: the same events give the same rows
 * however they are split into steps, as long as each step's `now` is not before its events
 * (events come in time order: the router stamps them).
 */
export class ReportFold {
  private deltas = new IntervalDeltas()
  private records = new Map<string, ContactRecord>()
  private activities = new Map<string, AgentActivity>()
  private lasting: AgentActivity[] = []

  constructor(
    private readonly settings: FoldSettings,
    readonly state: FoldState = emptyFoldState(),
  ) {}

  /** Applies events, then lets time run to `now`; returns what changed. */
  step(events: readonly DomainEvent[], now: number): ReportChanges {
    const closedBefore = intervalOf(this.state.at)
    for (const e of events) {
      this.advanceTo(e.at)
      this.apply(e)
    }
    this.advanceTo(now)
    const changes: ReportChanges = {
      ...this.deltas.toChanges(),
      contacts: [...this.records.values()],
      activities: [...this.activities.values()],
      lasting: this.lasting,
      closedUpTo: intervalOf(this.state.at),
      closedBefore,
      foldedSince: this.state.since ?? 0,
    }
    this.deltas = new IntervalDeltas()
    this.records = new Map()
    this.activities = new Map()
    this.lasting = []
    return changes
  }

  private advanceTo(t: number): void {
    const s = this.state
    if (s.at === 0) s.at = s.since = t
    if (s.at < t) this.noteLasting(t)
    while (s.at < t) {
      const boundary = intervalOf(s.at) + INTERVAL_MS
      const end = Math.min(boundary, t)
      sliceAgents(this.state, this.deltas, s.at, end)
      s.at = end
      if (end === boundary) snapshotAt(this.state, this.deltas, this.settings, boundary)
    }
  }

  private apply(e: DomainEvent): void {
    switch (e.type) {
      case 'AgentStateChanged': {
        const a = this.agent(e.agentId)
        a.channels[e.channel] = { state: e.state, reason: e.reason }
        this.settle(e.agentId, e.at)
        return
      }
      case 'ContactQueued': {
        const c: OpenRecord = {
          ...newRecord(e.contactId, e.entryPointId, e.at),
          channel: e.channel,
          customer: e.customer,
          subject: e.subject,
          queueId: e.queueId,
          visits: [newVisit(e.queueId, e.at)],
          relatedContactId: e.relatedContactId ?? null,
        }
        this.state.contacts[e.contactId] = c
        this.changed(c)
        return
      }
      case 'ContactRefused':
        this.records.set(e.contactId, {
          ...newRecord(e.contactId, e.entryPointId, e.at),
          outcome: 'refused',
          refusedReason: e.reason,
          endedAt: e.at,
          closedAt: e.at,
          endedBy: 'system',
        })
        return
      case 'RouterRestored':
        return
      case 'ContactOffered':
      case 'OfferRejected':
      case 'OfferTimedOut':
      case 'OfferRescinded':
      case 'ContactRequeued':
      case 'ContactConnected':
      case 'ContactTransferred':
      case 'ContactOverflowed':
      case 'ContactTimedOut':
      case 'ContactEnded':
      case 'ContactClosed':
      case 'MessagePosted':
      case 'MessagesRead':
        this.applyToContact(e)
    }
  }

  private applyToContact(e: DomainEvent): void {
    if (!('contactId' in e)) return
    const c = this.state.contacts[e.contactId]
    const v = c?.visits[c.visits.length - 1]
    if (!c || !v) return
    switch (e.type) {
      case 'ContactOffered':
        c.offers++
        c.firstOfferedAt ??= e.at
        break
      case 'OfferRejected':
      case 'OfferTimedOut':
        c.missedOffers++
        break
      case 'ContactConnected':
        v.agentId = e.agentId
        v.connectedAt = e.at
        c.connectedAt ??= e.at
        c.agentId = e.agentId
        this.agent(e.agentId).contacts[c.contactId] = {
          channel: c.channel ?? 'chat',
          queueId: v.queueId,
          phase: 'connected',
        }
        this.settle(e.agentId, e.at)
        break
      case 'ContactTransferred':
        this.endHandled(c, v, e.at, 'transferred')
        c.transfers = [
          ...c.transfers,
          { at: e.at, fromAgentId: e.fromAgentId, toQueueId: e.toQueueId, toAgentId: e.toAgentId },
        ]
        delete this.agent(e.fromAgentId).contacts[c.contactId]
        this.settle(e.fromAgentId, e.at)
        c.visits.push(newVisit(e.toQueueId ?? v.queueId, e.at))
        c.queueId = e.toQueueId ?? v.queueId
        break
      case 'ContactOverflowed':
        v.endedAt = e.at
        v.outcome = 'overflowed'
        c.visits.push(newVisit(e.toQueueId, e.at))
        c.queueId = e.toQueueId
        break
      case 'ContactTimedOut': {
        v.endedAt = e.at
        v.outcome = 'timed_out'
        const q = this.deltas.queue(v.queueId, e.at)
        q.contactsReceived++
        q.timedOut++
        // A contact with an agent ends this way only when its queue was removed.
        if (v.agentId && this.agent(v.agentId).contacts[c.contactId]) {
          delete this.agent(v.agentId).contacts[c.contactId]
          this.settle(v.agentId, e.at)
        }
        this.finish(c, 'timed_out', e.at, 'system')
        return
      }
      case 'ContactEnded':
        if (e.state === 'abandoned') {
          v.endedAt = e.at
          v.outcome = 'abandoned'
          const q = this.deltas.queue(v.queueId, e.at)
          q.contactsReceived++
          if (e.at - v.enteredAt <= this.settings.shortAbandonMs(v.queueId)) q.abandonedShort++
          else q.abandonedLong++
          this.finish(c, 'abandoned', e.at, 'customer')
          return
        }
        this.endHandled(c, v, e.at, 'handled')
        c.outcome = 'handled'
        c.endedAt = e.at
        c.endedBy = e.by
        if (v.agentId) {
          const w = this.agent(v.agentId).contacts[c.contactId]
          if (w) w.phase = 'wrap_up'
          this.settle(v.agentId, e.at)
        }
        break
      case 'ContactClosed': {
        v.closedAt = e.at
        c.wrapUpCode = e.code
        // When contact ended: the wrap-up belongs to the interval the contact ended in, which
        // may have been reported already; the WFM connector sends that interval again.
        const ended = v.endedAt ?? e.at
        this.deltas.queue(v.queueId, ended).workTime += e.at - ended
        if (v.agentId) {
          this.deltas.agentQueue(v.agentId, v.queueId, ended).workTime += e.at - ended
          delete this.agent(v.agentId).contacts[c.contactId]
          this.settle(v.agentId, e.at)
        }
        this.finish(c, c.outcome === 'open' ? 'handled' : c.outcome, e.at, c.endedBy ?? 'agent')
        return
      }
      case 'MessagePosted':
        c.messages++
        break
      // The visit goes on: a requeue keeps its place, a read receipt changes no figure.
      case 'ContactRequeued':
      case 'OfferRescinded':
      case 'MessagesRead':
      case 'ContactQueued':
      case 'ContactRefused':
        return
    }
    this.changed(c)
  }

  /** A visit an agent took: counted handled in the interval its talk ended. */
  private endHandled(
    c: OpenRecord,
    v: Mutable<QueueVisit>,
    at: number,
    outcome: 'handled' | 'transferred',
  ): void {
    v.endedAt = at
    v.outcome = outcome
    const q = this.deltas.queue(v.queueId, at)
    q.contactsReceived++
    if (outcome === 'transferred') q.transferredOut++
    const connectedAt = v.connectedAt ?? at
    const waited = connectedAt - v.enteredAt
    if (waited <= this.settings.serviceLevelMs(v.queueId)) q.handledShort++
    else q.handledLong++
    q.handleTime += at - connectedAt
    q.queueDelayTime += waited
    if (v.agentId) {
      const aq = this.deltas.agentQueue(v.agentId, v.queueId, at)
      aq.handled++
      aq.handleTime += at - connectedAt
    }
    this.changed(c)
  }

  private finish(
    c: OpenRecord,
    outcome: ContactRecord['outcome'],
    at: number,
    by: NonNullable<ContactRecord['endedBy']>,
  ): void {
    c.outcome = outcome
    c.endedAt ??= at
    c.endedBy ??= by
    c.closedAt = at
    delete this.state.contacts[c.contactId]
    this.changed(c)
  }

  private changed(c: OpenRecord): void {
    this.records.set(c.contactId, structuredClone(c))
  }

  private agent(agentId: string): AgentFold {
    return (this.state.agents[agentId] ??= newAgentFold())
  }

  /** When the earliest current activity not yet lasting reaches 3 s: WFM must hear of it then. */
  nextLastingAt(): number | undefined {
    let at: number | undefined
    for (const a of Object.values(this.state.agents)) {
      const cur = a.activity
      if (cur && !cur.lasting) at = Math.min(at ?? Infinity, cur.startedAt + LASTING_MS)
    }
    return at
  }

  /** Activities that have run 3 s by time `t` (still going): WFM hears of them now. */
  private noteLasting(t: number): void {
    for (const [agentId, a] of Object.entries(this.state.agents)) {
      const cur = a.activity
      if (cur && !cur.lasting && t - cur.startedAt >= LASTING_MS) {
        cur.lasting = true
        this.lasting.push(activityRow(agentId, cur, null))
      }
    }
  }

  /** Starts a new activity when the agent's state across channels changed. */
  private settle(agentId: string, at: number): void {
    const a = this.agent(agentId)
    const next = activityOf(a)
    const cur = a.activity
    if (cur && cur.state === next.state && cur.reason === next.reason) return
    if (cur && !cur.lasting && at - cur.startedAt >= LASTING_MS)
      this.lasting.push(activityRow(agentId, cur, at))
    if (cur) this.activities.set(`${agentId}\u0000${cur.seq}`, activityRow(agentId, cur, at))
    if (!cur && next.state === 'LoggedOut') return
    a.activity = { seq: (cur?.seq ?? 0) + 1, ...next, startedAt: at }
    this.activities.set(`${agentId}\u0000${a.activity.seq}`, activityRow(agentId, a.activity, null))
  }
}
