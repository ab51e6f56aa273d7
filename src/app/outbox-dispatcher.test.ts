import { describe, expect, it } from 'vitest'
import { OutboxDispatcher, retryDelayMs } from './outbox-dispatcher.js'
import type { ClaimedOutboxItem, OutboxStore, Scheduler } from './ports.js'

const HOUR = 3600_000

/** The store's contract in memory (the SQL store has its own contract suite). */
function memoryStore(items: ClaimedOutboxItem[]) {
  const state = new Map(items.map((i) => [i.id, { item: i, next: i.createdAt, done: false, dead: false }]))
  const store: OutboxStore = {
    async add() {
      throw new Error('not used by the dispatcher')
    },
    async due(now, limit, after = 0) {
      const pending = [...state.values()].filter((s) => !s.done && !s.dead)
      // A key waits behind an older item whose retry is not due yet.
      const waits = (s: (typeof pending)[number]) =>
        pending.some(
          (o) => o.item.orderingKey === s.item.orderingKey && o.item.id < s.item.id && o.next > now,
        )
      return pending
        .filter((s) => s.next <= now && s.item.id > after && !(s.item.orderingKey && waits(s)))
        .slice(0, limit)
        .map((s) => s.item)
    },
    async delivered(ids) {
      for (const id of ids) state.get(id)!.done = true
    },
    async retryLater(id, at) {
      const s = state.get(id)!
      s.next = at
      s.item = { ...s.item, attempts: s.item.attempts + 1 }
    },
    async dead(id) {
      state.get(id)!.dead = true
    },
    async nextAttemptAt() {
      // Of each key only its oldest pending item: the others wait behind it.
      const pending = [...state.values()].filter((s) => !s.done && !s.dead)
      const heads = pending.filter(
        (s) =>
          !s.item.orderingKey ||
          !pending.some((o) => o.item.orderingKey === s.item.orderingKey && o.item.id < s.item.id),
      )
      return heads.length ? Math.min(...heads.map((s) => s.next)) : undefined
    },
    // Not used by the dispatcher: the SQL store's contract suite covers them.
    stats: async () => [],
    deadLetters: async () => [],
    redeliver: async () => 0,
  }
  return { store, state }
}

/** `n` items of topic x, due from the start, without an ordering key. */
const pending = (n: number): ClaimedOutboxItem[] =>
  Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    tenantId: 't',
    eventSeq: i + 1,
    topic: 'x',
    payload: {},
    attempts: 0,
    createdAt: 0,
  }))

const noTimers: Scheduler = { wakeAt: () => () => undefined }

