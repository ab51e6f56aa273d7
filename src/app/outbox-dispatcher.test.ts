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
    async due(now, limit) {
      return [...state.values()]
        .filter((s) => !s.done && !s.dead && s.next <= now)
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
      const pending = [...state.values()].filter((s) => !s.done && !s.dead).map((s) => s.next)
      return pending.length ? Math.min(...pending) : undefined
    },
    // Not used by the dispatcher: the SQL store's contract suite covers them.
    stats: async () => [],
    deadLetters: async () => [],
    redeliver: async () => 0,
  }
  return { store, state }
}

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
      await d.runOnce()
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
    expect(await d.runOnce()).toEqual({ tried: 2, nextAt: undefined })
    expect(state.get(1)!.dead).toBe(true)
    expect(state.get(2)!.done).toBe(true)
  })
})
