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

const DELIVERIES = 6000
/** The dispatcher sends up to 50 at once; the raw loop gets as many workers. */
const CONCURRENCY = 50
const CONTACTS = 500
const PAIRS = 10

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

/**
 * Ours: outbox items of 500 conversations, delivered by the dispatcher (signed, ordered per key,
 * marked delivered). One server for every run, as a server runs: warm, its outbox growing.
 */
async function startDispatching(url: string) {
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
  let seq = 0
  const run = async (): Promise<number> => {
    const items = Array.from({ length: DELIVERIES }, (_, i) => ({
      tenantId: 'demo',
      eventSeq: ++seq,
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
  }
  return { run, close: () => h.close() }
}

export async function webhooksBench(): Promise<BenchResult> {
  const sink = spawnTs('bench/sink-server.ts', [], 1)
  const url = `${await firstLine(sink, 'READY ')}/hook`
  const ours = await startDispatching(url)
  try {
    const rates: { ours: number; raw: number }[] = []
    const bare: number[] = []
    // Warm-up: both sides then run with a warm receiver, server and JIT.
    await rawLoop(url)
    await ours.run()
    for (let pair = 1; pair <= PAIRS; pair++) {
      process.stdout.write(`webhooks pair ${pair}/${PAIRS}: `)
      // The order alternates, so a drift of the machine touches both sides alike.
      const first = pair % 2 ? await rawLoop(url) : await ours.run()
      const second = pair % 2 ? await ours.run() : await rawLoop(url)
      rates.push(pair % 2 ? { raw: first, ours: second } : { ours: first, raw: second })
      bare.push(await rawLoop(url, true))
      console.log(`${fmt(rates.at(-1)!.ours)} vs ${fmt(rates.at(-1)!.raw)} deliveries/s`)
    }
    const ratios = rates.map((r) => r.ours / r.raw).sort((a, b) => a - b)
    return verdict({
      name: 'webhook-deliveries',
      ratio: median(ratios),
      threshold: 0.5,
      details: [
        [
          'workload',
          `${fmt(DELIVERIES)} events of ${CONTACTS} conversations to one local receiver (204), PGlite on its worker thread as the server runs it; ${CONCURRENCY} at a time on both sides`,
        ],
        [
          'ratio measured on',
          `deliveries/s, ours ÷ raw, median of ${PAIRS} pairs run back to back in alternating order`,
        ],
        ['pair ratios (sorted)', ratios.map((r) => r.toFixed(2)).join(', ')],
        [
          'dispatcher: outbox → signed POST → removed once delivered, per second (median)',
          fmt(median(rates.map((r) => r.ours))),
        ],
        [
          'raw keep-alive POST loop of the same requests (bodies and headers), per second (median)',
          fmt(median(rates.map((r) => r.raw))),
        ],
        ['the same loop with the bodies alone (no webhook headers), per second (median)', fmt(median(bare))],
      ],
    })
  } finally {
    await ours.close()
    sink.kill('SIGTERM')
  }
}
