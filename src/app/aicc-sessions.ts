import type { Contact } from '../core/contact.js'
import type { DomainEvent } from '../core/events.js'
import type { AiccSession, AiccSessionStore, Clock, Scheduler, StoredClickToCall } from './ports.js'
import type { Switchboard } from './switchboard.js'

/** Who is chatting, as an AICC client names it: one chat per (app key, channel, user id). */
export interface AiccUser {
  readonly tenantId: string
  readonly appKey: string
  readonly channelId: string
  readonly userId: string
  readonly userName: string
}

const SWEEP_MS = 10_000
/** A cluster node writes down that a client called at most this often per chat. */
const SEEN_EVERY_MS = 5_000
const CUSTOMER_IN_CHAT: ReadonlySet<Contact['state']> = new Set(['queued', 'offered', 'connected'])

/** A click-to-call whose page never polled to the end is forgotten this long after (calls of hours are rare). */
const FORGET_CALLS_AFTER_MS = 6 * 3600_000

const sessionKey = (u: AiccUser): string => `${u.appKey}/${u.channelId}/${u.userId}`

/**
 * AICC clients start a chat with CONNECT and then poll without a cursor: the server keeps each
 * chat's contact and how far its polls were served (stored, so a restart neither repeats nor
 * drops a message), and releases a chat whose client stopped calling (polls, sends, queue info).
 */
export class AiccSessions {
  /** Last poll per open chat, `${tenant}/${key}` → ms; a restart starts every clock afresh. */
  private readonly lastPoll = new Map<
    string,
    { tenantId: string; key: string; contactId: string; at: number }
  >()
  private cancelSweep: (() => void) | undefined

  constructor(
    private readonly sb: Switchboard,
    private readonly store: AiccSessionStore,
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
  ) {}

  /**
   * Every call of a client looks its chat up: a single server reads the store once per chat, then
   * keeps it here and writes through (it is the only writer). In a cluster the client's next call
   * may go to any node, so each call reads the store.
   */
  private readonly known = new Map<string, AiccSession>()
  /** When this node last wrote down that a client called (a cluster only). */
  private readonly stored = new Map<string, number>()

  private clustered(): boolean {
    if (this.sb.liveNodes() === 1) return false
    this.known.clear()
    return true
  }

  private async session(u: AiccUser): Promise<AiccSession | undefined> {
    const id = `${u.tenantId}/${sessionKey(u)}`
    const cached = this.clustered() ? undefined : this.known.get(id)
    if (cached) return cached
    const stored = await this.store.get(u.tenantId, sessionKey(u))
    if (stored) this.known.set(id, stored)
    return stored
  }

  private async save(u: AiccUser, s: AiccSession): Promise<void> {
    await this.store.save(u.tenantId, s, this.clock.now())
    this.known.set(`${u.tenantId}/${sessionKey(u)}`, s)
  }

  /** The user's chat while the customer is in it (waiting or talking), if any. */
  /** The user's click-to-call (002), as its page was told it so far. */
  clickToCall(u: AiccUser): Promise<StoredClickToCall | undefined> {
    return this.store.clickToCall(u.tenantId, sessionKey(u))
  }

  /** A new click-to-call replaces the user's last one; calls long over are forgotten. */
  startClickToCall(u: AiccUser, c: StoredClickToCall): Promise<void> {
    return this.store.saveClickToCall(u.tenantId, sessionKey(u), c, this.clock.now() - FORGET_CALLS_AFTER_MS)
  }

  /** Writes down how far the page was told (another node's poll goes on from there). */
  saveClickToCall(u: AiccUser, c: StoredClickToCall): Promise<void> {
    return this.store.saveClickToCall(u.tenantId, sessionKey(u), c)
  }

  /** The page was told the call's last event. */
  endClickToCall(u: AiccUser, c: StoredClickToCall): Promise<void> {
    return this.store.endClickToCall(u.tenantId, sessionKey(u), c.createdAt)
  }

