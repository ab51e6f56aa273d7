import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { InProcessBus } from '../../src/adapters/cluster/in-process-bus.js'
import { NatsBus } from '../../src/adapters/cluster/nats-bus.js'
import type { BusMessage, EventBus } from '../../src/app/cluster-ports.js'
import { BusTimeout, NoResponder, RemoteError } from '../../src/app/cluster-ports.js'
import { natsUrl } from '../support/nats.js'

/** Two nodes' view of one bus: on NATS, two connections; in process, one bus shared. */
interface Pair {
  readonly a: EventBus
  readonly b: EventBus
  close(): Promise<void>
}

const adapters: { name: string; open: () => Promise<Pair> }[] = [
  {
    name: 'in-process',
    open: async () => {
      const bus = new InProcessBus()
      return { a: bus, b: bus, close: () => bus.close() }
    },
  },
]
const url = natsUrl()
if (url)
  adapters.push({
    name: 'nats',
    open: async () => {
      const cluster = `contract-${Math.random().toString(36).slice(2)}`
      const a = await NatsBus.connect(url, 'contract-a', cluster)
      const b = await NatsBus.connect(url, 'contract-b', cluster)
      return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) }
    },
  })

/** Collects what a subscription hears; `until(n)` waits for the n-th message. */
function inbox() {
  const got: BusMessage[] = []
  let wake: (() => void) | undefined
  return {
    got,
    take: (m: BusMessage) => {
      got.push(m)
      wake?.()
    },
    until: (n: number) =>
      new Promise<BusMessage[]>((resolve) => {
        const check = () => (got.length >= n ? resolve(got) : (wake = check))
        check()
      }),
  }
}

// Test ids unique per run: suites on a shared NATS server never hear each other.
const unique = () => `t.${Math.random().toString(36).slice(2)} *>`