describe('outbox dispatcher', () => {
  it('backs off exponentially with jitter, at most an hour apart', () => {
    expect(retryDelayMs(0, () => 1)).toBe(1000)
    expect(retryDelayMs(3, () => 1)).toBe(8000)
    expect(retryDelayMs(3, () => 0)).toBe(4000)
    expect(retryDelayMs(40, () => 1)).toBe(HOUR)
  })

  it('retries a failing delivery for three days, then dead-letters it', async () => {
    let now = 0
    const item: ClaimedOutboxItem = {
      id: 1,
      tenantId: 't',
      eventSeq: 1,
      topic: 'x',
      payload: {},
      attempts: 0,
      createdAt: 0,
    }
    const { store, state } = memoryStore([item])
    let calls = 0
    const d = new OutboxDispatcher(store, { now: () => now }, noTimers, {
      x: async () => {
        calls++
        throw new Error('receiver down')
      },
    })
    while (!state.get(1)!.dead && now < 10 * 24 * HOUR) {
      await d.drain()
      now = (await store.nextAttemptAt()) ?? now + HOUR
    }
    expect(state.get(1)!.dead).toBe(true)
    expect(now).toBeGreaterThanOrEqual(3 * 24 * HOUR)
    expect(now).toBeLessThan(3 * 24 * HOUR + 2 * HOUR)
    expect(calls).toBeGreaterThan(60)
  })

  it('dead-letters an item whose topic has no delivery, and marks delivered ones', async () => {
    const items: ClaimedOutboxItem[] = [
      { id: 1, tenantId: 't', eventSeq: 1, topic: 'unknown', payload: {}, attempts: 0, createdAt: 0 },
      { id: 2, tenantId: 't', eventSeq: 2, topic: 'ok', payload: {}, attempts: 0, createdAt: 0 },
    ]
    const { store, state } = memoryStore(items)
    const d = new OutboxDispatcher(store, { now: () => 0 }, noTimers, { ok: async () => undefined })
    expect(await d.drain()).toEqual({ tried: 2, nextAt: undefined })
    expect(state.get(1)!.dead).toBe(true)
    expect(state.get(2)!.done).toBe(true)
  })

  it("keeps a key's items in order across batches; a retry holds back the rest of its key only", async () => {
    let now = 0
    // 40 items of 4 keys; key k1's 3rd item fails once.
    const items: ClaimedOutboxItem[] = Array.from({ length: 40 }, (_, i) => ({
      id: i + 1,
      tenantId: 't',
      eventSeq: i + 1,
      topic: 'x',
      payload: { n: i },
      attempts: 0,
      createdAt: 0,
      orderingKey: `k${i % 4}`,
    }))
    const { store, state } = memoryStore(items)
    const reads: number[] = []
    const due = store.due.bind(store)
    let inFlight = 0
    let most = 0
    store.due = async (at, limit, after) => {
      reads.push(inFlight)
      return due(at, limit, after)
    }
    const sent: number[] = []
    let failed = false
    const d = new OutboxDispatcher(
      store,
      { now: () => now },
      noTimers,
      {
        x: async (item) => {
          inFlight++
          most = Math.max(most, inFlight)
          await new Promise((r) => setTimeout(r, 1 + (item.id % 3)))
          inFlight--
          if (item.id === 10 && !failed) {
            failed = true
            throw new Error('HTTP 503')
          }
          sent.push(item.id)
        },
      },
      { batch: 8, concurrency: 3, random: () => 1 },
    )
    const first = await d.drain()
    // Three at once at most, and three used: a worker starts for every ready item.
    expect(most).toBe(3)
    // The next batch was read while the last one was still being sent.
    expect(reads.some((n) => n > 0)).toBe(true)
    const k1 = items.filter((i) => i.orderingKey === 'k1').map((i) => i.id)
    expect(sent.filter((id) => k1.includes(id))).toEqual([2, 6])
    for (const key of ['k0', 'k2', 'k3']) {
      const mine = items.filter((i) => i.orderingKey === key).map((i) => i.id)
      expect(sent.filter((id) => mine.includes(id))).toEqual(mine)
    }
    expect(first).toEqual({ tried: 33, nextAt: 1000 })
    expect(state.get(10)!.item.attempts).toBe(1)
    now = first.nextAt!
    await d.drain()
    expect(sent.filter((id) => k1.includes(id))).toEqual(k1)
    expect([...state.values()].every((s) => s.done)).toBe(true)
  })

  it('fails the drain when the store cannot note a delivery, after what was in flight has ended', async () => {
    const items: ClaimedOutboxItem[] = [1, 2, 3].map((id) => ({
      id,
      tenantId: 't',
      eventSeq: id,
      topic: 'x',
      payload: {},
      attempts: 0,
      createdAt: 0,
    }))
    const { store, state } = memoryStore(items)
    store.delivered = async () => {
      throw new Error('database gone')
    }
    let ended = 0
    const d = new OutboxDispatcher(store, { now: () => 0 }, noTimers, {
      x: async () => {
        await new Promise((r) => setTimeout(r, 5))
        ended++
      },
    })
    await expect(d.drain()).rejects.toThrow('database gone')
    expect(ended).toBe(3)
    // Not noted as delivered: they go again (at least once).
    expect([...state.values()].filter((s) => s.done)).toHaveLength(0)
  })

  it('starts no delivery once stopped', async () => {
    const items = pending(10)
    const { store, state } = memoryStore(items)
    let started = 0
    const d: OutboxDispatcher = new OutboxDispatcher(
      store,
      { now: () => 0 },
      noTimers,
      {
        x: async () => {
          if (++started === 2) void d.stop()
          await new Promise((r) => setTimeout(r, 2))
        },
      },
      { concurrency: 2 },
    )
    const { tried } = await d.drain()
    expect(started).toBe(2)
    expect(tried).toBe(2)
    expect([...state.values()].filter((s) => s.done)).toHaveLength(2)
  })

  it("sends each item once when started while a commit's kick is already draining", async () => {
    const items = pending(5)
    const { store } = memoryStore(items)
    const sent: number[] = []
    let release: () => void = () => undefined
    const held = new Promise<void>((r) => (release = r))
    let allOut: () => void = () => undefined
    const out = new Promise<void>((r) => (allOut = r))
    // Timers fire when the test says.
    let due: (() => void)[] = []
    const fire = () => {
      const now = due
      due = []
      for (const f of now) f()
    }
    const manual: Scheduler = {
      wakeAt: (_at, f) => {
        due.push(f)
        return () => (due = due.filter((x) => x !== f))
      },
    }
    const d = new OutboxDispatcher(store, { now: () => 0 }, manual, {
      x: async (item) => {
        sent.push(item.id)
        if (sent.length === items.length) allOut()
        await held
      },
    })
    d.kick() // a router committed while the server was starting
    fire()
    await out
    d.start()
    // Nothing more to do until that drain ends: a second one beside it would send all five again.
    expect(due).toHaveLength(0)
    release()
    await d.stop()
    expect(sent).toEqual([1, 2, 3, 4, 5])
  })

  it('writes a delivery down while the drain goes on: a crash then sends again only what was in flight', async () => {
    const items = pending(2)
    const { store, state } = memoryStore(items)
    let written: () => void = () => undefined
    const wrote = new Promise<void>((r) => (written = r))
    const delivered = store.delivered.bind(store)
    store.delivered = async (ids) => {
      await delivered(ids)
      written()
    }
    let release: () => void = () => undefined
    const slow = new Promise<void>((r) => (release = r))
    const d = new OutboxDispatcher(store, { now: () => 0 }, noTimers, {
      // Item 1 goes at once; item 2's receiver takes its time (or new items keep the drain going).
      x: async (item) => (item.id === 2 ? slow : undefined),
    })
    const drain = d.drain()
    await wrote
    expect(state.get(1)!.done).toBe(true)
    expect(state.get(2)!.done).toBe(false)
    release()
    await drain
    expect(state.get(2)!.done).toBe(true)
  })
})
