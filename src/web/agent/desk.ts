import type { Request } from '../shared/http.js'
import type { Attachment, ChannelState, Contact, ContactRecord, DeskSettings, Ev, Offer } from './model.js'
import { backoff } from '../shared/http.js'
import type { Softphone } from './softphone.js'

const TYPING_MS = 6000

/**
 * The agent's live desk: state per channel, pending offers, open contacts. Fed by the WebSocket
 * stream, which resumes from the last seq after any drop; a resync from the REST API after each
 * reconnect covers anything older than the server's memory.
 */
export class Desk {
  agentName = ''
  channels: Record<string, ChannelState> = {}
  settings: DeskSettings | null = null
  offers = new Map<string, Offer>()
  contacts = new Map<string, Contact>()
  connection: 'connecting' | 'online' | 'reconnecting' = 'connecting'
  error: string | null = null
  private lastSeq = 0
  private socket: WebSocket | null = null
  private closed = false
  private listeners = new Set<() => void>()
  private applying: Promise<void> = Promise.resolve()

  constructor(
    readonly api: Request,
    readonly token: string,
    readonly agentId: string,
    private readonly wsBase: string,
  ) {}

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  private changed(): void {
    for (const fn of this.listeners) fn()
  }

  async start(): Promise<void> {
    this.settings = await this.api<DeskSettings>('/api/v1/desk', { token: this.token })
    await this.resync()
    this.connect(0)
  }

  stop(): void {
    this.closed = true
    this.socket?.close()
  }

  private async resync(): Promise<void> {
    const [agent, mine] = await Promise.all([
      this.api<{ name: string; channels: Record<string, ChannelState> }>(`/api/v1/agents/${this.agentId}`, {
        token: this.token,
      }),
      this.api<{
        contacts: (Contact & { offer: { offerId: string; agentId: string; expiresAt: string } | null })[]
      }>(`/api/v1/agents/${this.agentId}/contacts`, { token: this.token }),
    ])
    this.agentName = agent.name
    this.channels = agent.channels
    this.offers.clear()
    const open = new Set<string>()
    for (const c of mine.contacts) {
      if (c.state === 'offered' && c.offer?.agentId === this.agentId)
        this.offers.set(c.offer.offerId, {
          offerId: c.offer.offerId,
          contactId: c.id,
          queueId: c.queueId,
          expiresAt: Date.parse(c.offer.expiresAt),
          customer: c.customer.name,
          ...(c.customer.phone ? { phone: c.customer.phone } : {}),
          channel: c.channel,
          relatedContactId: c.relatedContactId,
        })
      if (c.state === 'connected' || c.state === 'wrap_up') {
        open.add(c.id)
        await this.load(c.id)
      }
    }
    for (const id of this.contacts.keys()) if (!open.has(id)) this.contacts.delete(id)
    this.changed()
  }

  private async load(contactId: string): Promise<void> {
    const r = await this.api<ContactRecord>(`/api/v1/contacts/${contactId}`, { token: this.token })
    const read = r.timeline.filter((e) => e.type === 'MessagesRead' && e.by === 'customer')
    this.contacts.set(contactId, {
      ...r,
      messages: r.messages,
      customerReadUpTo: Math.max(0, ...read.map((e) => e.upToSeq ?? 0)),
      customerTypingUntil: 0,
    })
    const last = r.timeline[r.timeline.length - 1]
    if (last) this.lastSeq = Math.max(this.lastSeq, last.seq)
  }

  private connect(attempt: number): void {
    if (this.closed) return
    const after = this.lastSeq > 0 ? `&after=${this.lastSeq}` : ''
    const ws = new WebSocket(`${this.wsBase}/api/v1/stream?token=${encodeURIComponent(this.token)}${after}`)
    this.socket = ws
    let opened = false
    ws.onopen = () => {
      opened = true
      this.connection = 'online'
      // Whatever happened while we were away and is older than the stream's memory.
      if (attempt > 0) void this.resync().catch(() => undefined)
      this.changed()
    }
    ws.onmessage = (m) => {
      const frame = JSON.parse(String(m.data)) as {
        type: string
        events?: Ev[]
        contactId?: string
        from?: string
      }
      // One at a time, in order: an event's handler may fetch, and the next must see its result.
      if (frame.type === 'events')
        for (const e of frame.events ?? [])
          this.applying = this.applying.then(() => this.apply(e)).catch(() => undefined)
      // In line with the events: the chat it is for may still be being fetched (just accepted).
      const contactId = frame.contactId
      if (frame.type === 'typing' && frame.from === 'customer' && contactId)
        this.applying = this.applying
          .then(() => {
            const c = this.contacts.get(contactId)
            if (!c) return
            c.customerTypingUntil = Date.now() + TYPING_MS
            this.changed()
            setTimeout(() => this.changed(), TYPING_MS + 50)
          })
          .catch(() => undefined)
    }
    ws.onclose = (ev) => {
      if (this.closed) return
      console.warn(`event stream closed (${ev.code}${ev.reason ? ` ${ev.reason}` : ''}); reconnecting`)
      this.connection = 'reconnecting'
      this.changed()
      setTimeout(() => this.connect(opened ? 1 : attempt + 1), backoff(opened ? 0 : attempt))
    }
  }

