import { Undeliverable } from '../../app/outbox-dispatcher.js'
import type { ClaimedOutboxItem, HttpSender, OutboxItem, OutboxStore } from '../../app/ports.js'
import type { Switchboard } from '../../app/switchboard.js'
import type {
  Caller,
  CallObserver,
  CallRecord,
  DirectCallRecord,
  DirectDial,
  HintStatus,
  MenuRecord,
  PhoneStatus,
  Ring,
  Telephony,
} from '../../app/voice-ports.js'
import type { DomainEvent } from '../../core/events.js'
import type { PushContext } from './events.js'
import { queueMembers } from './views.js'
import {
  ccCdr,
  cdr,
  dialBegin,
  dialEnd,
  extensionStatus,
  hangup,
  ivr,
  placedCdr,
  placedDialBegin,
  placedDialEnd,
  placedHangup,
} from './events.js'

export const PBX_TOPIC = 'pbx.push'

export interface PbxPushDeps {
  readonly sb: Switchboard
  readonly outbox: Pick<OutboxStore, 'add'>
  /** Something was written to the outbox: send it now. */
  readonly kick: () => void
  /** Whose phones' states are pushed as they change. */
  readonly telephony: Pick<Telephony, 'phones'>
  readonly log: { error(obj: object, msg: string): void }
}

// A contact's close is kept this long for the call record that may still be on its way.
const KEEP_CLOSED_MS = 10 * 60_000

/**
 * 004's pushed events, from the calls the voice channel reports: dialbegin and dialend as phones
 * ring, extensionstatus as they change, hangup and cdr when a call ends, cc_cdr once the agent's
 * after-call pause is over (its length is the record's pauseTime). Everything goes through the
 * outbox, in order per call (and per extension), retried until the push URL takes it.
 */
export class PbxPush implements CallObserver {
  private readonly hints = new Map<string, HintStatus>()
  private readonly closed = new Map<string, number>()
  private readonly waiting = new Map<string, CallRecord>()
  private readonly watched = new Map<string, () => void>()
  private writes: Promise<void> = Promise.resolve()
  /** The extension statuses being worked out, one change after the other. */
  private hinting: Promise<void> = Promise.resolve()
  /** Tells the other nodes of a cluster that this node's lines changed. */
  private readonly tellOwner: ((news: { tenantId: string }) => void) | undefined
  private readonly unsubscribe: (() => void)[] = []

  constructor(private readonly deps: PbxPushDeps) {
    // In a cluster a tenant's extension statuses go out from one node (the router's): each
    // node's calls change them, so each node says when its lines changed, and a node that takes
    // a tenant over says them all again where they moved while it had no owner.
    this.tellOwner = deps.sb.broadcast<{ tenantId: string }>('pbx-lines-changed', ({ tenantId }) =>
      this.hintsChanged(tenantId),
    )
    this.unsubscribe.push(deps.sb.onRouterStarted((tenantId) => this.hintsChanged(tenantId)))
  }

  start(): void {
    for (const id of this.deps.sb.tenantIds()) this.watch(id)
  }

  /** Stops following; resolves once what was handed over is in the outbox. */
  async stop(): Promise<void> {
    for (const unsubscribe of [...this.watched.values(), ...this.unsubscribe.splice(0)]) unsubscribe()
    this.watched.clear()
    await this.hinting
    await this.writes
  }

  ringing(tenantId: string, contactId: string, caller: Caller, ring: Ring): void {
    const ctx = this.context(tenantId)
    if (ctx) this.push(tenantId, contactId, [dialBegin(ctx, contactId, caller, ring)])
  }

  ringEnded(tenantId: string, contactId: string, caller: Caller, ring: Ring): void {
    const ctx = this.context(tenantId)
    if (ctx) this.push(tenantId, contactId, [dialEnd(ctx, contactId, caller, ring)])
  }

