import { createHash } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { localDate } from '../../src/core/local-time.js'
import { natsUrl } from '../support/nats.js'
import { backends, leaseOwner } from './backends.js'
import type { ServerProcess } from './server-process.js'
import { api, exited, startServerProcess } from './server-process.js'

const nats = natsUrl()
const postgres = backends().find((b) => b.name === 'postgres')

// Two real server processes, one PostgreSQL database and the machine's NATS: the demo tenant is
// owned by one of them, and served by both.
if (nats && postgres)
  describe('a cluster of two server processes', () => {
    afterAll(() => postgres.cleanup())

    it('serves the tenant from the node that does not own it, and carries on after kill -9 of the owner', async () => {
      const env: Record<string, string> = {
        ...(await postgres.env()),
        NATS_URL: nats,
        SIP_PORT: '0',
        LEASE_MS: '2000',
      }
      const owner = () => leaseOwner(env.DATABASE_URL!, 'demo')
      const nodes: Record<string, ServerProcess> = {
        a: await startServerProcess({ ...env, NODE_ID: 'a' }),
        b: await startServerProcess({ ...env, NODE_ID: 'b' }),
      }
      try {
        const held = await owner()
        expect(['a', 'b']).toContain(held)
        const other = nodes[held === 'a' ? 'b' : 'a']!
        const login = async (username: string, password: string) =>
          (
            await api<{ token: string }>(other.url, 'POST', '/api/v1/login', undefined, {
              username,
              password,
            })
          ).json.token
        const agent1 = await login('agent1', 'agent')
        const ready = await api(other.url, 'PUT', '/api/v1/agents/agent1/channels/chat', agent1, {
          state: 'ready',
        })
        expect(ready.status).toBe(200)
        expect(ready.json).toMatchObject({ channels: { chat: { state: 'ready' } } })
        const chat = await api<{ contactId: string; customerToken: string; state: string }>(
          other.url,
          'POST',
          '/api/v1/entry-points/1000/chats',
          undefined,
          { customer: { name: 'Ann' } },
        )
        expect(chat.status).toBe(201)
        expect(chat.json.state).toBe('offered')
        // The other dialects answer there too: 004's queue-info (asked of the owner), and the
        // load balancer's readiness check (the router runs, on the other node).
        const queueInfo = await fetch(`${other.url}/coocenter-api/queues/queue-info`, {
          headers: {
            authorization: createHash('md5')
              .update(`demo-webkey${localDate('Europe/London', Date.now())}`)
              .digest('hex'),
          },
        })
        expect(queueInfo.status).toBe(200)
        expect(await queueInfo.json()).toMatchObject({ status: 'success' })
        const readyz = await fetch(`${other.url}/readyz`)
        expect(readyz.status).toBe(200)
        expect(await readyz.json()).toMatchObject({ tenants: { demo: 'running_elsewhere' } })

        // The owner dies without a word; the other node takes the tenant when the lease runs out.
        nodes[held!]!.child.kill('SIGKILL')
        await exited(nodes[held!]!.child)
        const died = Date.now()
        const agent2 = await login('agent2', 'agent')
        let status = 0
        while (status !== 200) {
          status = (
            await api(other.url, 'PUT', '/api/v1/agents/agent2/channels/chat', agent2, { state: 'ready' })
          ).status
          expect(Date.now() - died, 'the tenant was not taken over').toBeLessThan(30_000)
        }
        expect(await owner()).toBe(held === 'a' ? 'b' : 'a')
        // The waiting chat kept its place with its agent, and agent1 its state.
        const sup = await login('supervisor', 'supervisor')
        const contact = await api<{ state: string }>(
          other.url,
          'GET',
          `/api/v1/contacts/${chat.json.contactId}`,
          sup,
        )
        expect(['offered', 'queued']).toContain(contact.json.state)
        expect((await api(other.url, 'GET', '/api/v1/agents/agent1', sup)).json).toMatchObject({
          channels: { chat: { state: 'ready' } },
        })
        other.child.kill('SIGTERM')
        expect(await exited(other.child)).toBe(0)
      } finally {
        for (const n of Object.values(nodes)) if (n.child.exitCode === null) n.child.kill('SIGKILL')
      }
    }, 120_000)
  })
