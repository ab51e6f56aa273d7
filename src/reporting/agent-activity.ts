import type { ActivityState } from '../app/report-ports.js'
import type { AgentStateKind } from '../core/agent.js'
import type { Channel } from '../core/channel.js'

/** What the fold keeps of an agent: its per-channel states and the contacts it is working. */
export interface AgentFold {
  channels: Record<string, { state: AgentStateKind; reason: string | null }>
  contacts: Record<string, { channel: Channel; queueId: string; phase: 'connected' | 'wrap_up' }>
  activity: {
    seq: number
    state: ActivityState
    reason: string | null
    startedAt: number
    /** Known to have lasted 3 s (told to WFM). */
    lasting?: boolean
  } | null
}

export const newAgentFold = (): AgentFold => ({ channels: {}, contacts: {}, activity: null })

const CONTACT_STATE: Record<Channel, ActivityState> = {
  voice: 'CallContact',
  chat: 'ChatContact',
  email: 'EmailContact',
}
// A call outranks a chat, a chat an email: the medium that holds the agent's attention.
const ATTENTION: readonly Channel[] = ['voice', 'chat', 'email']

/**
 * One state across channels, as WFM schedules people: working a contact (by medium), wrapping
 * up, available (ready on some channel), unavailable (logged in, ready on none) or logged out.
 */
export function activityOf(a: AgentFold): { state: ActivityState; reason: string | null } {
  const working = Object.values(a.contacts)
  for (const channel of ATTENTION)
    if (working.some((c) => c.phase === 'connected' && c.channel === channel))
      return { state: CONTACT_STATE[channel], reason: null }
  if (working.length > 0) return { state: 'AfterContactWork', reason: null }
  const states = Object.keys(a.channels)
    .sort()
    .map((ch) => a.channels[ch] as { state: AgentStateKind; reason: string | null })
  if (states.some((s) => s.state === 'ready')) return { state: 'Available', reason: null }
  const notReady = states.find((s) => s.state === 'not_ready')
  return notReady ? { state: 'Unavailable', reason: notReady.reason } : { state: 'LoggedOut', reason: null }
}
