// The shapes of the supervisor API (GET /api/v1/supervisor/floor and its live WebSocket).

export interface QueueTile {
  id: string
  name: string
  channel: string
  waiting: number
  oldestWaitSeconds: number
  estimatedWaitSeconds: number
  serviceLevelToday: number | null
  answeredToday: number
  abandonedToday: number
  agentsReady: number
  agentsBusy: number
}

export interface AgentChannel {
  channel: 'chat' | 'voice' | 'email'
  state: 'logged_out' | 'not_ready' | 'ready'
  reason: string | null
  inStateSeconds: number
  activeTasks: number
  maxTasks: number
  notResponding: boolean
}

export interface FloorAgent {
  id: string
  name: string
  channels: AgentChannel[]
  contacts: string[]
}

export interface FloorContact {
  id: string
  channel: string
  queueId: string
  state: string
  customerName: string
  agentId: string | null
  seconds: number
  waitedSeconds: number
}

export interface Floor {
  at: string
  queues: QueueTile[]
  agents: FloorAgent[]
  contacts: FloorContact[]
}

/** One row of GET /api/v1/reports/queue-intervals. */
export interface IntervalRow {
  intervalStart: string
  queueId: string
  contactsReceived: number
  handledShort: number
  handledLong: number
  abandonedShort: number
  abandonedLong: number
  serviceLevelPct: number | null
  queueDelaySeconds: number
}

export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  const h = Math.floor(s / 3600)
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h > 0 ? 2 : 1, '0')
  const ss = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`
}