  menuFinished(tenantId: string, callId: string, caller: Caller, menu: MenuRecord): void {
    const ctx = this.context(tenantId)
    if (ctx) this.push(tenantId, callId, [ivr(ctx, callId, caller, menu)])
  }

  dialing(tenantId: string, dial: DirectDial): void {
    const ctx = this.context(tenantId)
    if (ctx) this.push(tenantId, dial.callId, [placedDialBegin(ctx, dial)])
  }

  dialEnded(tenantId: string, dial: DirectDial): void {
    if (this.context(tenantId)) this.push(tenantId, dial.callId, [placedDialEnd(dial)])
  }

  /** A placed call is in no queue: hangup and cdr, no cc_cdr. */
  placedCallFinished(record: DirectCallRecord): void {
    const ctx = this.context(record.tenantId)
    if (ctx) this.push(record.tenantId, record.callId, [placedHangup(record), placedCdr(ctx, record)])
  }

  /** This node's calls of the tenant changed: its phones' statuses may have moved. */
  linesChanged(tenantId: string): void {
    if (!this.context(tenantId)) return
    this.tellOwner?.({ tenantId })
    this.hintsChanged(tenantId)
  }

  /**
   * Works the tenant's extension statuses out again (on the node that runs its router). The
   * phones are asked now, so that each change is seen even when the next follows at once; what
   * changed goes out in the order the changes came.
   */
  private hintsChanged(tenantId: string): void {
    if (!this.deps.sb.isRunning(tenantId) || !this.context(tenantId)) return
    const phones = this.deps.telephony.phones(tenantId)
    phones.catch(() => undefined) // handled below, in its turn
    this.hinting = this.hinting
      .then(async () => this.pushHints(tenantId, await phones))
      .catch((err: unknown) =>
        this.deps.log.error(
          { err, tenantId },
          'extension statuses not worked out: the next change will say them',
        ),
      )
  }

  private pushHints(tenantId: string, phones: readonly PhoneStatus[]): void {
    for (const p of phones) {
      const key = `${tenantId}\u0000${p.extension}`
      if (this.hints.get(key) === p.hint) continue
      this.hints.set(key, p.hint)
      this.push(tenantId, `ext:${p.extension}`, [extensionStatus(p.extension, p.hint)])
    }
  }

  finished(record: CallRecord): void {
    if (!this.context(record.tenantId)) return
    this.writes = this.writes
      .then(() => this.recordFinished(record))
      .catch((err: unknown) =>
        this.deps.log.error({ err, tenantId: record.tenantId }, 'PBX call records not stored: they are lost'),
      )
  }

  /**
   * The router (here, or on its owner in a cluster) says whether the agent is in its after-call
   * pause and who is signed in; the records go out after what the call pushed before.
   */
  private async recordFinished(record: CallRecord): Promise<void> {
    const tenant = this.deps.sb.tenant(record.tenantId)
    const [contact, agents] = await Promise.all([
      tenant.ask({ type: 'contact', contactId: record.contactId }).catch(() => undefined),
      tenant.ask({ type: 'agents' }).catch(() => []),
    ])
    const signedIn = new Set(
      agents
        .filter((a) => (a.channels.voice?.state ?? 'logged_out') !== 'logged_out')
        .map((a) => a.profile.id),
    )
    const ctx = this.context(record.tenantId, signedIn)
    if (!ctx) return
    this.push(record.tenantId, record.contactId, [hangup(ctx, record), cdr(ctx, record)])
    const key = `${record.tenantId}\u0000${record.contactId}`
    const closedAt = this.closed.get(key)
    if (closedAt === undefined && contact?.state === 'wrap_up') return void this.waiting.set(key, record)
    this.closed.delete(key)
    this.ccCdr(ctx, record, closedAt === undefined ? 0 : closedAt - record.endedAt)
  }

  private ccCdr(ctx: PushContext, record: CallRecord, pauseMs: number): void {
    this.push(record.tenantId, record.contactId, [ccCdr(ctx, record, pauseMs)])
  }

