import { BrowserCall } from './browser-call.js'
import type { Attachment } from '../shared/parts.js'
import type { ChatView, Message, PollResult, Stored } from './model.js'
import type { Request } from '../shared/http.js'
import { ApiError, backoff, sleep, uid } from '../shared/http.js'

const ENDED = new Set(['wrap_up', 'closed', 'abandoned', 'timed_out', 'rejected'])
const TYPING_EVERY_MS = 3000

export type { Attachment }
export type { ChatView, Message } from './model.js'

/**
 * One customer chat: a long-poll loop that resumes from the last seq it saw (after a network
 * drop or a page reload), and sends that survive retries without being posted twice.
 */

export class ChatSession {
  view: ChatView = {
    state: 'queued',
    position: 0,
    waitSeconds: 0,
    agentName: null,
    agentTyping: false,
    messages: [],
    readUpTo: 0,
    connection: 'online',
  }
  private stopped = false
  private lastTyping = 0
  private readSent = 0
  private readonly seen = new Set<string>()

  private constructor(
    private readonly api: Request,
    private readonly stored: Stored,
    private readonly storageKey: string,
    private readonly onChange: (v: ChatView) => void,
  ) {}

  static resume(api: Request, storageKey: string, onChange: (v: ChatView) => void): ChatSession | undefined {
    const raw = sessionStorage.getItem(storageKey)
    if (!raw) return undefined
    try {
      // A reload resumes from the start of the transcript: the poll replays it in order.
      const s = { ...(JSON.parse(raw) as Stored), lastSeq: 0 }
      return new ChatSession(api, s, storageKey, onChange)
    } catch {
      sessionStorage.removeItem(storageKey)
      return undefined
    }
  }

  static async start(
    api: Request,
    storageKey: string,
    entryPointId: string,
    form: { name: string; email?: string; subject?: string },
    onChange: (v: ChatView) => void,
  ): Promise<ChatSession> {
    const res = await api<{
      contactId: string
      customerToken: string
      position: number
      estimatedWaitSeconds: number
    }>(`/api/v1/entry-points/${encodeURIComponent(entryPointId)}/chats`, {
      body: {
        customer: { name: form.name, ...(form.email ? { email: form.email } : {}) },
        ...(form.subject ? { subject: form.subject } : {}),
      },
    })
    const stored: Stored = { contactId: res.contactId, customerToken: res.customerToken, lastSeq: 0 }
    sessionStorage.setItem(storageKey, JSON.stringify(stored))
    const s = new ChatSession(api, stored, storageKey, onChange)
    s.view = { ...s.view, position: res.position, waitSeconds: res.estimatedWaitSeconds }
    return s
  }

  get contactId(): string {
    return this.stored.contactId
  }

  /** A call from the browser joined to this chat ("Call us"), not yet started. */
  call(base: string, speaker: HTMLAudioElement, changed: () => void): BrowserCall {
    return new BrowserCall(this.api, base, this.stored.contactId, this.stored.customerToken, speaker, changed)
  }

  get ended(): boolean {
    return ENDED.has(this.view.state)
  }

  run(): void {
    void this.loop()
  }

  stop(): void {
    this.stopped = true
  }

  forget(): void {
    this.stop()
    sessionStorage.removeItem(this.storageKey)
  }

  private set(patch: Partial<ChatView>): void {
    this.view = { ...this.view, ...patch }
    this.onChange(this.view)
  }

  private async loop(): Promise<void> {
    let failures = 0
    while (!this.stopped) {
      try {
        const r = await this.api<PollResult>(
          `/api/v1/chats/${this.stored.contactId}/events?after=${this.stored.lastSeq}&wait=25`,
          { token: this.stored.customerToken },
        )
        failures = 0
        this.apply(r)
        if (this.ended) return
      } catch (e) {
        // The chat is gone (token expired, unknown contact): nothing to resume.
        if (e instanceof ApiError && (e.status === 401 || e.status === 403 || e.status === 404)) {
          this.set({ state: 'closed' })
          return
        }
        this.set({ connection: 'reconnecting' })
        await sleep(backoff(failures++))
      }
    }
  }

