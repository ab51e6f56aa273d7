import type { Channel } from './channel.js'

export const AGENT_STATES = ['logged_out', 'not_ready', 'ready'] as const
export type AgentStateKind = (typeof AGENT_STATES)[number]

/** An agent's state on one channel (ECE: per media routing domain). */
export interface AgentChannelState {
  readonly channel: Channel
  readonly state: AgentStateKind
  readonly reason: string | null
  readonly since: number
  readonly maxTasks: number
  readonly exclusive: boolean
  /** Offered, connected and wrap-up contacts on this channel. */
  readonly activeTasks: number
  /** Set after N consecutive missed offers; cleared when the agent changes state. */
  readonly notResponding: boolean
  readonly missedOffers: number
  /** Last moment the agent became ready or was given a contact: the "longest available" clock. */
  readonly lastActivityAt: number
  /** Contacts connected since this channel's login: the "fewest handled" count. */
  readonly handled: number
  /**
   * The device this channel needs can be reached: for voice, the agent's phone is registered.
   * Always true on channels served through the desktop alone.
   */
  readonly reachable: boolean
}

export function isRoutable(s: AgentChannelState): boolean {
  return s.state === 'ready' && !s.notResponding && s.reachable
}

/**
 * Signed in on the channel yet given nothing now: not ready, not responding, its device gone, or
 * every slot taken (for voice: in a call, or in the after-call pause that follows one).
 */
export function signedInUnavailable(s: AgentChannelState): boolean {
  return s.state !== 'logged_out' && (!isRoutable(s) || s.activeTasks >= s.maxTasks)
}

export function initialChannelState(
  channel: Channel,
  maxTasks: number,
  exclusive: boolean,
  now: number,
  reachable = true,
): AgentChannelState {
  return {
    channel,
    state: 'logged_out',
    reason: null,
    since: now,
    maxTasks,
    exclusive,
    activeTasks: 0,
    notResponding: false,
    missedOffers: 0,
    lastActivityAt: now,
    handled: 0,
    reachable,
  }
}

/** A state change asked for by the agent or a supervisor. Always clears not-responding. */
export function changeState(
  s: AgentChannelState,
  state: AgentStateKind,
  reason: string | null,
  now: number,
): AgentChannelState {
  const since = s.state === state && s.reason === reason ? s.since : now
  return {
    ...s,
    state,
    reason: state === 'not_ready' ? reason : null,
    since,
    notResponding: false,
    missedOffers: 0,
    lastActivityAt: state === 'ready' && s.state !== 'ready' ? now : s.lastActivityAt,
    handled: s.state === 'logged_out' && state !== 'logged_out' ? 0 : s.handled,
  }
}

export function taskAdded(s: AgentChannelState, now: number): AgentChannelState {
  return { ...s, activeTasks: s.activeTasks + 1, lastActivityAt: now }
}

export function taskRemoved(s: AgentChannelState): AgentChannelState {
  return { ...s, activeTasks: Math.max(0, s.activeTasks - 1) }
}

export function offerAccepted(s: AgentChannelState): AgentChannelState {
  return { ...s, handled: s.handled + 1, missedOffers: 0 }
}

export function offerMissed(s: AgentChannelState, notRespondingAfter: number): AgentChannelState {
  const missedOffers = s.missedOffers + 1
  return { ...s, missedOffers, notResponding: s.notResponding || missedOffers >= notRespondingAfter }
}
