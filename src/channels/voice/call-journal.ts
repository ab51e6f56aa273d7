import type { Caller, CallRecord, LostCause, MenuRecord, Ring, RingOutcome } from '../../app/voice-ports.js'
import type { Contact, ContactState } from '../../core/contact.js'

/**
 * What happened on one call, as its record (004's cdr and cc_cdr) needs it: the phones rung and
 * how each ringing ended, time on hold, who hung up, the rating, and the contact as last seen
 * (the router forgets a contact that ends for good).
 */
export class CallJournal {
  private seen: Contact | undefined
  private lastActive: ContactState = 'queued'
  private readonly rings: { -readonly [K in keyof Ring]: Ring[K] }[] = []
  private heldSince: number | null = null
  private holdMs = 0
  private hungUp: { by: 'customer' | 'agent' | 'system'; at: number } | undefined
  private lost: LostCause | undefined
  private codecless = false
  private rating: CallRecord['rating'] = null

  constructor(
    private readonly call: {
      readonly tenantId: string
      readonly contactId: string
      readonly caller: Caller
      readonly startedAt: number
      readonly menu: MenuRecord | null
    },
    private readonly now: () => number,
  ) {}

  /** Who hung up first, if a side did. */
  get hungUpBy(): 'customer' | 'agent' | 'system' | undefined {
    return this.hungUp?.by
  }

  saw(c: Contact): void {
    this.seen = c
    if (c.state === 'queued' || c.state === 'offered' || c.state === 'connected') this.lastActive = c.state
  }

  ringStarted(offerId: string, agentId: string): Ring {
    const ring = { offerId, agentId, startedAt: this.now(), endedAt: null, outcome: null }
    this.rings.push(ring)
    return { ...ring }
  }

  /** The ringing of this offer ended; undefined if it had already. */
  ringEnded(offerId: string, outcome: RingOutcome): Ring | undefined {
    const ring = this.rings.find((r) => r.offerId === offerId && r.outcome === null)
    if (!ring) return undefined
    ring.endedAt = this.now()
    ring.outcome = outcome
    return { ...ring }
  }

  held(held: boolean): void {
    const now = this.now()
    if (held && this.heldSince === null) this.heldSince = now
    if (!held && this.heldSince !== null) {
      this.holdMs += now - this.heldSince
      this.heldSince = null
    }
  }

  /** A phone rung shares no codec with the caller. */
  noCommonCodec(): void {
    this.codecless = true
  }

  hangUp(by: 'customer' | 'agent' | 'system', lost?: LostCause): void {
    this.hungUp ??= { by, at: this.now() }
    this.lost ??= lost
  }

  rated(score: number | null, startedAt: number): void {
    this.rating = { score, startedAt, endedAt: this.now() }
  }

  record(recorded: boolean): CallRecord {
    const c = this.seen
    const answered = this.rings.find((r) => r.outcome === 'ANSWER')
    return {
      tenantId: this.call.tenantId,
      contactId: this.call.contactId,
      caller: this.call.caller,
      startedAt: this.call.startedAt,
      endedAt: c?.endedAt ?? this.hungUp?.at ?? this.now(),
      endedBy: c?.endedBy ?? this.hungUp?.by ?? 'system',
      queueId: c?.queueId ?? '',
      enqueuedAt: c?.enqueuedAt ?? this.call.startedAt,
      agentId: answered ? (c?.agentId ?? answered.agentId) : null,
      answeredAt: answered?.endedAt ?? null,
      rings: this.rings.map((r) => ({ ...r })),
      holdMs: this.holdMs,
      recording: recorded ? `${this.call.contactId}.wav` : null,
      endedIn: this.rating
        ? 'rating'
        : this.lastActive === 'connected'
          ? 'talking'
          : this.lastActive === 'offered'
            ? 'ringing'
            : 'queue',
      menu: this.call.menu,
      rating: this.rating,
      ...(this.lost ? { lost: this.lost } : {}),
      ...(this.codecless ? { noCommonCodec: true as const } : {}),
    }
  }
}
