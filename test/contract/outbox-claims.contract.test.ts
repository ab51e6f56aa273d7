import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { OpenedDatabase } from '../../src/adapters/storage/opened-database.js'
import { SqlOutboxStore } from '../../src/adapters/storage/sql-outbox-store.js'
import { OutboxDispatcher } from '../../src/app/outbox-dispatcher.js'
import type { ClaimedOutboxItem, OutboxItem } from '../../src/app/ports.js'
import { databases } from '../support/databases.js'

const NOW = Date.UTC(2026, 11, 7, 10)
const CLAIM_MS = 60_000

const items = (n: number, keys: number): OutboxItem[] =>
  Array.from({ length: n }, (_, i) => ({
    tenantId: 't1',
    eventSeq: i + 1,
    topic: 'hook',
    payload: { n: i },
    // Every fifth item has no key: it may go at any time.
    ...(i % 5 === 4 ? {} : { orderingKey: `k${i % keys}` }),
  }))

const fixed = { now: () => NOW }
const never = { wakeAt: () => () => undefined }

for (const harness of databases()) {
  describe(`${harness.name}: the outbox drained by several nodes`, () => {
    let opened: OpenedDatabase
    const node = (name: string) => new SqlOutboxStore(opened.db, { node: name, claimMs: CLAIM_MS })
    beforeEach(async () => {
      opened = await harness.open()
    })
    afterEach(async () => {
      await opened.close()
    })

    it('sends each item once, and the items of a key in order, with two nodes draining at once', async () => {
      await node('a').add(items(300, 6), NOW)
      const sent: { node: string; item: ClaimedOutboxItem }[] = []
      const dispatcher = (name: string) =>
        new OutboxDispatcher(
          node(name),
          fixed,
          never,
          {
            hook: async (item) => {
              await new Promise((r) => setTimeout(r, Math.random() * 3))
              sent.push({ node: name, item })
            },
          },
          { batch: 10, concurrency: 4 },
        )
      const a = dispatcher('a')
      const b = dispatcher('b')
      // Each drain reads on until nothing is left for it; a few rounds let each see the others' ends.
      for (let round = 0; round < 20 && sent.length < 300; round++) await Promise.all([a.drain(), b.drain()])
      const ids = sent.map((s) => s.item.id)
      expect(new Set(ids).size).toBe(300)
      expect(ids).toHaveLength(300)
      for (let k = 0; k < 6; k++) {
        const ofKey = sent.filter((s) => s.item.orderingKey === `k${k}`).map((s) => s.item.id)
        expect(ofKey).toEqual([...ofKey].sort((x, y) => x - y))
      }
      expect(await node('a').nextAttemptAt()).toBeUndefined()
    })

    it("leaves another node's claimed items, and the later items of their keys, until the claim runs out", async () => {
      await node('a').add(items(10, 2), NOW)
      const byA = await node('a').due(NOW, 3)
      expect(byA.map((i) => i.eventSeq)).toEqual([1, 2, 3])
      // b gets neither a's items nor anything behind them on their keys; keyless ones it may send.
      const byB = await node('b').due(NOW, 100)
      expect(byB.map((i) => i.eventSeq)).toEqual([5, 10])
      expect(await node('b').nextAttemptAt()).toBe(NOW)
      // a died: once its claims run out, b takes them, in order (with its own, still unsent).
      const later = await node('b').due(NOW + CLAIM_MS, 100)
      expect(later.map((i) => i.eventSeq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    })

    it("frees a stopping node's claims at once", async () => {
      await node('a').add(items(4, 1), NOW)
      expect(await node('a').due(NOW, 2)).toHaveLength(2)
      expect(await node('b').due(NOW, 100)).toHaveLength(0)
      await node('a').releaseClaims()
      expect((await node('b').due(NOW, 100)).map((i) => i.eventSeq)).toEqual([1, 2, 3, 4])
    })
  })
}
