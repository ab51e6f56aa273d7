import type { AgentChannelState, AgentStateKind } from '../agent.js'
import type { Channel } from '../channel.js'
import { DomainError } from '../errors.js'
import { rescindOffersOf } from './offers.js'
import type { RouterState } from './router-state.js'

// An agent's state on a channel, set by the agent, a supervisor or the system, and its device.

export function setAgentState(
  router: RouterState,
  agentId: string,
  channel: Channel,
  state: AgentStateKind,
  reason: string | null,
  by: string | null,
  now: number,
): AgentChannelState {
  const before = router.agentOrThrow(agentId).channels.get(channel)
  const after = router.changeAgentState(agentId, channel, state, reason, by, now)
  // Leaving ready takes back offers not yet accepted; connected contacts stay with the agent.
  if (before?.state === 'ready' && state !== 'ready')
    rescindOffersOf(router, agentId, channel, 'agent_unavailable', now)
  router.dispatcher.serveAgent(router, agentId, 'agent_available', now)
  return after
}

/**
 * The channel's device came or went (a phone registered, or its registration ended). Without
 * it the agent is not routable there: offers not yet answered go back to their queues.
 */
export function setReachable(
  router: RouterState,
  agentId: string,
  channel: Channel,
  reachable: boolean,
  now: number,
): AgentChannelState {
  const agent = router.agentOrThrow(agentId)
  const s = agent.channels.get(channel)
  if (!s) throw new DomainError('CHANNEL_NOT_CONFIGURED', `agent ${agentId} has no ${channel} channel`)
  if (s.reachable === reachable) return s
  router.updateChannel(agent, channel, { ...s, reachable }, now, null)
  if (reachable) router.dispatcher.serveAgent(router, agentId, 'agent_available', now)
  else rescindOffersOf(router, agentId, channel, 'device_unreachable', now)
  return agent.channels.get(channel) as AgentChannelState
}