for (const adapter of adapters) {
  describe(`${adapter.name}: event bus contract`, () => {
    let pair: Pair
    beforeEach(async () => {
      pair = await adapter.open()
    })
    afterEach(async () => {
      await pair.close()
    })

    it("delivers a tenant's subject to its subscribers on every node, and nothing else", async () => {
      const tenant = unique()
      const onA = inbox()
      const onB = inbox()
      const wrongSubject = inbox()
      const wrongTenant = inbox()
      pair.a.subscribe(tenant, 'events', onA.take)
      pair.b.subscribe(tenant, 'events', onB.take)
      pair.b.subscribe(tenant, 'config', wrongSubject.take)
      pair.b.subscribe(unique(), 'events', wrongTenant.take)
      await Promise.all([pair.a.flush(), pair.b.flush()])
      await pair.a.publish(tenant, 'events', { n: 1, text: 'hé' })
      expect(await onA.until(1)).toEqual([
        { tenantId: tenant, subject: 'events', payload: { n: 1, text: 'hé' } },
      ])
      expect(await onB.until(1)).toEqual(onA.got)
      // A later message on the other subject proves the first had every chance to arrive.
      await pair.a.publish(tenant, 'config', { n: 2 })
      await wrongSubject.until(1)
      expect(wrongSubject.got.map((m) => m.payload)).toEqual([{ n: 2 }])
      expect(wrongTenant.got).toEqual([])
    })

    it('hears every tenant with *, each message naming its tenant', async () => {
      const all = inbox()
      const t1 = unique()
      const t2 = unique()
      pair.b.subscribe('*', 'events', (m) => {
        if (m.tenantId === t1 || m.tenantId === t2) all.take(m)
      })
      await pair.b.flush()
      await pair.a.publish(t1, 'events', 1)
      await pair.a.publish(t2, 'events', 2)
      expect((await all.until(2)).map((m) => [m.tenantId, m.payload])).toEqual([
        [t1, 1],
        [t2, 2],
      ])
    })

    it("keeps one publisher's order, and stops at unsubscribe", async () => {
      const tenant = unique()
      const box = inbox()
      const stop = pair.b.subscribe(tenant, 'events', box.take)
      await pair.b.flush()
      for (let i = 0; i < 500; i++) await pair.a.publish(tenant, 'events', i)
      expect((await box.until(500)).map((m) => m.payload)).toEqual([...Array(500).keys()])
      stop()
      const after = inbox()
      pair.b.subscribe(tenant, 'events', after.take)
      await pair.b.flush()
      await pair.a.publish(tenant, 'events', 'late')
      await after.until(1)
      expect(box.got).toHaveLength(500)
    })

    it('gives each subscriber its own copy of a payload', async () => {
      const tenant = unique()
      const one = inbox()
      const two = inbox()
      pair.b.subscribe(tenant, 'events', (m) => {
        ;(m.payload as { n: number }).n = 99
        one.take(m)
      })
      pair.b.subscribe(tenant, 'events', two.take)
      await pair.b.flush()
      const sent = { n: 1 }
      await pair.a.publish(tenant, 'events', sent)
      await Promise.all([one.until(1), two.until(1)])
      expect(two.got[0]!.payload).toEqual({ n: 1 })
      expect(sent).toEqual({ n: 1 })
    })

    it("answers a request from another node, and carries the responder's error back as data", async () => {
      const tenant = unique()
      pair.b.respond(tenant, 'commands', async (p) => {
        const { op } = p as { op: string }
        if (op === 'fail') throw Object.assign(new Error('no such contact c9'), { code: 'CONTACT_NOT_FOUND' })
        return { echoed: op }
      })
      await pair.b.flush()
      expect(await pair.a.request(tenant, 'commands', { op: 'x' }, 5000)).toEqual({ echoed: 'x' })
      const error = await pair.a.request(tenant, 'commands', { op: 'fail' }, 5000).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RemoteError)
      expect(error).toMatchObject({ code: 'CONTACT_NOT_FOUND', message: 'no such contact c9' })
    })

    it('says when nobody answers, at once rather than at the timeout', async () => {
      const tenant = unique()
      await expect(pair.a.request(tenant, 'commands', {}, 60_000)).rejects.toBeInstanceOf(NoResponder)
      const stop = pair.b.respond(tenant, 'commands', async () => 'here')
      await pair.b.flush()
      expect(await pair.a.request(tenant, 'commands', {}, 5000)).toBe('here')
      stop()
      await pair.b.flush()
      await expect(pair.a.request(tenant, 'commands', {}, 60_000)).rejects.toBeInstanceOf(NoResponder)
    })

    it('says when the responder did not answer in time', async () => {
      const tenant = unique()
      pair.b.respond(tenant, 'commands', () => new Promise(() => undefined))
      await pair.b.flush()
      await expect(pair.a.request(tenant, 'commands', {}, 200)).rejects.toBeInstanceOf(BusTimeout)
    })

    it('gives each request to one responder while two answer (a handover)', async () => {
      const tenant = unique()
      let answered = 0
      const answer = async () => ++answered
      pair.a.respond(tenant, 'commands', answer)
      pair.b.respond(tenant, 'commands', answer)
      await Promise.all([pair.a.flush(), pair.b.flush()])
      const replies = await Promise.all(
        Array.from({ length: 50 }, () => pair.a.request(tenant, 'commands', {}, 5000)),
      )
      expect(answered).toBe(50)
      expect(new Set(replies).size).toBe(50)
    })
  })
}

if (url)
  describe('nats: two clusters on one NATS server', () => {
    it('never hear each other: not their events, not their requests', async () => {
      const connect = (c: string) => NatsBus.connect(url, c, `${c}-${Math.random().toString(36).slice(2)}`)
      const a = await connect('staging')
      const b = await connect('production')
      try {
        const heard = inbox()
        b.subscribe('*', 'nodes', heard.take)
        b.respond('demo', 'commands', async () => 'production')
        await b.flush()
        const own = inbox()
        a.subscribe('*', 'nodes', own.take)
        await a.flush()
        await a.publish('demo', 'nodes', { nodeId: 'n1' })
        await own.until(1)
        await expect(a.request('demo', 'commands', {}, 5000)).rejects.toBeInstanceOf(NoResponder)
        await a.flush()
        await b.flush()
        expect(heard.got).toEqual([])
      } finally {
        await Promise.all([a.close(), b.close()])
      }
    })
  })
