import type { AgentChannelState, AgentStateKind } from '../agent.js'
import { changeState, initialChannelState, isRoutable, taskAdded, taskRemoved } from '../agent.js'
import type { Channel } from '../channel.js'
import type { Contact } from '../contact.js'
import { TERMINAL_STATES } from '../contact.js'
import { DomainError } from '../errors.js'
import { deviceChannels } from '../tenant-config.js'
import type { DomainEvent, DomainEventBody } from '../events.js'
import type { OpenState } from '../calendar.js'
import { openState } from '../calendar.js'
import { localDay } from '../local-time.js'
import type { TenantConfig } from '../tenant-config.js'
import type { PooledAgent } from './agent-pool.js'
import { AgentPool } from './agent-pool.js'
import type { RoutingDecision } from './decision.js'
import { TenantModel } from './tenant-model.js'
import type { EstimatorState } from '../ewt.js'
import type { TimerKind } from './timer-heap.js'
import { TimerHeap } from './timer-heap.js'
import { QueueRuntime } from './waiting-room.js'
import type { Party, PostedMessage } from './chat-work.js'

export interface RouterInit {
  readonly tenantId: string
  readonly config: TenantConfig
  readonly now: number
  /** Highest event seq already stored for this tenant. */
  readonly lastSeq: number
  readonly newId: () => string
  /** How contacts and agents are matched; the router's own unless replaced (a benchmark's baseline). */
  readonly dispatcher?: Dispatcher
}

/** The matching step every module calls when a contact waits or an agent has room. */
export interface Dispatcher {
  /** Offers a waiting contact to an agent if one fits; true when it did. */
  routeContact(router: RouterState, contactId: string, trigger: Trigger, now: number): boolean
  /** Fills an agent's free capacity from the queues it serves. */
  serveAgent(router: RouterState, agentId: string, trigger: Trigger, now: number): void
}

/** What a batch of commands changed: persisted in one transaction, then acknowledged. */
export interface RouterChanges {
  readonly events: DomainEvent[]
  readonly contacts: Contact[]
  readonly agents: { readonly agentId: string; readonly channels: AgentChannelState[] }[]
  /** Queues whose wait estimator learned something: kept so a rebuild estimates the same. */
  readonly estimates: QueueEstimate[]
}

export interface QueueEstimate {
  readonly queueId: string
  readonly state: EstimatorState
}

export type Trigger = RoutingDecision['trigger']

export type OfferOutcome = 'accepted' | 'rejected' | 'timed_out' | 'withdrawn'

const RETIRED_OFFERS = 10_000

/**
 * One tenant's routing state: agents, waiting contacts, offers and timers, all in memory and
 * changed only by the single writer that calls it, through the modules beside this file (each a
 * set of functions over this state) and the Router facade. Synchronous and deterministic: time
 * comes in as `now`, ids from `newId`, and every change leaves an event. What is here is the
 * bookkeeping every module shares.
 */
export class RouterState {
  readonly model: TenantModel
  readonly pool: AgentPool
  readonly queues = new Map<string, QueueRuntime>()
  readonly contacts = new Map<string, Contact>()
  readonly offers = new Map<string, string>()
  readonly timers = new TimerHeap()
  readonly tenantId: string
  readonly newId: () => string
  private seq: number
  private pendingEvents: DomainEvent[] = []
  private changedContacts = new Map<string, Contact>()
  private changedAgents = new Set<string>()
  /** Per open contact, the messages posted with a client id: the idempotency window. */
  readonly sentByClient = new Map<string, Map<string, PostedMessage>>()
  /** Per open contact, how far each side has read. */
  readonly readUpTo = new Map<string, Record<Party, number>>()

  /** Channels that reach the agent through a device (a phone): routable only while it is reachable. */
  readonly devices: ReadonlySet<Channel>

  constructor(
    init: RouterInit,
    readonly dispatcher: Dispatcher,
  ) {
    this.tenantId = init.tenantId
    this.newId = init.newId
    this.seq = init.lastSeq
    this.model = new TenantModel(init.config)
    const devices = (this.devices = deviceChannels(init.config))
    this.pool = new AgentPool(
      init.config.agents,
      init.config.skillGroups,
      this.model.strategiesByGroup,
      (p, ch) => {
        const cap = p.channels[ch]
        return initialChannelState(
          ch,
          cap?.maxTasks ?? 0,
          cap?.exclusive ?? false,
          init.now,
          !devices.has(ch),
        )
      },
    )
    for (const q of init.config.queues) this.queues.set(q.id, new QueueRuntime(q))
  }

  get lastSeq(): number {
    return this.seq
  }

  // ---- bookkeeping -------------------------------------------------------------------------

  emit(body: DomainEventBody, now: number): void {
    this.pendingEvents.push({ ...body, seq: ++this.seq, tenantId: this.tenantId, at: now })
  }

  saveContact(c: Contact): Contact {
    if (TERMINAL_STATES.has(c.state)) {
      this.contacts.delete(c.id)
      this.sentByClient.delete(c.id)
      this.readUpTo.delete(c.id)
      if (c.offer) this.retireOffer(c.offer.offerId, c.offer.agentId, 'withdrawn')
    } else this.contacts.set(c.id, c)
    this.changedContacts.set(c.id, c)
    return c
  }

  /** Offers answered or taken back, remembered a while so a late answer learns what happened. */
  private readonly retired = new Map<string, { readonly agentId: string; readonly outcome: OfferOutcome }>()

