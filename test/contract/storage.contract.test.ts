import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SqlConfigStore } from '../../src/adapters/storage/sql-config-store.js'
import { SqlContactQueries } from '../../src/adapters/storage/sql-contact-queries.js'
import { SqlOutboxStore } from '../../src/adapters/storage/sql-outbox-store.js'
import { OutboxDispatcher } from '../../src/app/outbox-dispatcher.js'
import { SqlRoutingStore } from '../../src/adapters/storage/sql-routing-store.js'
import { SqlSurveyStore } from '../../src/adapters/storage/sql-survey-store.js'
import { migrateToLatest } from '../../src/adapters/storage/migrations.js'
import type { OpenedDatabase } from '../../src/adapters/storage/opened-database.js'
import { Router } from '../../src/core/routing/router.js'
import { databases } from '../support/databases.js'
import { demoLike } from '../support/tenant-builder.js'

const T0 = Date.UTC(2026, 10, 2, 10)

for (const harness of databases()) {
  describe(`${harness.name}: storage contract`, () => {
    let opened: OpenedDatabase
    beforeEach(async () => {
      opened = await harness.open()
    })
    afterEach(async () => {
      await opened.close()
    })

    function routed() {
      let n = 0
      const router = new Router({
        tenantId: 't1',
        config: demoLike(),
        now: T0,
        lastSeq: 0,
        newId: () => `x${++n}`,
      })
      router.setAgentState('agent1', 'chat', 'ready', null, null, T0)
      const ids = [1, 2, 3, 4].map(
        (i) =>
          router.admitContact(
            { contactId: `c${i}`, entryPointId: '1000', customer: { name: 'A' }, subject: 'hi' },
            T0 + i,
          ).contact.id,
      )
      const offer = router.contacts.get('c1')!.offer!
      router.acceptOffer(offer.offerId, 'agent1', T0 + 10)
      router.postMessage('c1', 'customer', null, 'hello', T0 + 11)
      return { router, ids }
    }

    it('migrates idempotently', async () => {
      expect(await migrateToLatest(opened.db, opened.schema)).toEqual([])
    })

    it('commits a batch and loads open contacts, agent states and the last seq back', async () => {
      const store = new SqlRoutingStore(opened.db)
      const { router } = routed()
      const changes = router.drain()
      await store.commit('t1', { ...changes, outbox: [] })
      const snap = await store.load('t1')
      expect(snap.lastSeq).toBe(router.lastSeq)
      expect(snap.contacts.map((c) => c.id).sort()).toEqual(['c1', 'c2', 'c3', 'c4'])
      const c1 = snap.contacts.find((c) => c.id === 'c1')!
      expect(c1).toMatchObject({
        state: 'connected',
        agentId: 'agent1',
        enqueuedAt: T0 + 1,
        customer: { name: 'A' },
        messageCount: 1,
      })
      expect(snap.agents.find((a) => a.agentId === 'agent1')!.channels[0]).toMatchObject({
        state: 'ready',
        activeTasks: 3,
      })
      // What the support queue's wait estimator learned comes back as it was stored.
      const learned = changes.estimates.find((e) => e.queueId === 'support')
      expect(learned).toBeDefined()
      expect(snap.estimates.find((e) => e.queueId === 'support')).toEqual(learned)
      expect(await store.load('other')).toEqual({
        lastSeq: 0,
        agents: [],
        sent: [],
        contacts: [],
        estimates: [],
        applied: [],
      })
    })

    it('keeps closed contacts out of the restart set', async () => {
      const store = new SqlRoutingStore(opened.db)
      const { router } = routed()
      router.wrapUp('c1', 'agent1', 'done', null, T0 + 20)
      await store.commit('t1', { ...router.drain(), outbox: [] })
      const snap = await store.load('t1')
      expect(snap.contacts.map((c) => c.id)).not.toContain('c1')
      expect(await new SqlContactQueries(opened.db).contact('t1', 'c1')).toMatchObject({
        state: 'closed',
        wrapUpCode: 'done',
      })
    })

    it('is atomic: a failing batch leaves nothing behind', async () => {
      const store = new SqlRoutingStore(opened.db)
      const { router } = routed()
      const changes = router.drain()
      const dup = [...changes.events, changes.events[0]!]
      await expect(store.commit('t1', { ...changes, events: dup, outbox: [] })).rejects.toThrow()
      expect(await store.load('t1')).toEqual({
        lastSeq: 0,
        agents: [],
        sent: [],
        contacts: [],
        estimates: [],
        applied: [],
      })
    })

    it('refuses to change or delete events', async () => {
      const store = new SqlRoutingStore(opened.db)
      await store.commit('t1', { ...routed().router.drain(), outbox: [] })
      await expect(sql`update events set type = 'x'`.execute(opened.db)).rejects.toThrow(/append-only/)
      await expect(sql`delete from events`.execute(opened.db)).rejects.toThrow(/append-only/)
    })

    it('stores messages and serves events by contact and by agent after a seq', async () => {
      const store = new SqlRoutingStore(opened.db)
      const q = new SqlContactQueries(opened.db)
      await store.commit('t1', { ...routed().router.drain(), outbox: [] })
      expect(await q.messages('t1', 'c1')).toMatchObject([{ seq: 1, from: 'customer', text: 'hello' }])
      const forC1 = await q.events('t1', { afterSeq: 0, contactId: 'c1', limit: 100 })
      expect(forC1.map((e) => e.type)).toEqual([
        'ContactQueued',
        'ContactOffered',
        'ContactConnected',
        'MessagePosted',
      ])
      const forAgent = await q.events('t1', { afterSeq: forC1[1]!.seq, agentId: 'agent1', limit: 100 })
      expect(forAgent.every((e) => e.seq > forC1[1]!.seq)).toBe(true)
      expect(forAgent.some((e) => e.type === 'ContactOffered')).toBe(true)
      expect(await q.contact('t2', 'c1')).toBeUndefined()
    })

    it('saves configuration with optimistic versions and creates secrets once', async () => {
      const store = new SqlConfigStore(opened.db, () => T0)
      const config = demoLike()
      expect(await store.save(config, ['agent1'], 0)).toBe(1)
      await expect(store.save(config, [], 0)).rejects.toMatchObject({ code: 'CONFLICT' })
      expect(await store.save({ ...config, name: 'Renamed' }, [], 1)).toBe(2)
      expect(await store.get('t1')).toMatchObject({ version: 2, config: { name: 'Renamed' }, demoUsers: [] })
      expect((await store.list()).map((s) => s.config.id)).toEqual(['t1'])
      const first = await store.secret('tokens', () => 'a')
      expect(await store.secret('tokens', () => 'b')).toBe(first)
    })

    it('keeps one survey per contact, whatever races', async () => {
      const store = new SqlSurveyStore(opened.db)
      const survey = (text: string) => ({
        contactId: 'c1',
        answers: [{ question: 'Helpful?', answer: text }],
        source: 'ece',
        submittedAt: T0,
      })
      const results = await Promise.all([store.submit('t1', survey('yes')), store.submit('t1', survey('no'))])
      expect(results.filter(Boolean)).toHaveLength(1)
      const kept = await store.get('t1', 'c1')
      expect(['yes', 'no']).toContain(kept?.answers[0]?.answer)
      expect(await store.submit('t2', survey('other tenant'))).toBe(true)
      expect(await store.get('t1', 'c2')).toBeUndefined()
    })

    it('hands out due outbox items until they are delivered', async () => {
      const store = new SqlRoutingStore(opened.db)
      const outbox = new SqlOutboxStore(opened.db)
      const changes = routed().router.drain()
      const items = changes.events
        .slice(0, 2)
        .map((e) => ({ tenantId: 't1', eventSeq: e.seq, topic: 'webhook', payload: { type: e.type } }))
      await store.commit('t1', { ...changes, outbox: items })
      const due = await outbox.due(T0 + 100, 10)
      expect(due.map((d) => d.eventSeq)).toEqual(items.map((i) => i.eventSeq))
      await outbox.retryLater(due[0]!.id, T0 + 10_000)
      await outbox.delivered([due[1]!.id])
      expect(await outbox.due(T0 + 100, 10)).toEqual([])
      expect(await outbox.due(T0 + 10_000, 10)).toMatchObject([{ eventSeq: items[0]!.eventSeq, attempts: 1 }])
    })

    it("holds a key's items back behind its retry, reads on from an id; dead letters stay out", async () => {
      const store = new SqlRoutingStore(opened.db)
      const outbox = new SqlOutboxStore(opened.db)
      const changes = routed().router.drain()
      const items = changes.events.slice(0, 3).map((e) => ({
        tenantId: 't1',
        eventSeq: e.seq,
        topic: 'push',
        payload: { seq: e.seq },
        orderingKey: 'chat-1',
      }))
      await store.commit('t1', { ...changes, outbox: [...items, { ...items[0]!, orderingKey: undefined }] })
      const all = await outbox.due(T0 + 100, 10)
      // Everything due, oldest first: the dispatcher sends a key's items one after the other.
      expect(all.map((d) => [d.eventSeq, d.orderingKey ?? null])).toEqual([
        ...items.map((i) => [i.eventSeq, 'chat-1']),
        [items[0]!.eventSeq, null],
      ])
      expect((await outbox.due(T0 + 100, 10, all[1]!.id)).map((d) => d.id)).toEqual([all[2]!.id, all[3]!.id])
      // The key's first waits for a retry: the items behind it wait too, the keyless one goes.
      await outbox.retryLater(all[0]!.id, T0 + 5000, 'HTTP 503')
      expect((await outbox.due(T0 + 100, 10)).map((d) => d.id)).toEqual([all[3]!.id])
      await outbox.delivered([all[3]!.id])
      // Only the key's first counts: the items behind it are not due before it is.
      expect(await outbox.nextAttemptAt()).toBe(T0 + 5000)
      expect((await outbox.due(T0 + 5000, 10)).map((d) => d.id)).toEqual(all.slice(0, 3).map((d) => d.id))
      await outbox.dead(all[0]!.id, T0 + 5000, 'gave up')
      const next = await outbox.due(T0 + 5000, 10)
      expect(next.map((d) => d.eventSeq)).toEqual([items[1]!.eventSeq, items[2]!.eventSeq])
      expect(await outbox.stats()).toEqual([{ topic: 'push', pending: 2, oldestPendingAt: T0, dead: 1 }])
    })

    it('drains in batches, reading on while sending, and keeps each key in order, every item once', async () => {
      const store = new SqlRoutingStore(opened.db)
      const outbox = new SqlOutboxStore(opened.db)
      const changes = routed().router.drain()
      const items = Array.from({ length: 30 }, (_, i) => ({
        tenantId: 't1',
        eventSeq: i + 1,
        topic: 'webhook',
        orderingKey: `chat-${i % 3}`,
        payload: { n: i },
      }))
      await store.commit('t1', { ...changes, outbox: items })
      const seen: number[] = []
      let inFlight = 0
      const d = new OutboxDispatcher(
        outbox,
        { now: () => T0 + 100 },
        { wakeAt: () => () => undefined },
        {
          webhook: async (item) => {
            inFlight++
            expect(inFlight).toBeLessThanOrEqual(2)
            await new Promise((r) => setTimeout(r, 1))
            seen.push((item.payload as { n: number }).n)
            inFlight--
          },
        },
        { batch: 2, concurrency: 2 },
      )
      expect((await d.drain()).tried).toBe(30)
      expect([...seen].sort((a, b) => a - b)).toEqual(items.map((_, i) => i))
      for (const key of [0, 1, 2]) {
        const mine = seen.filter((n) => n % 3 === key)
        expect(mine).toEqual([...mine].sort((a, b) => a - b))
      }
    })

    it('counts what waits per topic, lists dead letters and sends them again with a new window', async () => {
      const store = new SqlRoutingStore(opened.db)
      const outbox = new SqlOutboxStore(opened.db)
      const changes = routed().router.drain()
      const item = (seq: number, topic: string) => ({
        tenantId: 't1',
        eventSeq: seq,
        topic,
        payload: { seq },
      })
      await store.commit('t1', {
        ...changes,
        outbox: [item(1, 'webhook'), item(2, 'webhook'), item(3, 'cxone')],
      })
      const [a, b] = await outbox.due(T0 + 100, 10)
      await outbox.dead(a!.id, T0 + 500, 'HTTP 500')
      expect(await outbox.stats()).toEqual(
        expect.arrayContaining([
          { topic: 'webhook', pending: 1, oldestPendingAt: b!.createdAt, dead: 1 },
          { topic: 'cxone', pending: 1, oldestPendingAt: expect.any(Number), dead: 0 },
        ]),
      )
      expect(await outbox.deadLetters('t1', 'webhook', 10)).toMatchObject([
        { id: a!.id, eventSeq: 1, deadAt: T0 + 500, lastError: 'HTTP 500', attempts: 1 },
      ])
      expect(await outbox.deadLetters('other-tenant', 'webhook', 10)).toEqual([])
      expect(await outbox.redeliver('other-tenant', 'webhook', 'all', T0 + 900)).toBe(0)
      expect(await outbox.redeliver('t1', 'webhook', [a!.id], T0 + 1000)).toBe(1)
      expect(await outbox.deadLetters('t1', 'webhook', 10)).toEqual([])
      expect((await outbox.due(T0 + 1000, 10)).find((d) => d.id === a!.id)).toMatchObject({
        attempts: 0,
        createdAt: T0 + 1000,
      })
    })
  })
}