  /** Follows the tenant's contacts closing (the end of the after-call pause) and agents' states. */
  private watch(tenantId: string): void {
    if (this.watched.has(tenantId)) return
    this.watched.set(
      tenantId,
      this.deps.sb.feed.subscribe(tenantId, {}, (events) => this.contactsClosed(tenantId, events)),
    )
  }

  private contactsClosed(tenantId: string, events: readonly DomainEvent[]): void {
    // An agent paused, signed in or out, or out of its after-call pause: its phone's hint moves.
    if (
      events.some(
        (e) => (e.type === 'AgentStateChanged' && e.channel === 'voice') || e.type === 'ContactClosed',
      )
    )
      this.hintsChanged(tenantId)
    for (const e of events) {
      if (e.type !== 'ContactClosed') continue
      const key = `${tenantId}\u0000${e.contactId}`
      const record = this.waiting.get(key)
      const ctx = this.context(tenantId)
      if (record && ctx) {
        this.waiting.delete(key)
        this.ccCdr(ctx, record, e.at - record.endedAt)
      } else this.closed.set(key, e.at)
    }
    for (const [key, at] of this.closed) if (at < this.deps.sb.now() - KEEP_CLOSED_MS) this.closed.delete(key)
  }

  private push(tenantId: string, lane: string, payloads: readonly object[]): void {
    const items: OutboxItem[] = payloads.map((payload) => ({
      tenantId,
      eventSeq: 0,
      topic: PBX_TOPIC,
      orderingKey: `pbx:${tenantId}:${lane}`,
      payload,
    }))
    const now = this.deps.sb.now()
    // One write after the other: the outbox's order is the order things happened.
    this.writes = this.writes
      .then(() => this.deps.outbox.add(items, now))
      .then(
        () => this.deps.kick(),
        (err: unknown) => this.deps.log.error({ err, tenantId }, 'PBX events not stored: they are lost'),
      )
  }

  /**
   * The tenant's push settings and what the builders look up; undefined: nothing is pushed.
   * `signedIn`: the agents signed in to voice, for the record of a call nobody answered.
   */
  private context(tenantId: string, signedIn: ReadonlySet<string> = new Set()): PushContext | undefined {
    const sb = this.deps.sb
    if (!sb.hasTenant(tenantId)) return undefined
    const config = sb.storedConfig(tenantId).config
    if (!config.pbx?.pushUrl) return undefined
    this.watch(tenantId)
    const queues = new Map(config.queues.map((q) => [q.id, q]))
    return {
      pbx: config.pbx,
      timeZone: config.timeZone,
      extensionOf: (agentId) =>
        config.voice?.extensions.find((x) => x.agentId === agentId)?.number ?? agentId,
      queueNumber: (queueId) => config.voice?.queues[queueId]?.number ?? queueId,
      shortAbandonMs: (queueId) => (queues.get(queueId)?.shortAbandonSeconds ?? 10) * 1000,
      noAgentSignedIn: (queueId) => {
        const queue = queues.get(queueId)
        const members = queue ? [...queueMembers(config, queue).keys()] : []
        return !members.some((agentId) => signedIn.has(agentId))
      },
    }
  }
}

/** Posts one event to the tenant's push URL as JSON; anything but a 2xx is tried again later. */
export function pbxPushHandler(sb: () => Switchboard, sender: HttpSender) {
  return async (item: ClaimedOutboxItem): Promise<void> => {
    const pbx = sb().storedConfig(item.tenantId).config.pbx
    if (!pbx?.pushUrl) throw new Undeliverable('the PBX push URL (pbx.pushUrl) was removed')
    const res = await sender.post(
      pbx.pushUrl,
      JSON.stringify(item.payload),
      { 'content-type': 'application/json' },
      { allowPrivateNetwork: pbx.allowPrivateNetwork },
    )
    if (res.status < 200 || res.status >= 300)
      throw new Error(`the push URL answered HTTP ${res.status} ${res.body.slice(0, 200)}`)
  }
}