  retireOffer(offerId: string, agentId: string, outcome: OfferOutcome): void {
    this.offers.delete(offerId)
    this.retired.set(offerId, { agentId, outcome })
    if (this.retired.size > RETIRED_OFFERS) this.retired.delete(this.retired.keys().next().value as string)
  }

  retiredOffer(offerId: string): { readonly agentId: string; readonly outcome: OfferOutcome } | undefined {
    return this.retired.get(offerId)
  }

  schedule(at: number, kind: TimerKind, contactId: string, token: string): void {
    this.timers.push({ at, kind, contactId, token })
  }

  drain(): RouterChanges {
    const changes: RouterChanges = {
      events: this.pendingEvents,
      contacts: [...this.changedContacts.values()],
      agents: [...this.changedAgents].map((agentId) => ({
        agentId,
        channels: [...(this.pool.agents.get(agentId)?.channels.values() ?? [])],
      })),
      estimates: [...this.queues.values()]
        .filter((q) => q.estimator.changed)
        .map((q) => ({ queueId: q.config.id, state: q.estimator.snapshot() })),
    }
    this.pendingEvents = []
    this.changedContacts = new Map()
    this.changedAgents = new Set()
    return changes
  }

  nextTimerAt(): number | undefined {
    return this.timers.peek()?.at
  }

  // ---- lookups -----------------------------------------------------------------------------

  agentOrThrow(agentId: string): PooledAgent {
    const a = this.pool.agents.get(agentId)
    if (!a) throw new DomainError('AGENT_NOT_FOUND', `agent ${agentId} does not exist`)
    return a
  }

  contactOrThrow(contactId: string): Contact {
    const c = this.contacts.get(contactId)
    if (!c) throw new DomainError('CONTACT_NOT_FOUND', `contact ${contactId} is not active`)
    return c
  }

  queueOf(c: Contact): QueueRuntime {
    const q = this.queues.get(c.queueId)
    if (!q) throw new DomainError('QUEUE_NOT_FOUND', `queue ${c.queueId} does not exist`)
    return q
  }

  // ---- agent channel state -----------------------------------------------------------------

  updateChannel(
    agent: PooledAgent,
    channel: Channel,
    next: AgentChannelState,
    now: number,
    by: string | null,
  ): void {
    const prev = agent.channels.get(channel)
    if (!prev) return
    agent.channels.set(channel, next)
    this.changedAgents.add(agent.profile.id)
    // Re-files every channel of the agent, not just this one: a task on an exclusive channel
    // (a call) blocks or frees the others, and their queues' snapshots must see it.
    for (const g of this.pool.reindex(agent))
      for (const q of this.model.queuesOfGroup(g)) this.bumpQueue(q.queueId)
    if (
      prev.state !== next.state ||
      prev.reason !== next.reason ||
      prev.notResponding !== next.notResponding ||
      prev.reachable !== next.reachable
    ) {
      this.emit(
        {
          type: 'AgentStateChanged',
          agentId: agent.profile.id,
          channel,
          state: next.state,
          reason: next.reason,
          routable: isRoutable(next),
          previousState: prev.state,
          notResponding: next.notResponding,
          reachable: next.reachable,
          by,
        },
        now,
      )
    }
  }

  adjustTasks(agentId: string, channel: Channel, delta: 1 | -1, now: number): void {
    const agent = this.pool.agents.get(agentId)
    const s = agent?.channels.get(channel)
    if (!agent || !s) return
    this.updateChannel(agent, channel, delta > 0 ? taskAdded(s, now) : taskRemoved(s), now, null)
  }

  bumpQueue(queueId: string): void {
    const q = this.queues.get(queueId)
    if (q) q.version++
  }

  changeAgentState(
    agentId: string,
    channel: Channel,
    state: AgentStateKind,
    reason: string | null,
    by: string | null,
    now: number,
  ): AgentChannelState {
    const agent = this.agentOrThrow(agentId)
    const s = agent.channels.get(channel)
    if (!s) throw new DomainError('CHANNEL_NOT_CONFIGURED', `agent ${agentId} has no ${channel} channel`)
    this.updateChannel(agent, channel, changeState(s, state, reason, now), now, by)
    return agent.channels.get(channel) as AgentChannelState
  }

  // ---- service-level counters --------------------------------------------------------------

  countToday(q: QueueRuntime, now: number): QueueRuntime['today'] {
    // Intl is slow: find the local day's bounds only when `now` leaves the cached day.
    if (now < q.today.start || now >= q.today.end) {
      const d = localDay(this.model.timeZone, now)
      q.today = { ...d, answered: 0, answeredInTime: 0, abandoned: 0, abandonedShort: 0, timedOut: 0 }
    }
    return q.today
  }

  private readonly hours = new Map<string, OpenState>()

  /** Business hours of an entry point's calendar, cached until they next change. */
  openNow(calendarId: string | null, now: number): OpenState {
    if (calendarId === null) return { open: true, nextChangeAt: null }
    const cached = this.hours.get(calendarId)
    if (cached && (cached.nextChangeAt === null || now < cached.nextChangeAt)) return cached
    const cal = this.model.calendars.get(calendarId)
    const state = cal ? openState(cal, now) : { open: false, nextChangeAt: null }
    this.hours.set(calendarId, state)
    return state
  }
}