  async open(u: AiccUser): Promise<Contact | undefined> {
    const s = await this.session(u)
    const contact = s && (await this.sb.tenant(u.tenantId).ask({ type: 'contact', contactId: s.contactId }))
    return contact && CUSTOMER_IN_CHAT.has(contact.state) ? contact : undefined
  }

  /** The user's latest chat, open or ended (a survey comes after the end). */
  async latest(u: AiccUser): Promise<string | undefined> {
    return (await this.session(u))?.contactId
  }

  /** Any call of the client's keeps its chat alive, not only polls. */
  async seen(u: AiccUser): Promise<void> {
    const s = await this.session(u)
    if (s) this.touch(u, s.contactId)
  }

  /** CONNECT (and TRANS2AGENT): a new chat on the channel's entry point, or the open one again. */
  async connect(u: AiccUser, entryPointId: string, newId: string): Promise<Contact> {
    const existing = await this.open(u)
    if (existing) return existing
    const admission = await this.sb.actions.startChat(u.tenantId, {
      contactId: newId,
      entryPointId,
      customer: { name: u.userName, externalId: `aicc:${u.channelId}:${u.userId}` },
      subject: null,
    })
    await this.save(u, { key: sessionKey(u), contactId: admission.contact.id, deliveredSeq: 0 })
    this.touch(u, admission.contact.id)
    return admission.contact
  }

  /**
   * The chat's events not yet served, waiting up to `waitMs` for one. The cursor is stored
   * before the answer goes out: an event is served once.
   */
  async poll(u: AiccUser, waitMs: number, signal: AbortSignal): Promise<DomainEvent[]> {
    const s = await this.session(u)
    if (!s) return []
    this.touch(u, s.contactId)
    const events = await this.sb.feed.poll(
      u.tenantId,
      { contactId: s.contactId },
      s.deliveredSeq,
      waitMs,
      200,
      signal,
    )
    const last = events[events.length - 1]
    if (last) await this.save(u, { ...s, deliveredSeq: last.seq })
    this.touch(u, s.contactId)
    return events
  }

  private touch(u: AiccUser, contactId: string): void {
    const id = `${u.tenantId}/${sessionKey(u)}`
    const now = this.clock.now()
    this.lastPoll.set(id, { tenantId: u.tenantId, key: sessionKey(u), contactId, at: now })
    // Another node's sweep must know the client still calls, here.
    if (this.clustered() && now - (this.stored.get(id) ?? 0) >= SEEN_EVERY_MS) {
      this.stored.set(id, now)
      void this.store.seen(u.tenantId, sessionKey(u), now).catch(() => this.stored.delete(id))
    }
    this.cancelSweep ??= this.scheduler.wakeAt(this.clock.now() + SWEEP_MS, () => void this.sweep())
  }

  /** Releases chats whose client stopped polling: the customer is gone (queued: abandoned). */
  async sweep(): Promise<void> {
    this.cancelSweep = undefined
    const now = this.clock.now()
    for (const [key, p] of this.lastPoll) {
      const timeout = this.sb.storedConfig(p.tenantId).config.aicc?.sessionTimeoutSeconds ?? 120
      if (now - p.at < timeout * 1000) continue
      // The client may go on calling another node of a cluster: it said so in the store.
      const elsewhere = await this.store.lastSeen(p.tenantId, p.key).catch(() => undefined)
      if (elsewhere !== undefined && now - elsewhere < timeout * 1000) {
        p.at = elsewhere
        continue
      }
      this.lastPoll.delete(key)
      this.known.delete(key)
      this.stored.delete(key)
      await this.sb
        .tenant(p.tenantId)
        .run({ type: 'customerGone', contactId: p.contactId })
        .catch(() => undefined)
    }
    if (this.lastPoll.size > 0)
      this.cancelSweep = this.scheduler.wakeAt(now + SWEEP_MS, () => void this.sweep())
  }

  stop(): void {
    this.cancelSweep?.()
    this.cancelSweep = undefined
  }
}
