import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { databases } from '../support/databases.js'
import type { Harness } from '../support/harness.js'
import { startHarness } from '../support/harness.js'

// A 1×1 PNG: real image bytes, so the type check sees a picture.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)

interface Ev {
  seq: number
  type: string
  offerId?: string
  contactId?: string
  by?: string
  upToSeq?: number
  attachment?: { id: string; name: string; contentType: string; size: number } | null
}

interface Chat {
  contactId: string
  customerToken: string
}

for (const db of databases()) {
  describe(`${db.name}: chat features`, () => {
    let h: Harness
    beforeEach(async () => {
      h = await startHarness(db)
    })
    afterEach(async () => {
      await h.close()
    })

    const auth = (token: string) => ({ authorization: `Bearer ${token}` })
    const ready = (token: string, agentId: string, channel = 'chat') =>
      h.app.inject({
        method: 'PUT',
        url: `/api/v1/agents/${agentId}/channels/${channel}`,
        headers: auth(token),
        payload: { state: 'ready' },
      })
    const agentEvents = async (token: string, agentId: string) =>
      (
        await h.app.inject({ url: `/api/v1/agents/${agentId}/events?after=0`, headers: auth(token) })
      ).json() as {
        events: Ev[]
      }

    /** agent1 ready, a chat from `email` on 1000, accepted: the usual starting point. */
    async function connectedChat(email = 'ann@example.com'): Promise<Chat & { agent: string }> {
      const agent = await h.login('agent1')
      await ready(agent, 'agent1')
      const chat = (
        await h.app.inject({
          method: 'POST',
          url: '/api/v1/entry-points/1000/chats',
          payload: { customer: { name: 'Ann', email } },
        })
      ).json() as Chat
      const offer = (await agentEvents(agent, 'agent1')).events.find(
        (e) => e.type === 'ContactOffered' && e.contactId === chat.contactId,
      )
      await h.app.inject({
        method: 'POST',
        url: `/api/v1/offers/${offer!.offerId}/accept`,
        headers: auth(agent),
      })
      return { ...chat, agent }
    }

    const upload = (chat: Chat, body: Buffer, name = 'photo.png', token = chat.customerToken) =>
      h.app.inject({
        method: 'POST',
        url: `/api/v1/chats/${chat.contactId}/attachments?name=${encodeURIComponent(name)}`,
        headers: { ...auth(token), 'content-type': 'application/octet-stream' },
        payload: body,
      })

    it('shows typing to the other side, wakes its waiting poll, and stops when the message is sent', async () => {
      const chat = await connectedChat()
      const customer = auth(chat.customerToken)
      // Started now (an inject runs when awaited), and given a moment to be waiting.
      const poll = h.app
        .inject({ url: `/api/v1/chats/${chat.contactId}/events?after=1000000&wait=30`, headers: customer })
        .then((r) => r)
      await new Promise((r) => setTimeout(r, 100))
      const typing = await h.app.inject({
        method: 'POST',
        url: `/api/v1/contacts/${chat.contactId}/typing`,
        headers: auth(chat.agent),
      })
      expect(typing.statusCode).toBe(204)
      // Woken by the typing, not by the 30 s timeout.
      const woke = await Promise.race([
        poll,
        new Promise((r) => setTimeout(() => r('still waiting'), 10_000)),
      ])
      expect(woke).not.toBe('still waiting')
      expect((await poll).json()).toMatchObject({ events: [], agentTyping: true })

      await h.app.inject({
        method: 'POST',
        url: `/api/v1/contacts/${chat.contactId}/messages`,
        headers: auth(chat.agent),
        payload: { text: 'Hello Ann' },
      })
      const after = (
        await h.app.inject({ url: `/api/v1/chats/${chat.contactId}/events`, headers: customer })
      ).json()
      expect(after).toMatchObject({ agentTyping: false })

      // Another agent cannot type into a chat that is not theirs.
      const other = await h.login('agent2')
      const refused = await h.app.inject({
        method: 'POST',
        url: `/api/v1/contacts/${chat.contactId}/typing`,
        headers: auth(other),
      })
      expect(refused.statusCode).toBe(404)
    })

    it('records read receipts that only move forward', async () => {
      const chat = await connectedChat()
      for (const text of ['one', 'two'])
        await h.app.inject({
          method: 'POST',
          url: `/api/v1/contacts/${chat.contactId}/messages`,
          headers: auth(chat.agent),
          payload: { text },
        })
      const read = (upToSeq: number) =>
        h.app.inject({
          method: 'POST',
          url: `/api/v1/chats/${chat.contactId}/read`,
          headers: auth(chat.customerToken),
          payload: { upToSeq },
        })
      expect((await read(99)).json()).toEqual({ upToSeq: 2 })
      expect((await read(1)).json()).toEqual({ upToSeq: 2 })
      const marks = (await agentEvents(chat.agent, 'agent1')).events.filter((e) => e.type === 'MessagesRead')
      expect(marks).toMatchObject([{ by: 'customer', upToSeq: 2 }])
      expect((await read(0)).statusCode).toBe(400)
    })

    it('carries an attachment checked by its bytes, and serves it only to the chat’s parties', async () => {
      const chat = await connectedChat()
      const sent = await upload(chat, PNG)
      expect(sent.statusCode).toBe(201)
      const { attachment } = sent.json() as { attachment: { id: string; contentType: string; size: number } }
      expect(attachment).toMatchObject({ contentType: 'image/png', size: PNG.length, name: 'photo.png' })

      const seen = (await agentEvents(chat.agent, 'agent1')).events.find((e) => e.attachment)
      expect(seen?.attachment?.id).toBe(attachment.id)
      const got = await h.app.inject({
        url: `/api/v1/contacts/${chat.contactId}/attachments/${attachment.id}`,
        headers: auth(chat.agent),
      })
      expect(got.statusCode).toBe(200)
      expect(got.headers['content-type']).toBe('image/png')
      expect(got.headers['x-content-type-options']).toBe('nosniff')
      expect(got.rawPayload.equals(PNG)).toBe(true)
      const own = await h.app.inject({
        url: `/api/v1/chats/${chat.contactId}/attachments/${attachment.id}`,
        headers: auth(chat.customerToken),
      })
      expect(own.rawPayload.equals(PNG)).toBe(true)

      // agent2 never had the chat; another customer's token is for another chat.
      const outsider = await h.app.inject({
        url: `/api/v1/contacts/${chat.contactId}/attachments/${attachment.id}`,
        headers: auth(await h.login('agent2')),
      })
      expect(outsider.statusCode).toBe(404)
      const stranger = (
        await h.app.inject({
          method: 'POST',
          url: '/api/v1/entry-points/1000/chats',
          payload: { customer: { name: 'Eve' } },
        })
      ).json() as Chat
      const peek = await h.app.inject({
        url: `/api/v1/chats/${chat.contactId}/attachments/${attachment.id}`,
        headers: auth(stranger.customerToken),
      })
      expect(peek.statusCode).toBe(404)

      // The transcript of the contact record names the file.
      const record = (
        await h.app.inject({ url: `/api/v1/contacts/${chat.contactId}`, headers: auth(chat.agent) })
      ).json() as { messages: { attachment: unknown }[] }
      expect(record.messages[0]?.attachment).toMatchObject({ id: attachment.id })
      // ECE's transcript names the file too.
      const ece = await h.app.inject({
        method: 'POST',
        url: '/system/egain/chat/entrypoint/transcript',
        payload: { sid: chat.contactId },
      })
      expect(ece.body).toContain(`attachmentId="${attachment.id}" attachmentName="photo.png"`)
    })

    it('refuses files of the wrong type, too large, or where attachments are off', async () => {
      const chat = await connectedChat()
      const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0)])
      const wrong = await upload(chat, exe, 'invoice.png')
      expect(wrong.statusCode).toBe(415)
      expect(wrong.json()).toMatchObject({ error: { code: 'ATTACHMENT_TYPE_NOT_ALLOWED' } })
      const big = await upload(chat, Buffer.alloc(6 * 1024 * 1024, 0x41), 'big.txt')
      expect(big.statusCode).toBe(413)
      expect((await upload(chat, Buffer.alloc(0), 'empty.txt')).statusCode).toBe(400)
      const text = await upload(chat, Buffer.from('order 42\nthank you\n'), 'note.txt')
      expect(text.json()).toMatchObject({ attachment: { contentType: 'text/plain' } })

      // 1003 has attachments off (office hours: it is open at 10:00 London on a Monday).
      const agent = await h.login('agent2')
      await ready(agent, 'agent2')
      const off = (
        await h.app.inject({
          method: 'POST',
          url: '/api/v1/entry-points/1003/chats',
          payload: { customer: { name: 'Bo' } },
        })
      ).json() as Chat
      const refused = await upload(off, PNG)
      expect(refused.statusCode).toBe(409)
      expect(refused.json()).toMatchObject({ error: { code: 'ATTACHMENTS_DISABLED' } })
    })

    it('posts a retried message once, even across a restart (resume without duplicates)', async () => {
      const chat = await connectedChat()
      const send = () =>
        h.app.inject({
          method: 'POST',
          url: `/api/v1/chats/${chat.contactId}/messages`,
          headers: auth(chat.customerToken),
          payload: { text: 'did this arrive?', clientMessageId: 'c-1' },
        })
      const first = (await send()).json() as { messageId: string }
      expect((await send()).json()).toMatchObject({ messageId: first.messageId })
      h = await h.restart()
      expect((await send()).json()).toMatchObject({ messageId: first.messageId })

      // Resuming from any seq gives each message once, in order.
      const all = (
        await h.app.inject({
          url: `/api/v1/chats/${chat.contactId}/events?after=0`,
          headers: auth(chat.customerToken),
        })
      ).json() as { events: Ev[]; lastSeq: number }
      expect(all.events.filter((e) => e.type === 'MessagePosted')).toHaveLength(1)
      const resumed = (
        await h.app.inject({
          url: `/api/v1/chats/${chat.contactId}/events?after=${all.lastSeq}`,
          headers: auth(chat.customerToken),
        })
      ).json() as { events: Ev[] }
      expect(resumed.events).toEqual([])
    })

    it('takes a message while nobody can chat; an agent on the email channel gets it later', async () => {
      const refused = await h.app.inject({
        method: 'POST',
        url: '/api/v1/entry-points/1000/chats',
        payload: { customer: { name: 'Late' } },
      })
      expect(refused.json()).toMatchObject({ error: { code: 'NO_AGENT_AVAILABLE' } })
      const left = await h.app.inject({
        method: 'POST',
        url: '/api/v1/entry-points/1000/messages',
        payload: {
          customer: { name: 'Late', email: 'late@example.com' },
          text: 'Please call me back: 4111 1111 1111 1111',
        },
      })
      expect(left.statusCode).toBe(201)
      const { contactId } = left.json() as { contactId: string }

      const agent = await h.login('agent1')
      await ready(agent, 'agent1', 'email')
      const offer = (await agentEvents(agent, 'agent1')).events.find(
        (e) => e.type === 'ContactOffered' && e.contactId === contactId,
      )
      expect(offer).toBeDefined()
      const record = (
        await h.app.inject({ url: `/api/v1/contacts/${contactId}`, headers: auth(agent) })
      ).json() as {
        channel: string
        queueId: string
        entryPointId: string
        messages: { text: string }[]
      }
      expect(record).toMatchObject({ channel: 'email', queueId: 'messages', entryPointId: '1000' })
      // Masked like any chat message.
      expect(record.messages[0]?.text).toBe('Please call me back: **** **** **** 1111')

      const leave = (ep: string) =>
        h.app.inject({
          method: 'POST',
          url: `/api/v1/entry-points/${ep}/messages`,
          payload: { customer: { name: 'X', email: 'x@example.com' }, text: 'hi' },
        })
      expect((await leave('1002')).json()).toMatchObject({ error: { code: 'ENTRY_POINT_INACTIVE' } })
      expect((await leave('9999')).statusCode).toBe(404)
      const noEmail = await h.app.inject({
        method: 'POST',
        url: '/api/v1/entry-points/1000/messages',
        payload: { customer: { name: 'X' }, text: 'hi' },
      })
      expect(noEmail.statusCode).toBe(400)
    })

    it('stores one survey per chat, shown in the contact record', async () => {
      const chat = await connectedChat()
      const survey = () =>
        h.app.inject({
          method: 'POST',
          url: `/api/v1/chats/${chat.contactId}/survey`,
          headers: auth(chat.customerToken),
          payload: { answers: [{ question: 'How did we do?', answer: '5' }] },
        })
      // Hardening item 4 (its sibling here): not while the chat runs.
      expect((await survey()).json()).toMatchObject({ error: { code: 'CONTACT_STATE_CONFLICT' } })
      await h.app.inject({
        method: 'POST',
        url: `/api/v1/chats/${chat.contactId}/end`,
        headers: auth(chat.customerToken),
      })
      expect((await survey()).statusCode).toBe(204)
      expect((await survey()).json()).toMatchObject({ error: { code: 'SURVEY_ALREADY_SUBMITTED' } })
      const record = (
        await h.app.inject({ url: `/api/v1/contacts/${chat.contactId}`, headers: auth(chat.agent) })
      ).json() as { survey: { answers: unknown; source: string } }
      expect(record.survey).toMatchObject({
        source: 'native',
        answers: [{ question: 'How did we do?', answer: '5' }],
      })
    })

    it('offers canned responses per queue and by search, and the customer’s earlier contacts', async () => {
      const agent = await h.login('agent1')
      const list = async (query: string) =>
        (
          (await h.app.inject({ url: `/api/v1/canned-responses${query}`, headers: auth(agent) })).json() as {
            cannedResponses: { id: string }[]
          }
        ).cannedResponses.map((r) => r.id)
      expect(await list('?queueId=support')).toEqual(['greeting', 'moment', 'order-status', 'goodbye'])
      expect(await list('?queueId=sales')).toContain('pricing')
      expect(await list('?q=ORDER')).toEqual(['order-status'])

      const first = await connectedChat('repeat@example.com')
      await h.app.inject({
        method: 'POST',
        url: `/api/v1/contacts/${first.contactId}/wrap-up`,
        headers: auth(first.agent),
      })
      const second = await connectedChat('repeat@example.com')
      const history = (
        await h.app.inject({
          url: `/api/v1/contacts/${second.contactId}/history`,
          headers: auth(second.agent),
        })
      ).json() as { contacts: { id: string; state: string }[] }
      expect(history.contacts).toMatchObject([{ id: first.contactId, state: 'closed' }])
    })
  })
}
