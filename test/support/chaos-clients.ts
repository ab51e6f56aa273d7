import { randomUUID } from 'node:crypto'
import { mulberry32 } from '../../src/core/random.js'

/** What the cluster acknowledged to its clients: each must be in the database afterwards. */
export interface Acknowledged {
  readonly contacts: { tenantId: string; contactId: string }[]
  readonly messages: { tenantId: string; contactId: string; messageId: string }[]
  readonly surveys: { tenantId: string; contactId: string }[]
  readonly closed: { tenantId: string; contactId: string }[]
  readonly accepted: { tenantId: string; contactId: string; offerId: string; agentId: string }[]
  readonly states: { tenantId: string; agentId: string; state: string; sentAt: number; ackedAt: number }[]
}

interface Answer<T> {
  readonly status: number
  readonly json: T
}

interface ContactView {
  id: string
  state: string
  agentId: string | null
  offer: { offerId: string; agentId: string } | null
  connectedAt: string | null
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
// A frozen node holds a request for twice the lease; a client gives up later than that.
const REQUEST_TIMEOUT_MS = 15_000

/**
 * Customers and agents of several tenants behind a load balancer that spreads every request over
 * the nodes that run. A request whose node died, froze past the client's patience or answered
 * 5xx is sent again to another node; only an answer in the 2xx range counts as acknowledged.
 */
export class ChaosClients {
  readonly acked: Acknowledged = {
    contacts: [],
    messages: [],
    surveys: [],
    closed: [],
    accepted: [],
    states: [],
  }
  /** Requests that got no 2xx after every retry (counted, not fatal: the node may be gone). */
  failures = 0
  private arriving = true
  private running = true
  private readonly loops: Promise<void>[] = []
  private readonly rng: () => number

  constructor(
    private readonly urls: () => string[],
    private readonly tenants: readonly { id: string; agents: readonly string[]; entryPointId: string }[],
    private readonly password: string,
    seed: number,
  ) {
    this.rng = mulberry32(seed)
  }

  start(customerEveryMs: number): void {
    for (const t of this.tenants) {
      for (const a of t.agents) this.loops.push(this.agent(t.id, a))
      this.loops.push(this.arrivals(t.id, t.entryPointId, customerEveryMs))
    }
  }

  /** No new customers; agents finish what they hold, customers leave and answer their surveys. */
  async finish(): Promise<void> {
    this.arriving = false
    await Promise.all(this.customers)
    this.running = false
    await Promise.all(this.loops)
  }

  private readonly customers: Promise<void>[] = []

  private async arrivals(tenantId: string, entryPointId: string, everyMs: number): Promise<void> {
    for (let n = 1; this.arriving; n++) {
      this.customers.push(this.customer(tenantId, entryPointId, n))
      await sleep(everyMs * (0.5 + this.rng()))
    }
  }

  private async customer(tenantId: string, entryPointId: string, n: number): Promise<void> {
    const start = await this.send<{ contactId: string; customerToken: string }>(
      'POST',
      `/api/v1/entry-points/${entryPointId}/chats`,
      { tenant: tenantId, body: { customer: { name: `Chaos ${tenantId} ${n}` } }, retry: false },
    )
    if (start.status !== 201) return
    const { contactId, customerToken: token } = start.json
    this.acked.contacts.push({ tenantId, contactId })
    await this.message(tenantId, contactId, `/api/v1/chats/${contactId}/messages`, token, 'Hello?')
    // The customer stays until the agent ends the chat, or leaves after a while.
    const leaveAt = Date.now() + 8_000 + this.rng() * 12_000
    for (;;) {
      const chat = await this.send<{ state: string }>('GET', `/api/v1/chats/${contactId}`, { token })
      const over = ['ended', 'wrap_up', 'closed', 'abandoned', 'timed_out'].includes(chat.json.state)
      if (!over && Date.now() < leaveAt && this.running) {
        await sleep(500)
        continue
      }
      if (!over) await this.send('POST', `/api/v1/chats/${contactId}/end`, { token })
      const survey = await this.send('POST', `/api/v1/chats/${contactId}/survey`, {
        token,
        body: { answers: [{ question: 'How did we do?', answer: String(1 + Math.floor(this.rng() * 5)) }] },
      })
      if (survey.status === 204) this.acked.surveys.push({ tenantId, contactId })
      return
    }
  }

