import type { IntervalDeltas } from './interval-deltas.js'
import type { FoldSettings, FoldState } from './report-fold.js'

// What time does to the figures, apart from events: agents' time accrues, and each interval's
// end fixes what stood then.

/** Login, ready and not-ready time of [from, to), inside one interval. */
export function sliceAgents(state: FoldState, deltas: IntervalDeltas, from: number, to: number): void {
  for (const [agentId, a] of Object.entries(state.agents)) {
    const state = a.activity?.state ?? 'LoggedOut'
    if (state === 'LoggedOut') continue
    const row = deltas.agent(agentId, from)
    row.loginTime += to - from
    if (state === 'Available') row.readyTime += to - from
    else if (state === 'Unavailable') row.notReadyTime += to - from
  }
}

/** The figures an interval reports as they stood at its end: backlog and active contacts. */
export function snapshotAt(
  state: FoldState,
  deltas: IntervalDeltas,
  settings: FoldSettings,
  end: number,
): void {
  const at = end - 1
  for (const c of Object.values(state.contacts)) {
    const v = c.visits[c.visits.length - 1]
    if (!v || v.endedAt !== null) continue
    const q = deltas.queue(v.queueId, at)
    if (v.connectedAt === null) {
      q.backlog = (q.backlog ?? 0) + 1
      const expired = end - v.enteredAt > settings.serviceLevelMs(v.queueId) ? 1 : 0
      q.backlogExpired = (q.backlogExpired ?? 0) + expired
    } else {
      q.active = (q.active ?? 0) + 1
      if (v.agentId) {
        const aq = deltas.agentQueue(v.agentId, v.queueId, at)
        aq.active = (aq.active ?? 0) + 1
      }
    }
  }
  // Wrapping up is still work on the contact: its visit has ended, its agent is not done.
  for (const [agentId, a] of Object.entries(state.agents))
    for (const w of Object.values(a.contacts)) {
      if (w.phase !== 'wrap_up') continue
      deltas.queue(w.queueId, at).active = (deltas.queue(w.queueId, at).active ?? 0) + 1
      const aq = deltas.agentQueue(agentId, w.queueId, at)
      aq.active = (aq.active ?? 0) + 1
    }
}
