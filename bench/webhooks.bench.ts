import http from 'node:http'
import { outboxRows } from '../src/adapters/storage/sql-outbox-store.js'
import type { WebhookPayload } from '../src/api/webhooks/deliveries.js'
import { WEBHOOK_TOPIC, webhookHeaders } from '../src/api/webhooks/deliveries.js'
import type { TenantDoc } from '../src/config/document.js'
import { pgliteOnWorker } from '../test/support/databases.js'
import { demoDocs, startHarness } from '../test/support/harness.js'
import { firstLine, spawnTs } from './child.js'
import type { BenchResult } from './stats.js'
import { fmt, median, verdict } from './stats.js'

const DELIVERIES = 3000
/** The dispatcher sends up to 50 at once; the raw loop gets as many workers. */
const CONCURRENCY = 50
const CONTACTS = 500

function payload(i: number): WebhookPayload {
  return {
    subscriptionId: 'bench',
    event: {
      id: `evt_demo_${i}`,
      type: 'MessagePosted',
      tenantId: 'demo',
      occurredAt: new Date().toISOString(),
      data: { seq: i, type: 'MessagePosted', contactId: `c${i % CONTACTS}`, text: `message ${i}` },
    },
  }
}

const SUBSCRIPTION = { id: 'bench', secret: 'bench-secret-0123456789' }

/**
 * Baseline: a loop of 50 keep-alive workers POSTing the very requests ours sends (bodies and
 * headers, signed before the clock starts): nothing read, stored, signed or ordered in the loop.
 * With `bare`, only the bodies, for context.
 */
async function rawLoop(url: string, bare = false): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  const timestamp = Math.floor(Date.now() / 1000)
  const requests = Array.from({ length: DELIVERIES }, (_, i) => {
    const { event } = payload(i)
    const body = JSON.stringify(event)
    const headers = bare
      ? { 'content-type': 'application/json' }
      : webhookHeaders(SUBSCRIPTION, event, body, { delivery: i + 1, attempt: 1, timestamp })
    return { body, headers }
  })
  let next = 0
  const post = ({ body, headers }: { body: string; headers: Record<string, string> }) =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent, headers }, (res) => {
        res.resume()
        res.on('end', () =>
          res.statusCode === 204 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
        )
      })
      req.on('error', reject)
      req.end(body)
    })
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < DELIVERIES) await post(requests[next++]!)
    }),
  )
  const elapsed = performance.now() - t0
  agent.destroy()
  return (DELIVERIES / elapsed) * 1000
}

/** Ours: outbox items of 500 conversations, delivered by the dispatcher (signed, ordered per key, marked delivered). */
async function dispatched(url: string): Promise<number> {
  const docs = demoDocs()
  ;(docs[0] as TenantDoc).webhooks = [
    {
      ...SUBSCRIPTION,
      url,
      events: ['*'],
      allowPrivateNetwork: true,
      enabled: true,
    },
  ]
  const h = await startHarness(pgliteOnWorker, docs)
  try {
    const items = Array.from({ length: DELIVERIES }, (_, i) => ({
      tenantId: 'demo',
      eventSeq: i + 1,
      topic: WEBHOOK_TOPIC,
      orderingKey: `webhook:bench:c${i % CONTACTS}`,
      payload: payload(i),
    }))
    for (let i = 0; i < items.length; i += 500)
      await h.opened.db
        .insertInto('outbox')
        .values(outboxRows(items.slice(i, i + 500), h.time.now()))
        .execute()
    const t0 = performance.now()
    // What a commit's kick runs: the dispatcher sends until nothing is due.
    const sent = (await h.dispatcher.drain()).tried
    const elapsed = performance.now() - t0
    const left = await h.opened.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('delivered_at', 'is', null)
      .executeTakeFirstOrThrow()
    // The server's own start (RouterRestored) is an event too: the subscription takes every type.
    if (Number(left.n) !== 0 || sent < DELIVERIES) throw new Error(`${left.n} not delivered, ${sent} tried`)
    return (sent / elapsed) * 1000
  } finally {
    await h.close()
  }
}

export async function webhooksBench(): Promise<BenchResult> {
  const sink = spawnTs('bench/sink-server.ts', [], null)
  const url = `${await firstLine(sink, 'READY ')}/hook`
  try {
    const ours: number[] = []
    const raw: number[] = []
    const bare: number[] = []
    await rawLoop(url) // warm-up: both sides then run with a warm receiver and JIT
    for (let run = 1; run <= 4; run++) {
      process.stdout.write(`webhooks run ${run}/4: `)
      // The order alternates, so a drift of the machine touches both sides alike.
      if (run % 2) {
        raw.push(await rawLoop(url))
        ours.push(await dispatched(url))
      } else {
        ours.push(await dispatched(url))
        raw.push(await rawLoop(url))
      }
      bare.push(await rawLoop(url, true))
      console.log(`${fmt(ours.at(-1)!)} vs ${fmt(raw.at(-1)!)} deliveries/s`)
    }
    return verdict({
      name: 'webhook-deliveries',
      ratio: median(ours) / median(raw),
      threshold: 0.5,
      details: [
        [
          'workload',
          `${fmt(DELIVERIES)} events of ${CONTACTS} conversations to one local receiver (204), PGlite on its worker thread as the server runs it; ${CONCURRENCY} at a time on both sides`,
        ],
        ['dispatcher: outbox → signed POST → marked delivered, per second (median of 4)', fmt(median(ours))],
        ['raw keep-alive POST loop of the same requests (bodies and headers), per second', fmt(median(raw))],
        ['the same loop with the bodies alone (no webhook headers), per second', fmt(median(bare))],
        ['runs (ours / raw)', `${ours.map((x) => fmt(x)).join(', ')} / ${raw.map((x) => fmt(x)).join(', ')}`],
      ],
    })
  } finally {
    sink.kill('SIGTERM')
  }
}
