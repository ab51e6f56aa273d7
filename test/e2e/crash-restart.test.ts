import { afterAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { api, exited, startServerProcess } from './server-process.js'
import { backends } from './backends.js'

for (const backend of backends()) {
  describe(`${backend.name}: the real server process`, () => {
    afterAll(() => backend.cleanup())

    it('survives kill -9 with a chat waiting: same place, same enqueue time, no acknowledged message lost', async () => {
      const env = await backend.env()
      let server = await startServerProcess(env)
      const base = server.url
      const login = async (username: string, password: string) =>
        (await api<{ token: string }>(server.url, 'POST', '/api/v1/login', undefined, { username, password }))
          .json.token
      const agent2 = await login('agent2', 'agent')
      await api(base, 'PUT', '/api/v1/agents/agent2/channels/chat', agent2, { state: 'ready' })
      for (let i = 0; i < 3; i++)
        await api(base, 'POST', '/api/v1/entry-points/1000/chats', undefined, { customer: { name: `C${i}` } })
      const offers = (
        await api<{ events: { type: string; offerId: string }[] }>(
          base,
          'GET',
          '/api/v1/agents/agent2/events?after=0',
          agent2,
        )
      ).json.events
      for (const o of offers.filter((e) => e.type === 'ContactOffered')) {
        expect((await api(base, 'POST', `/api/v1/offers/${o.offerId}/accept`, agent2)).status).toBe(200)
      }
      const waiting = (
        await api<{ contactId: string; customerToken: string; state: string; position: number }>(
          base,
          'POST',
          '/api/v1/entry-points/1000/chats',
          undefined,
          { customer: { name: 'Waiting' } },
        )
      ).json
      expect(waiting).toMatchObject({ state: 'queued', position: 1 })
      const acked: string[] = []
      for (let i = 0; i < 5; i++) {
        const r = await api<{ messageId: string }>(
          base,
          'POST',
          `/api/v1/chats/${waiting.contactId}/messages`,
          waiting.customerToken,
          { text: `m${i}` },
        )
        if (r.status === 201) acked.push(`m${i}`)
      }
      const sup = await login('supervisor', 'supervisor')
      const before = (
        await api<{ enqueuedAt: string }>(base, 'GET', `/api/v1/contacts/${waiting.contactId}`, sup)
      ).json

      server.child.kill('SIGKILL')
      await exited(server.child)
      server = await startServerProcess(env)
      try {
        // Tokens are signed with a key kept in the database: they still work after the restart.
        const after = (
          await api<{ state: string; enqueuedAt: string; messages: { text: string }[] }>(
            server.url,
            'GET',
            `/api/v1/contacts/${waiting.contactId}`,
            sup,
          )
        ).json
        expect(after.state).toBe('queued')
        expect(after.enqueuedAt).toBe(before.enqueuedAt)
        expect(after.messages.map((m) => m.text)).toEqual(acked)
        const chatView = (
          await api<{ state: string; position: number }>(
            server.url,
            'GET',
            `/api/v1/chats/${waiting.contactId}/events?after=0`,
            waiting.customerToken,
          )
        ).json
        expect(chatView).toMatchObject({ state: 'queued', position: 1 })
        expect((await api(server.url, 'GET', '/api/v1/agents/agent2', sup)).json).toMatchObject({
          channels: { chat: { state: 'ready', activeTasks: 3 } },
        })
        expect(server.logs.join('\n')).toContain('demo passwords are in use')

        // The WebSocket stream pushes the offer when agent1 becomes ready.
        const agent1 = (
          await api<{ token: string }>(server.url, 'POST', '/api/v1/login', undefined, {
            username: 'agent1',
            password: 'agent',
          })
        ).json.token
        const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/v1/stream?token=${agent1}`)
        const offered = new Promise<{ contactId: string }>((resolve, reject) => {
          ws.on('message', (data: Buffer) => {
            const msg = JSON.parse(data.toString()) as {
              type: string
              events?: { type: string; contactId: string }[]
            }
            const offer = msg.events?.find((e) => e.type === 'ContactOffered')
            if (offer) resolve(offer)
          })
          ws.on('error', reject)
        })
        await new Promise((r) => ws.once('open', r))
        await api(server.url, 'PUT', '/api/v1/agents/agent1/channels/chat', agent1, { state: 'ready' })
        expect((await offered).contactId).toBe(waiting.contactId)
        ws.close()
      } finally {
        server.child.kill('SIGTERM')
        expect(await exited(server.child)).toBe(0)
      }
    }, 120_000)
  })
}
