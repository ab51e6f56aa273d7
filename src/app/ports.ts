import type { AgentChannelState } from '../core/agent.js'
import type { AttachmentRef, Contact } from '../core/contact.js'
import type { PostedMessage } from '../core/routing/chat-work.js'
import type { QueueEstimate } from '../core/routing/router-state.js'
import type { DomainEvent } from '../core/events.js'
import type { TenantConfig } from '../core/tenant-config.js'

export interface Clock {
  now(): number
}

/** One pending wake-up at a time per owner; setting a new one replaces the old. */
export interface Scheduler {
  wakeAt(at: number, fire: () => void): () => void
}

export interface AgentRecord {
  readonly agentId: string
  readonly channels: readonly AgentChannelState[]
}

/** Everything one batch of router commands changed, written in one transaction. */
export interface CommitBatch {
  readonly events: readonly DomainEvent[]
  readonly contacts: readonly Contact[]
  readonly agents: readonly AgentRecord[]
  readonly outbox: readonly OutboxItem[]
  /** Queues' wait estimators that changed: the latest of each is kept. */
  readonly estimates?: readonly QueueEstimate[]
  /**
   * The writer's hold on the tenant (cluster nodes): the store refuses the whole batch with
   * FencedOut, in the same transaction, unless this is still the tenant's owner and epoch.
   */
  readonly fence?: Fence
  /** Commands sent with an idempotency key (forwarded between nodes), with what they answered. */
  readonly applied?: readonly AppliedCommand[]
}

export interface AppliedCommand {
  readonly key: string
  readonly result: unknown
  /** When its batch ran (the runtime's clock): the store keeps an hour of them by this. */
  readonly at: number
}

export interface Fence {
  readonly owner: string
  readonly epoch: number
}

export interface RouterSnapshot {
  readonly lastSeq: number
  readonly agents: readonly AgentRecord[]
  /** Contacts not yet in a terminal state. */
  readonly contacts: readonly Contact[]
  /** Messages of those contacts sent with a client id: a retry after a restart is still recognised. */
  readonly sent: readonly (PostedMessage & { readonly contactId: string })[]
  /** What each queue's wait estimator had learned at the last commit. */
  readonly estimates: readonly QueueEstimate[]
  /** The newest keyed commands: one retried at a new owner is answered, not applied again. */
  readonly applied?: readonly AppliedCommand[]
}

export interface RoutingStore {
  load(tenantId: string): Promise<RouterSnapshot>
  /** Atomic: all of the batch or none of it. Resolves only once committed. */
  commit(tenantId: string, batch: CommitBatch): Promise<void>
}

/** Agents whose client holds streams, remembered so that a restart watches them again. */
export interface AgentWatchStore {
  watched(tenantId: string): Promise<string[]>
  watch(tenantId: string, agentId: string, now: number): Promise<void>
}

export interface StoredConfig {
  readonly config: TenantConfig
  readonly version: number
  /** Users still on a demo password: the server warns while there are any. */
  readonly demoUsers: readonly string[]
  /** The configuration file last applied: its canonical hash and what it made. */
  readonly file: AppliedFile | null
}

export interface AppliedFile {
  readonly hash: string
  readonly config: TenantConfig
}

export interface ConfigStore {
  list(): Promise<StoredConfig[]>
  get(tenantId: string): Promise<StoredConfig | undefined>
  /**
   * Optimistic: rejects with CONFLICT when the stored version moved. `fileHash`: the save applies
   * a configuration file (remembered with what it made); without it, the last file stays.
   */
  save(
    config: TenantConfig,
    demoUsers: readonly string[],
    expectedVersion: number,
    fileHash?: string,
  ): Promise<number>
  /** A server-wide secret, created once (token signing). */
  secret(name: string, create: () => string): Promise<string>
}

export interface StoredMessage {
  readonly id: string
  readonly contactId: string
  readonly seq: number
  readonly from: 'customer' | 'agent' | 'system'
  readonly agentId: string | null
  readonly text: string
  readonly at: number
  readonly attachment: AttachmentRef | null
}

export interface StoredAttachment extends AttachmentRef {
  readonly contactId: string
  readonly data: Uint8Array
  readonly createdAt: number
}

/** An AICC client's chat: its contact and how far its polls have been served. */
export interface AiccSession {
  readonly key: string
  readonly contactId: string
  readonly deliveredSeq: number
}

/**
 * A chat user's click-to-call (002): the call, and what its page was told so far. Stored, so a
 * poll that reaches any node (or a restarted one) goes on where the last one stopped.
 */
export interface StoredClickToCall {
  readonly contactId: string | null
  /** The caller name its browser dials as (the call's credential). */
  readonly callerName: string
  readonly accessNumber: string
  /** The tenant's event sequence told up to: each event goes out once, in order. */
  readonly cursor: number
  /** A call that could not be placed: 168105 is its only event. */
  readonly failure: { readonly causeId: number; readonly causeDesc: string } | null
  /** 168101 was told. */
  readonly answered: boolean
  readonly createdAt: number
}