  private apply(r: PollResult): void {
    let messages = this.view.messages
    let { agentName, readUpTo } = this.view
    for (const e of r.events) {
      if (e.type === 'ContactConnected' && e.agentName) agentName = e.agentName
      if (e.type === 'MessagesRead' && e.by === 'agent') readUpTo = Math.max(readUpTo, e.upToSeq ?? 0)
      if (e.type !== 'MessagePosted' || !e.messageId || this.seen.has(e.messageId)) continue
      this.seen.add(e.messageId)
      const m: Message = {
        key: e.messageId,
        from: e.from ?? 'system',
        agentName: e.agentName ?? null,
        text: e.text ?? '',
        attachment: e.attachment ?? null,
        at: e.at,
        messageSeq: e.messageSeq,
      }
      // Our own message comes back: it replaces the pending copy, in the server's order.
      messages = messages.filter((x) => !(x.pending && e.clientMessageId && x.key === e.clientMessageId))
      messages = [...messages, m]
    }
    this.stored.lastSeq = r.lastSeq
    sessionStorage.setItem(this.storageKey, JSON.stringify({ ...this.stored, lastSeq: 0 }))
    this.set({
      messages,
      agentName,
      readUpTo,
      state: r.state,
      position: r.position,
      waitSeconds: r.estimatedWaitSeconds,
      agentTyping: r.agentTyping,
      connection: 'online',
    })
  }

  /** Sends with a client id: retried until the server has it, posted once whatever happens. */
  async send(text: string): Promise<void> {
    const key = uid()
    this.set({
      messages: [
        ...this.view.messages,
        {
          key,
          from: 'customer',
          agentName: null,
          text,
          attachment: null,
          at: new Date().toISOString(),
          pending: true,
        },
      ],
    })
    for (let attempt = 0; attempt < 6; attempt++) {
      try {
        await this.api(`/api/v1/chats/${this.stored.contactId}/messages`, {
          token: this.stored.customerToken,
          body: { text, clientMessageId: key },
        })
        return
      } catch (e) {
        if (e instanceof ApiError && e.status < 500 && e.status !== 429) break
        await sleep(backoff(attempt))
      }
    }
    this.set({ messages: this.view.messages.map((m) => (m.key === key ? { ...m, failed: true } : m)) })
  }

  async attach(file: File): Promise<void> {
    await this.api(
      `/api/v1/chats/${this.stored.contactId}/attachments?name=${encodeURIComponent(file.name)}&clientMessageId=${uid()}`,
      { token: this.stored.customerToken, raw: file },
    )
  }

  attachmentUrl(a: Attachment): string {
    return `/api/v1/chats/${this.stored.contactId}/attachments/${a.id}`
  }

  /** The bytes of a file as a blob URL: downloads need the token, which a plain link cannot send. */
  async fetchAttachment(base: string, a: Attachment): Promise<string> {
    const res = await fetch(base + this.attachmentUrl(a), {
      headers: { authorization: `Bearer ${this.stored.customerToken}` },
    })
    return URL.createObjectURL(await res.blob())
  }

  typing(): void {
    const now = Date.now()
    if (now - this.lastTyping < TYPING_EVERY_MS || this.view.state !== 'connected') return
    this.lastTyping = now
    void this.api(`/api/v1/chats/${this.stored.contactId}/typing`, {
      method: 'POST',
      token: this.stored.customerToken,
    }).catch(() => undefined)
  }

  /** Read receipt for what is on screen. */
  markRead(): void {
    const last = [...this.view.messages].reverse().find((m) => m.from === 'agent' && m.messageSeq)
    if (!last?.messageSeq || last.messageSeq <= this.readSent) return
    this.readSent = last.messageSeq
    void this.api(`/api/v1/chats/${this.stored.contactId}/read`, {
      token: this.stored.customerToken,
      body: { upToSeq: last.messageSeq },
    }).catch(() => undefined)
  }

  async end(): Promise<void> {
    const r = await this.api<{ state: string }>(`/api/v1/chats/${this.stored.contactId}/end`, {
      method: 'POST',
      token: this.stored.customerToken,
    })
    this.set({ state: r.state })
  }

  async survey(rating: number, comment: string): Promise<void> {
    const answers = [{ question: 'rating', answer: String(rating) }]
    if (comment.trim()) answers.push({ question: 'comment', answer: comment.trim() })
    await this.api(`/api/v1/chats/${this.stored.contactId}/survey`, {
      token: this.stored.customerToken,
      body: { answers },
    })
  }
}
