import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { databases } from '../support/databases.js'
import type { Harness } from '../support/harness.js'
import { startHarness } from '../support/harness.js'

interface Ev {
  seq: number
  type: string
  offerId?: string
  contactId?: string
  text?: string
  from?: string
}

for (const db of databases()) {
  describe(`${db.name}: a chat from start to wrap-up over the native API`, () => {
    let h: Harness
    beforeEach(async () => {
      h = await startHarness(db)
    })
    afterEach(async () => {
      await h.close()
    })

    const auth = (token: string) => ({ authorization: `Bearer ${token}` })
    const ready = (token: string, agentId: string, state = 'ready') =>
      h.app.inject({
        method: 'PUT',
        url: `/api/v1/agents/${agentId}/channels/chat`,
        headers: auth(token),
        payload: { state },
      })
    const startChat = (ep = '1000', name = 'Ann') =>
      h.app.inject({
        method: 'POST',
        url: `/api/v1/entry-points/${ep}/chats`,
        payload: { customer: { name }, subject: 'Order 42' },
      })
    const agentEvents = async (token: string, agentId: string, after = 0) =>
      (
        await h.app.inject({ url: `/api/v1/agents/${agentId}/events?after=${after}`, headers: auth(token) })
      ).json() as { events: Ev[]; lastSeq: number }
    const offersTo = async (token: string, agentId: string) =>
      (await agentEvents(token, agentId)).events.filter((e) => e.type === 'ContactOffered')

    it('routes to the agent available longest, carries messages both ways, and wrap-up frees the agent', async () => {
      const t1 = await h.login('agent1')
      const t2 = await h.login('agent2')
      expect((await ready(t1, 'agent1')).statusCode).toBe(200)
      await h.advance(1000)
      expect((await ready(t2, 'agent2')).statusCode).toBe(200)

      const start = await startChat()
      expect(start.statusCode).toBe(201)
      const chat = start.json() as {
        contactId: string
        customerToken: string
        state: string
        position: number
      }
      expect(chat.state).toBe('offered')

      const [offer] = await offersTo(t1, 'agent1')
      expect(offer?.contactId).toBe(chat.contactId)
      expect(await offersTo(t2, 'agent2')).toEqual([])

      const accept = await h.app.inject({
        method: 'POST',
        url: `/api/v1/offers/${offer!.offerId}/accept`,
        headers: auth(t1),
      })
      expect(accept.json()).toMatchObject({ state: 'connected', agentId: 'agent1' })

      const customer = auth(chat.customerToken)
      expect(
        (
          await h.app.inject({
            method: 'POST',
            url: `/api/v1/chats/${chat.contactId}/messages`,
            headers: customer,
            payload: { text: 'Where is my order?' },
          })
        ).statusCode,
      ).toBe(201)
      expect(
        (
          await h.app.inject({
            method: 'POST',
            url: `/api/v1/contacts/${chat.contactId}/messages`,
            headers: auth(t1),
            payload: { text: 'On its way.' },
          })
        ).statusCode,
      ).toBe(201)

      const forAgent = (await agentEvents(t1, 'agent1')).events
        .filter((e) => e.type === 'MessagePosted')
        .map((e) => [e.from, e.text])
      expect(forAgent).toEqual([
        ['customer', 'Where is my order?'],
        ['agent', 'On its way.'],
      ])
      const forCustomer = (
        await h.app.inject({ url: `/api/v1/chats/${chat.contactId}/events?after=0`, headers: customer })
      ).json() as { events: (Ev & { agentName?: string })[] }
      expect(forCustomer.events.map((e) => e.type)).toEqual([
        'ContactQueued',
        'ContactConnected',
        'MessagePosted',
        'MessagePosted',
      ])
      expect(forCustomer.events[1]).toMatchObject({ agentName: 'Alice Agent' })
      expect(JSON.stringify(forCustomer)).not.toContain('decision')

      const end = await h.app.inject({
        method: 'POST',
        url: `/api/v1/contacts/${chat.contactId}/end`,
        headers: auth(t1),
      })
      expect(end.json()).toMatchObject({ state: 'wrap_up' })
      const busy = (await h.app.inject({ url: '/api/v1/agents/agent1', headers: auth(t1) })).json() as {
        channels: { chat: { activeTasks: number } }
      }
      expect(busy.channels.chat.activeTasks).toBe(1)
      const wrap = await h.app.inject({
        method: 'POST',
        url: `/api/v1/contacts/${chat.contactId}/wrap-up`,
        headers: auth(t1),
        payload: { code: 'resolved', notes: 'shipped' },
      })
      expect(wrap.json()).toMatchObject({ state: 'closed', wrapUp: { code: 'resolved', notes: 'shipped' } })
      const free = (await h.app.inject({ url: '/api/v1/agents/agent1', headers: auth(t1) })).json() as {
        channels: { chat: { activeTasks: number } }
      }
      expect(free.channels.chat.activeTasks).toBe(0)

      const record = (
        await h.app.inject({ url: `/api/v1/contacts/${chat.contactId}`, headers: auth(t1) })
      ).json() as {
        timeline: Ev[]
        decisions: { chosenAgentId: string; rule: string; candidates: { agentId: string }[] }[]
        messages: unknown[]
      }
      expect(record.timeline.map((e) => e.type)).toEqual([
        'ContactQueued',
        'ContactOffered',
        'ContactConnected',
        'MessagePosted',
        'MessagePosted',
        'ContactEnded',
        'ContactClosed',
      ])
      expect(record.decisions[0]).toMatchObject({
        chosenAgentId: 'agent1',
        rule: expect.stringContaining('longest_available'),
      })
      expect(record.decisions[0]!.candidates.map((c) => c.agentId)).toEqual(['agent1', 'agent2'])
      expect(record.messages).toHaveLength(2)
    })

    it('masks card numbers before a message is stored or delivered', async () => {
      const t1 = await h.login('agent1')
      await ready(t1, 'agent1')
      const chat = (await startChat()).json() as { contactId: string; customerToken: string }
      const [offer] = await offersTo(t1, 'agent1')
      await h.app.inject({
        method: 'POST',
        url: `/api/v1/offers/${offer!.offerId}/accept`,
        headers: auth(t1),
      })
      const sent = await h.app.inject({
        method: 'POST',
        url: `/api/v1/chats/${chat.contactId}/messages`,
        headers: { authorization: `Bearer ${chat.customerToken}` },
        payload: { text: 'card 4111 1111 1111 1234 exp 12/29' },
      })
      expect(sent.json()).toMatchObject({ text: 'card **** **** **** 1234 exp 12/29' })
      const seen = (await agentEvents(t1, 'agent1')).events.filter((e) => e.type === 'MessagePosted')
      expect(seen.map((e) => e.text)).toEqual(['card **** **** **** 1234 exp 12/29'])
      const stored = await h.sb.queries.messages('demo', chat.contactId)
      expect(JSON.stringify(stored)).not.toContain('4111')
      const events = await h.sb.queries.events('demo', { afterSeq: 0, contactId: chat.contactId, limit: 100 })
      expect(JSON.stringify(events)).not.toContain('4111')
    })

    it('queues a fourth concurrent chat, and a rejected offer returns to its original place', async () => {
      const t1 = await h.login('agent1')
      await ready(t1, 'agent1')
      const chats = []
      for (let i = 0; i < 5; i++) {
        chats.push(
          (await startChat('1000', `C${i}`)).json() as { contactId: string; state: string; position: number },
        )
        await h.advance(1000)
      }
      expect(chats.map((c) => c.state)).toEqual(['offered', 'offered', 'offered', 'queued', 'queued'])
      expect(chats[3]!.position).toBe(1)
      expect(chats[4]!.position).toBe(2)

      const offers = await offersTo(t1, 'agent1')
      const reject = await h.app.inject({
        method: 'POST',
        url: `/api/v1/offers/${offers[0]!.offerId}/reject`,
        headers: auth(t1),
        payload: { reason: 'busy' },
      })
      expect(reject.json()).toMatchObject({ state: 'queued' })
      // The freed slot goes to the next in line; the rejected chat (the oldest) is now first in line.
      const first = (
        await h.app.inject({
          url: `/api/v1/chats/${chats[0]!.contactId}/events`,
          headers: {
            authorization: `Bearer ${(chats[0] as unknown as { customerToken: string }).customerToken}`,
          },
        })
      ).json() as {
        position: number
        state: string
      }
      expect(first).toMatchObject({ state: 'queued', position: 1 })
      const stats = (await h.app.inject({ url: '/api/v1/queues/support/stats', headers: auth(t1) })).json()
      expect(stats).toMatchObject({ waiting: 2, agentsReady: 1, availableSlots: 0, oldestWaitSeconds: 5 })
    })

    it('requeues a timed-out offer at its place and marks the agent not responding after two misses', async () => {
      const t1 = await h.login('agent1')
      await ready(t1, 'agent1')
      const chat = (await startChat()).json() as { contactId: string }
      await h.advance(30_001)
      const contact = (
        await h.app.inject({
          url: `/api/v1/contacts/${chat.contactId}`,
          headers: auth(await h.login('supervisor')),
        })
      ).json() as { state: string; timeline: Ev[] }
      expect(contact.state).toBe('queued')
      expect(contact.timeline.map((e) => e.type)).toContain('OfferTimedOut')
      const late = await h.app.inject({
        method: 'POST',
        url: `/api/v1/offers/${(await offersTo(t1, 'agent1'))[0]!.offerId}/accept`,
        headers: auth(t1),
      })
      expect(late.statusCode).toBe(409)
      expect(late.json()).toMatchObject({ error: { code: 'OFFER_EXPIRED' } })
      // The hold on re-offering to the same agent lapses; it misses again and is marked not responding.
      await h.advance(60_000)
      await h.advance(30_001)
      const me = (await h.app.inject({ url: '/api/v1/agents/agent1', headers: auth(t1) })).json()
      expect(me).toMatchObject({
        channels: { chat: { state: 'ready', routable: false, notResponding: true } },
      })
    })

    it('long-polls until an offer arrives', async () => {
      const t1 = await h.login('agent1')
      await ready(t1, 'agent1')
      const { lastSeq } = await agentEvents(t1, 'agent1')
      const poll = h.app.inject({
        url: `/api/v1/agents/agent1/events?after=${lastSeq}&wait=20`,
        headers: auth(t1),
      })
      await startChat()
      const res = (await poll).json() as { events: Ev[] }
      expect(res.events.map((e) => e.type)).toContain('ContactOffered')
    })

    it('keeps a waiting chat, its enqueue time and its messages across a restart', async () => {
      const t1 = await h.login('agent1')
      await ready(t1, 'agent1')
      await ready(t1, 'agent1', 'not_ready')
      // Nobody ready: the chat is refused; with agent2 ready but full, it waits.
      expect((await startChat()).json()).toMatchObject({ error: { code: 'NO_AGENT_AVAILABLE' } })
      const t2 = await h.login('agent2')
      await ready(t2, 'agent2')
      for (let i = 0; i < 3; i++) await startChat()
      for (const o of await offersTo(t2, 'agent2'))
        await h.app.inject({ method: 'POST', url: `/api/v1/offers/${o.offerId}/accept`, headers: auth(t2) })
      const waiting = (await startChat('1000', 'Patient')).json() as {
        contactId: string
        customerToken: string
        state: string
      }
      expect(waiting.state).toBe('queued')
      await h.app.inject({
        method: 'POST',
        url: `/api/v1/chats/${waiting.contactId}/messages`,
        headers: auth(waiting.customerToken),
        payload: { text: 'still here' },
      })
      const before = (
        await h.app.inject({
          url: `/api/v1/contacts/${waiting.contactId}`,
          headers: auth(await h.login('supervisor')),
        })
      ).json() as { enqueuedAt: string }

      h = await h.restart()
      const sup = await h.login('supervisor')
      const after = (
        await h.app.inject({ url: `/api/v1/contacts/${waiting.contactId}`, headers: auth(sup) })
      ).json() as { state: string; enqueuedAt: string; messages: { text: string }[] }
      expect(after).toMatchObject({ state: 'queued', enqueuedAt: before.enqueuedAt })
      expect(after.messages.map((m) => m.text)).toEqual(['still here'])
      // Agent states were restored: agent2 is still ready with its three chats.
      expect((await h.app.inject({ url: '/api/v1/agents/agent2', headers: auth(sup) })).json()).toMatchObject(
        {
          channels: { chat: { state: 'ready', activeTasks: 3 } },
        },
      )
    })
  })
}
