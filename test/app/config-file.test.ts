import { afterEach, describe, expect, it } from 'vitest'
import type { TenantDoc } from '../../src/config/document.js'
import { databases } from '../support/databases.js'
import type { Harness } from '../support/harness.js'
import { demoDocs, startHarness } from '../support/harness.js'
import { standIn } from '../support/stand-in.js'

const auth = (t: string) => ({ authorization: `Bearer ${t}` })

for (const db of databases()) {
  describe(`${db.name}: hardening item 1, the configuration file and the outbox`, () => {
    let h: Harness
    afterEach(async () => h.close())

    async function admin(method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
      const token = await h.login('admin')
      const res = await h.app.inject({ method, url, headers: auth(token), ...(payload ? { payload } : {}) })
      expect(res.statusCode, res.body).toBe(200)
      return res.json<Record<string, unknown>>()
    }
    const config = async () =>
      (await admin('GET', '/api/v1/admin/config')) as { version: number; tenant: TenantDoc }

    it('item 1: the same file applied at every start changes nothing, not even the version', async () => {
      h = await startHarness(db)
      expect(h.applied).toEqual([{ tenantId: 'demo', applied: true, overridden: [] }])
      const { version } = await config()
      for (let start = 0; start < 2; start++) {
        h = await h.restart()
        expect(h.applied).toEqual([{ tenantId: 'demo', applied: false, overridden: [] }])
        expect((await config()).version).toBe(version)
      }
    })

    it('item 1: an unchanged file never undoes what the admin API changed since', async () => {
      h = await startHarness(db)
      await admin('PUT', '/api/v1/admin/queues/support', {
        skillGroups: ['chat-support'],
        maxDepth: 2,
        serviceLevelSeconds: 45,
      })
      await admin('PUT', '/api/v1/admin/entry-points/1001', { queue: 'sales', active: false })
      await admin('PUT', '/api/v1/admin/webhooks/crm', {
        url: 'https://crm.example.com/hook',
        secret: 'whsec-0123456789abcdef',
      })
      const whole = await config()
      const tenant = {
        ...whole.tenant,
        pbx: { ...whole.tenant.pbx, pushUrl: 'https://crm.example.com/pbx' },
        cxone: {
          enabled: true,
          baseUrl: 'https://cxone.example.com',
          tenantName: 'demo',
          accessKeyId: 'key-id',
          accessKeySecret: 'key-secret',
        },
        aicc: {
          ...whole.tenant.aicc,
          apps: [...(whole.tenant.aicc?.apps ?? []), { appKey: 'second-app', appSecret: 'second-secret' }],
        },
      }
      await admin('PUT', '/api/v1/admin/config', { version: whole.version, tenant })
      const before = await config()

      h = await h.restart()
      const after = await config()
      expect(after).toEqual(before)
      expect(after.tenant.queues.find((q) => q.id === 'support')).toMatchObject({ maxDepth: 2 })
      expect(after.tenant.entryPoints.find((e) => e.id === '1001')).toMatchObject({ active: false })
      expect(after.tenant.webhooks.map((w) => w.id)).toEqual(['crm'])
      expect(after.tenant.pbx?.pushUrl).toBe('https://crm.example.com/pbx')
      expect(after.tenant.cxone?.enabled).toBe(true)
      expect(after.tenant.aicc?.apps.map((a) => a.appKey)).toEqual(['demo-app-key', 'second-app'])
    })

    it('item 1: a changed file wins, naming each object the admin API had changed that it sets back', async () => {
      h = await startHarness(db)
      await admin('PUT', '/api/v1/admin/queues/support', { skillGroups: ['chat-support'], maxDepth: 2 })
      await admin('DELETE', '/api/v1/admin/canned-responses/moment')
      const docs = demoDocs()
      const demo = docs[0] as TenantDoc
      demo.notReadyReasons = [...demo.notReadyReasons, 'Coaching']
      h = await h.restart(docs)
      expect(h.applied).toEqual([
        {
          tenantId: 'demo',
          applied: true,
          // The file's own change (notReadyReasons) is not an admin's: it is not named.
          overridden: ['cannedResponses/moment', 'queues/support'],
        },
      ])
      const now = await config()
      expect(now.tenant.queues.find((q) => q.id === 'support')?.maxDepth).toBe(5)
      expect(now.tenant.notReadyReasons).toContain('Coaching')
    })

    it('item 1: a removed or disabled destination dead-letters its items with the reason; they are listed and sent again', async () => {
      const got: string[] = []
      let up = false
      const crm = await standIn((req, body, res) => {
        if (!up) return void res.writeHead(503).end('down')
        got.push(`${req.url} ${body}`)
        res.writeHead(200).end('{}')
      })
      try {
        const docs = demoDocs()
        const demo = docs[0] as TenantDoc
        demo.pbx = {
          ...(demo.pbx as NonNullable<TenantDoc['pbx']>),
          pushUrl: `${crm.base}/pbx`,
          allowPrivateNetwork: true,
        }
        demo.webhooks = [
          {
            id: 'crm',
            url: `${crm.base}/hook`,
            secret: 'whsec-0123456789abcdef',
            events: ['AgentStateChanged'],
            allowPrivateNetwork: true,
            enabled: true,
          },
        ]
        h = await startHarness(db, docs)
        // A CRM push waiting for a receiver that is down, and a webhook delivery.
        await h.opened.db
          .insertInto('outbox')
          .values({
            tenant_id: 'demo',
            event_seq: 0,
            topic: 'pbx.push',
            payload: JSON.stringify({ event: 'hangup', uniqueid: 'u-1' }),
            ordering_key: 'call:u-1',
            created_at: h.time.now(),
            next_attempt_at: h.time.now(),
            attempts: 0,
          })
          .execute()
        const agent = await h.login('agent1')
        await h.app.inject({
          method: 'PUT',
          url: '/api/v1/agents/agent1/channels/chat',
          headers: auth(agent),
          payload: { state: 'ready' },
        })
        await h.dispatcher.drain()
        expect(got).toEqual([])

        // The admin turns the PBX push off and disables the webhook while both wait.
        const whole = await config()
        await admin('PUT', '/api/v1/admin/config', {
          version: whole.version,
          tenant: {
            ...whole.tenant,
            pbx: { ...whole.tenant.pbx, pushUrl: null },
            webhooks: whole.tenant.webhooks.map((w) => ({ ...w, enabled: false })),
          },
        })
        h.time.advance(3600_000)
        await h.dispatcher.drain()
        const pbxDead = (await admin('GET', '/api/v1/outbox/pbx.push/dead-letters')) as {
          deadLetters: { id: number; lastError: string; payload: unknown }[]
        }
        expect(pbxDead.deadLetters).toEqual([
          expect.objectContaining({
            lastError: 'the PBX push URL (pbx.pushUrl) was removed',
            payload: { event: 'hangup', uniqueid: 'u-1' },
          }),
        ])
        const hookDead = (await admin('GET', '/api/v1/outbox/webhook/dead-letters')) as {
          deadLetters: { lastError: string }[]
        }
        expect(hookDead.deadLetters.length).toBeGreaterThan(0)
        expect(
          hookDead.deadLetters.every((d) => d.lastError === 'webhook subscription crm is disabled'),
        ).toBe(true)

        // Back on: sent again, nothing was lost.
        up = true
        const again = await config()
        await admin('PUT', '/api/v1/admin/config', {
          version: again.version,
          tenant: {
            ...again.tenant,
            pbx: { ...again.tenant.pbx, pushUrl: `${crm.base}/pbx` },
            webhooks: again.tenant.webhooks.map((w) => ({ ...w, enabled: true })),
          },
        })
        const token = await h.login('admin')
        for (const topic of ['pbx.push', 'webhook']) {
          const res = await h.app.inject({
            method: 'POST',
            url: `/api/v1/outbox/${topic}/dead-letters/redeliver`,
            headers: auth(token),
            payload: {},
          })
          expect(res.json<{ redelivered: number }>().redelivered).toBeGreaterThan(0)
        }
        await h.dispatcher.drain()
        expect(got.filter((g) => g.startsWith('/pbx '))).toEqual(['/pbx {"event":"hangup","uniqueid":"u-1"}'])
        expect(got.filter((g) => g.startsWith('/hook ')).length).toBe(hookDead.deadLetters.length)
        expect((await admin('GET', '/api/v1/outbox/pbx.push/dead-letters')).deadLetters).toEqual([])
      } finally {
        await crm.close()
      }
    })
  })
}