  private async message(
    tenantId: string,
    contactId: string,
    path: string,
    token: string,
    text: string,
  ): Promise<void> {
    // The same client id on every retry: a message is posted once however often it is sent.
    const clientMessageId = randomUUID()
    const posted = await this.send<{ messageId: string }>('POST', path, {
      token,
      body: { text, clientMessageId },
    })
    if (posted.status === 201)
      this.acked.messages.push({ tenantId, contactId, messageId: posted.json.messageId })
  }

  /** An agent desktop: it shows the agent's contacts and acts on them, and takes a break now and then. */
  private async agent(tenantId: string, username: string): Promise<void> {
    let token = ''
    while (!token) {
      const login = await this.send<{ token: string }>('POST', '/api/v1/login', {
        body: { username, password: this.password, tenant: tenantId },
      })
      if (login.status === 200) token = login.json.token
      else await sleep(500)
    }
    const agentId = username
    const setState = async (state: string): Promise<void> => {
      const sentAt = Date.now()
      const r = await this.send('PUT', `/api/v1/agents/${agentId}/channels/chat`, { token, body: { state } })
      if (r.status === 200) this.acked.states.push({ tenantId, agentId, state, sentAt, ackedAt: Date.now() })
    }
    await setState('ready')
    const greeted = new Set<string>()
    let breakAt = Date.now() + 10_000 + this.rng() * 20_000
    for (;;) {
      const mine = await this.send<{ contacts: ContactView[] }>('GET', `/api/v1/agents/${agentId}/contacts`, {
        token,
      })
      const contacts = mine.status === 200 ? mine.json.contacts : []
      if (!this.running && contacts.length === 0) break
      for (const c of contacts) await this.work(tenantId, agentId, token, c, greeted)
      if (this.running && Date.now() > breakAt) {
        await setState('not_ready')
        await sleep(500 + this.rng() * 1500)
        await setState('ready')
        breakAt = Date.now() + 10_000 + this.rng() * 20_000
      }
      if (!this.running) await setState('not_ready')
      await sleep(200 + this.rng() * 300)
    }
    await setState('logged_out')
  }

  private async work(
    tenantId: string,
    agentId: string,
    token: string,
    c: ContactView,
    greeted: Set<string>,
  ): Promise<void> {
    if (c.state === 'offered' && c.offer?.agentId === agentId) {
      const r = await this.send('POST', `/api/v1/offers/${c.offer.offerId}/accept`, { token })
      if (r.status === 200)
        this.acked.accepted.push({ tenantId, contactId: c.id, offerId: c.offer.offerId, agentId })
    } else if (c.state === 'connected') {
      if (!greeted.has(c.id)) {
        greeted.add(c.id)
        await this.message(tenantId, c.id, `/api/v1/contacts/${c.id}/messages`, token, 'How can I help?')
      }
      const talked = Date.now() - Date.parse(c.connectedAt ?? '')
      if (!this.running || talked > 1_000 + this.rng() * 4_000)
        await this.send('POST', `/api/v1/contacts/${c.id}/end`, { token })
    } else if (c.state === 'wrap_up') {
      const r = await this.send('POST', `/api/v1/contacts/${c.id}/wrap-up`, {
        token,
        body: { code: 'chaos' },
      })
      if (r.status === 200) this.acked.closed.push({ tenantId, contactId: c.id })
    }
  }

  /**
   * One request through the "load balancer": a random running node, and another one on a
   * connection error, a timeout or a 5xx. `retry: false` for a request that is not idempotent.
   */
  private async send<T = Record<string, unknown>>(
    method: string,
    path: string,
    o: { token?: string; body?: unknown; tenant?: string; retry?: boolean },
  ): Promise<Answer<T>> {
    for (let attempt = 0; ; attempt++) {
      const urls = this.urls()
      const base = urls[Math.floor(this.rng() * urls.length)]
      let answer: Answer<T> | undefined
      if (base)
        try {
          const res = await fetch(base + path, {
            method,
            headers: {
              ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
              ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
              ...(o.tenant ? { 'x-tenant': o.tenant } : {}),
            },
            body: o.body === undefined ? null : JSON.stringify(o.body),
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          })
          answer = { status: res.status, json: (await res.json().catch(() => ({}))) as T }
        } catch {
          answer = undefined
        }
      if (answer && answer.status < 500) return answer
      if (o.retry === false || attempt >= 20) {
        this.failures++
        return answer ?? { status: 0, json: {} as T }
      }
      await sleep(250)
    }
  }
}