export interface AiccSessionStore {
  /** The user's click-to-call (one at a time), if any. */
  clickToCall(tenantId: string, key: string): Promise<StoredClickToCall | undefined>
  /**
   * A new call (another `createdAt`) replaces the user's last one; the same call's cursor only
   * moves forward and `answered` stays once set, whichever node writes last. With
   * `forgetBefore` (a new call), the tenant's calls created before it are dropped too.
   */
  saveClickToCall(tenantId: string, key: string, c: StoredClickToCall, forgetBefore?: number): Promise<void>
  /** The call told its last event (or was dropped): nothing more to tell. */
  endClickToCall(tenantId: string, key: string, createdAt: number): Promise<void>
  get(tenantId: string, key: string): Promise<AiccSession | undefined>
  /** The chat's served cursor only moves forward: a slower node's older answer does not undo it. */
  save(tenantId: string, s: AiccSession, now: number): Promise<void>
  /** The client called (a cluster: any node); when it last did, for the other nodes' sweeps. */
  seen(tenantId: string, key: string, at: number): Promise<void>
  lastSeen(tenantId: string, key: string): Promise<number | undefined>
}

/** Chat files. Saved before the message that carries them, so no message points at nothing. */
export interface AttachmentStore {
  save(tenantId: string, a: StoredAttachment): Promise<void>
  get(tenantId: string, id: string): Promise<StoredAttachment | undefined>
  remove(tenantId: string, id: string): Promise<void>
}

export interface MessageQuery {
  readonly from?: number
  readonly to?: number
  readonly offset: number
  readonly limit: number
}

export interface EventQuery {
  readonly afterSeq: number
  readonly contactId?: string
  readonly agentId?: string
  readonly limit: number
}

export interface ContactQueries {
  contact(tenantId: string, contactId: string): Promise<Contact | undefined>
  messages(tenantId: string, contactId: string): Promise<StoredMessage[]>
  /** Messages of every contact of a customer known by their external id, oldest first. */
  customerMessages(tenantId: string, externalId: string, q: MessageQuery): Promise<StoredMessage[]>
  /** The customer's earlier contacts (by email), newest first. */
  customerHistory(tenantId: string, email: string, limit: number): Promise<Contact[]>
  events(tenantId: string, q: EventQuery): Promise<DomainEvent[]>
}

export interface SurveyAnswer {
  readonly question: string
  readonly answer: string
}

export interface StoredSurvey {
  readonly contactId: string
  readonly answers: readonly SurveyAnswer[]
  /** The dialect it came through (ece, native, …). */
  readonly source: string
  readonly submittedAt: number
}

export interface SurveyStore {
  /** Stores the contact's survey; false when it already has one (nothing is changed then). */
  submit(tenantId: string, survey: StoredSurvey): Promise<boolean>
  get(tenantId: string, contactId: string): Promise<StoredSurvey | undefined>
  /** The surveys of these contacts (those that have one). */
  list(tenantId: string, contactIds: readonly string[]): Promise<StoredSurvey[]>
}

export interface OutboxItem {
  readonly tenantId: string
  readonly eventSeq: number
  readonly topic: string
  readonly payload: unknown
  /** Items with the same key are delivered in order; none: independent. */
  readonly orderingKey?: string
}

export interface ClaimedOutboxItem extends OutboxItem {
  readonly id: number
  readonly attempts: number
  readonly createdAt: number
}

export interface OutboxStore {
  /** Items that come from no commit of the router (a call's record, say), stored in order. */
  add(items: readonly OutboxItem[], now: number): Promise<void>
  /**
   * Pending items due at `now` with an id above `after`, oldest first; none that waits behind
   * an older item of its ordering key whose retry is not due yet. The caller sends a key's items
   * one after the other.
   */
  due(now: number, limit: number, after?: number): Promise<ClaimedOutboxItem[]>
  /** Delivered: gone from the outbox. */
  delivered(ids: readonly number[]): Promise<void>
  retryLater(id: number, at: number, error?: string): Promise<void>
  /** Gave up (dead letter): kept, with the last error, for inspection and redelivery. */
  dead(id: number, now: number, error: string): Promise<void>
  /** When the next pending item becomes due; undefined when none is pending. */
  nextAttemptAt(): Promise<number | undefined>
  /** Frees what this node claimed but did not send (it stops): other nodes send it at once. */
  releaseClaims?(): Promise<void>
  /** Per topic: items waiting, since when the oldest waits, and dead letters. */
  stats(): Promise<OutboxTopicStats[]>
  /** A tenant's dead letters of a topic, newest first. */
  deadLetters(tenantId: string, topic: string, limit: number): Promise<DeadLetter[]>
  /** Dead letters sent again from scratch (a new retry window); all of the topic when no ids. */
  redeliver(tenantId: string, topic: string, ids: readonly number[] | 'all', now: number): Promise<number>
}

export interface OutboxTopicStats {
  readonly topic: string
  readonly pending: number
  readonly oldestPendingAt: number | null
  readonly dead: number
}

export interface DeadLetter extends ClaimedOutboxItem {
  readonly deadAt: number
  readonly lastError: string | null
}

/** Outbound HTTP, for deliveries to other systems. */
export interface HttpSender {
  post(
    url: string,
    body: string,
    headers: Readonly<Record<string, string>>,
    /** allowPrivateNetwork false: refuse loopback, private and link-local destinations. */
    opts?: { readonly allowPrivateNetwork?: boolean },
  ): Promise<{ readonly status: number; readonly body: string }>
  get(
    url: string,
    headers: Readonly<Record<string, string>>,
  ): Promise<{ readonly status: number; readonly body: string }>
}