  private async apply(e: Ev): Promise<void> {
    if (e.seq <= this.lastSeq) return
    this.lastSeq = e.seq
    const c = e.contactId ? this.contacts.get(e.contactId) : undefined
    switch (e.type) {
      case 'AgentStateChanged':
        if (e.agentId === this.agentId) {
          const agent = await this.api<{ channels: Record<string, ChannelState> }>(
            `/api/v1/agents/${this.agentId}`,
            {
              token: this.token,
            },
          )
          this.channels = agent.channels
        }
        break
      case 'ContactOffered': {
        if (e.agentId !== this.agentId || !e.offerId || !e.contactId) break
        const offer: Offer = {
          offerId: e.offerId,
          contactId: e.contactId,
          queueId: e.queueId ?? '',
          expiresAt: Date.parse(e.expiresAt ?? e.at),
          customer: '…',
          channel: 'chat',
        }
        this.offers.set(e.offerId, offer)
        const r = await this.api<ContactRecord>(`/api/v1/contacts/${e.contactId}`, {
          token: this.token,
        }).catch(() => null)
        if (r)
          Object.assign(offer, {
            customer: r.customer.name,
            phone: r.customer.phone,
            channel: r.channel,
            relatedContactId: r.relatedContactId,
          })
        break
      }
      case 'OfferRejected':
      case 'OfferTimedOut':
      case 'OfferRescinded':
        if (e.offerId) this.offers.delete(e.offerId)
        break
      case 'ContactConnected':
        for (const [id, o] of this.offers) if (o.contactId === e.contactId) this.offers.delete(id)
        if (e.agentId === this.agentId && e.contactId) await this.load(e.contactId)
        break
      case 'MessagePosted':
        if (c && e.messageId && !c.messages.some((m) => m.id === e.messageId))
          c.messages = [
            ...c.messages,
            {
              id: e.messageId,
              seq: e.messageSeq ?? 0,
              from: e.from ?? 'system',
              text: e.text ?? '',
              attachment: e.attachment ?? null,
              at: e.at,
            },
          ]
        if (c && e.from === 'customer') c.customerTypingUntil = 0
        break
      case 'MessagesRead':
        if (c && e.by === 'customer') c.customerReadUpTo = Math.max(c.customerReadUpTo, e.upToSeq ?? 0)
        break
      case 'ContactEnded':
        if (c) c.state = e.state ?? 'wrap_up'
        for (const [id, o] of this.offers) if (o.contactId === e.contactId) this.offers.delete(id)
        break
      case 'ContactClosed':
      case 'ContactTransferred':
        if (e.contactId) this.contacts.delete(e.contactId)
        break
    }
    this.changed()
  }

  // ---- commands ----------------------------------------------------------------------------

  private async run(fn: () => Promise<unknown>): Promise<void> {
    this.error = null
    try {
      await fn()
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err)
    }
    this.changed()
  }

  setState(channel: string, state: ChannelState['state'], reason?: string): Promise<void> {
    return this.run(async () => {
      const a = await this.api<{ channels: Record<string, ChannelState> }>(
        `/api/v1/agents/${this.agentId}/channels/${channel}`,
        { method: 'PUT', token: this.token, body: { state, ...(reason ? { reason } : {}) } },
      )
      this.channels = a.channels
    })
  }

  answer(offerId: string, accept: boolean): Promise<void> {
    return this.run(async () => {
      await this.api(`/api/v1/offers/${offerId}/${accept ? 'accept' : 'reject'}`, {
        method: 'POST',
        token: this.token,
      })
      this.offers.delete(offerId)
    })
  }

  send(contactId: string, text: string, clientMessageId: string): Promise<void> {
    return this.run(() =>
      this.api(`/api/v1/contacts/${contactId}/messages`, {
        token: this.token,
        body: { text, clientMessageId },
      }),
    )
  }

  attach(contactId: string, file: File): Promise<void> {
    return this.run(() =>
      this.api(`/api/v1/contacts/${contactId}/attachments?name=${encodeURIComponent(file.name)}`, {
        token: this.token,
        raw: file,
      }),
    )
  }

  typing(contactId: string): void {
    void this.api(`/api/v1/contacts/${contactId}/typing`, { method: 'POST', token: this.token }).catch(
      () => undefined,
    )
  }

  markRead(contactId: string, upToSeq: number): void {
    void this.api(`/api/v1/contacts/${contactId}/read`, { token: this.token, body: { upToSeq } }).catch(
      () => undefined,
    )
  }

  end(contactId: string): Promise<void> {
    return this.run(async () => {
      await this.api(`/api/v1/contacts/${contactId}/end`, { method: 'POST', token: this.token })
      const c = this.contacts.get(contactId)
      if (c) c.state = 'wrap_up'
    })
  }

  /** Has the server call `to`: the agent's phone rings first, then the number. */
  callOut(to: string, phone: Softphone | null): Promise<void> {
    const ask = () => this.api('/api/v1/calls', { token: this.token, body: { to } })
    return this.run(() => (phone ? phone.callOut(to, ask) : ask()))
  }

  wrapUp(contactId: string, code: string | null, notes: string): Promise<void> {
    return this.run(async () => {
      await this.api(`/api/v1/contacts/${contactId}/wrap-up`, {
        token: this.token,
        body: { ...(code ? { code } : {}), ...(notes ? { notes } : {}) },
      })
      this.contacts.delete(contactId)
    })
  }

  transfer(contactId: string, target: { queueId: string } | { agentId: string }): Promise<void> {
    return this.run(async () => {
      await this.api(`/api/v1/contacts/${contactId}/transfer`, { token: this.token, body: target })
      this.contacts.delete(contactId)
    })
  }

  async fileUrl(contactId: string, a: Attachment): Promise<string> {
    const res = await fetch(`/api/v1/contacts/${contactId}/attachments/${a.id}`, {
      headers: { authorization: `Bearer ${this.token}` },
    })
    return URL.createObjectURL(await res.blob())
  }
}
