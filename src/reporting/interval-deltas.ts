import type {
  AgentInterval,
  AgentQueueIntervalDelta,
  QueueIntervalDelta,
  ReportChanges,
} from '../app/report-ports.js'
import { ZERO_QUEUE_COUNTERS } from '../app/report-ports.js'

/** WFM's interval: 15 minutes, aligned to the hour in UTC and so in every time zone in use. */
export const INTERVAL_MS = 15 * 60_000

export const intervalOf = (t: number): number => t - (((t % INTERVAL_MS) + INTERVAL_MS) % INTERVAL_MS)

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
type QueueCounters = Omit<QueueIntervalDelta, 'queueId' | 'intervalStart'>
type AgentQueueCounters = Omit<AgentQueueIntervalDelta, 'agentId' | 'queueId' | 'intervalStart'>

const emptyQueue = (queueId: string, intervalStart: number): Mutable<QueueIntervalDelta> => ({
  queueId,
  intervalStart,
  ...ZERO_QUEUE_COUNTERS,
  active: null,
  backlog: null,
  backlogExpired: null,
})

const emptyAgentQueue = (
  agentId: string,
  queueId: string,
  intervalStart: number,
): Mutable<AgentQueueIntervalDelta> => ({
  agentId,
  queueId,
  intervalStart,
  handled: 0,
  handleTime: 0,
  workTime: 0,
  holdTime: 0,
  active: null,
})

/** The interval figures one fold step changed, gathered per row. */
export class IntervalDeltas {
  private readonly queues = new Map<string, Mutable<QueueIntervalDelta>>()
  private readonly agentQueues = new Map<string, Mutable<AgentQueueIntervalDelta>>()
  private readonly agents = new Map<string, Mutable<AgentInterval>>()

  queue(queueId: string, at: number): Mutable<QueueCounters> {
    const start = intervalOf(at)
    const key = `${queueId}\u0000${start}`
    let row = this.queues.get(key)
    if (!row) this.queues.set(key, (row = emptyQueue(queueId, start)))
    return row
  }

  agentQueue(agentId: string, queueId: string, at: number): Mutable<AgentQueueCounters> {
    const start = intervalOf(at)
    const key = `${agentId}\u0000${queueId}\u0000${start}`
    let row = this.agentQueues.get(key)
    if (!row) this.agentQueues.set(key, (row = emptyAgentQueue(agentId, queueId, start)))
    return row
  }

  agent(agentId: string, at: number): Mutable<AgentInterval> {
    const start = intervalOf(at)
    const key = `${agentId}\u0000${start}`
    let row = this.agents.get(key)
    if (!row)
      this.agents.set(
        key,
        (row = { agentId, intervalStart: start, loginTime: 0, readyTime: 0, notReadyTime: 0 }),
      )
    return row
  }

  toChanges(): Pick<ReportChanges, 'queueIntervals' | 'agentQueueIntervals' | 'agentIntervals'> {
    return {
      queueIntervals: [...this.queues.values()],
      agentQueueIntervals: [...this.agentQueues.values()],
      agentIntervals: [...this.agents.values()].filter((r) => r.loginTime > 0),
    }
  }
}
