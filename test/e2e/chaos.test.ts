import { createHmac, timingSafeEqual } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { mulberry32 } from '../../src/core/random.js'
import { writeClusterConfig } from '../support/cluster-config.js'
import { ChaosClients } from '../support/chaos-clients.js'
import { ChaosCluster } from '../support/chaos-cluster.js'
import type { Receipt } from '../support/chaos-invariants.js'
import { brokenRules } from '../support/chaos-invariants.js'
import { natsUrl } from '../support/nats.js'
import { standIn } from '../support/stand-in.js'
import { until } from '../support/until.js'
import { backends, leaseOwner } from './backends.js'

const nats = natsUrl()
const postgres = backends().find((b) => b.name === 'postgres')

const TENANTS = ['chaos1', 'chaos2', 'chaos3']
const AGENTS = ['a1', 'a2', 'a3']
const MAX_TASKS = 2
const OFFER_TIMEOUT_S = 10
const LEASE_MS = 3_000 // the default
const SECRET = 'chaos-webhook-secret-0123456789'
const PASSWORD = 'chaos-agent-pw'
const ROUNDS = Number(process.env.CHAOS_ROUNDS ?? 20)
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 100_000)

function signedBy(secret: string, signature: string, body: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature)
  if (!m) return false
  const want = createHmac('sha256', secret).update(`${m[1]}.${body}`).digest()
  return timingSafeEqual(want, Buffer.from(m[2]!, 'hex'))
}

// Three real server processes on the machine's PostgreSQL and NATS, customers and agents of three
// tenants, and for ROUNDS rounds a node killed (then started again) or an owner frozen for twice
// its lease. Afterwards the log and the tables must agree with what every client was told.
if (nats && postgres)
  describe('a cluster of three nodes under kill -9 and SIGSTOP', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-chaos-'))
    afterAll(async () => {
      await postgres.cleanup()
      rmSync(dir, { recursive: true, force: true })
    })

    it(`keeps every rule through ${ROUNDS} rounds (seed ${SEED})`, async () => {
      const receipts: Receipt[] = []
      let forged = 0
      const receiver = await standIn((req, body, res) => {
        if (!signedBy(SECRET, String(req.headers['x-switchboard-signature']), body)) forged++
        receipts.push({
          delivery: String(req.headers['x-switchboard-delivery']),
          eventId: String(req.headers['x-switchboard-event-id']),
          attempt: Number(req.headers['x-switchboard-attempt']),
          at: Date.now(),
        })
        res.writeHead(204).end()
      })
      const configFile = writeClusterConfig(dir, {
        tenants: TENANTS,
        agents: AGENTS,
        password: PASSWORD,
        maxTasks: MAX_TASKS,
        offerTimeoutSeconds: OFFER_TIMEOUT_S,
        webhook: { url: `${receiver.base}/hooks`, secret: SECRET },
      })
      const env: Record<string, string> = {
        ...(await postgres.env()),
        NATS_URL: nats,
        SIP_PORT: '0',
        LEASE_MS: String(LEASE_MS),
      }
      const databaseUrl = env.DATABASE_URL!
      const cluster = new ChaosCluster(env, configFile)
      const rng = mulberry32(SEED)
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!
      const owners = async () => Promise.all(TENANTS.map((t) => leaseOwner(databaseUrl, t)))
      try {
        // One node first: it applies the configuration before the others race to.
        await cluster.start('n1')
        await Promise.all([cluster.start('n2'), cluster.start('n3')])
        await until('every tenant owned', async () => ((await owners()).every(Boolean) ? true : undefined))
        const clients = new ChaosClients(
          () => cluster.urls(),
          TENANTS.map((id) => ({ id, agents: AGENTS, entryPointId: '1000' })),
          PASSWORD,
          SEED,
        )
        clients.start(1_500)
        for (let round = 1; round <= ROUNDS; round++) {
          if (round % 2 === 1) {
            const victim = pick(cluster.ids())
            await cluster.kill(victim)
            await until(
              `round ${round}: the tenants of ${victim} taken over`,
              async () => ((await owners()).every((o) => o && o !== victim) ? true : undefined),
              30_000,
            )
            await cluster.start(victim)
          } else {
            const owner = (await leaseOwner(databaseUrl, pick(TENANTS))) ?? pick(cluster.ids())
            await cluster.freeze(owner, 2 * LEASE_MS)
          }
          console.log(`chaos round ${round}/${ROUNDS}: ${JSON.stringify(cluster.disruptions.at(-1))}`)
        }
        await clients.finish()
        // What is still in the outbox goes out: a killed node's claims come back with it.
        const db = new pg.Client({ connectionString: databaseUrl })
        await db.connect()
        await until(
          'the outbox drained',
          async () =>
            (await db.query<{ n: number }>('select count(*)::int as n from outbox')).rows[0]!.n === 0 ||
            undefined,
          90_000,
        ).finally(() => db.end())
        const codes = await cluster.stop()
        const broken = await brokenRules({
          databaseUrl,
          tenants: TENANTS,
          maxTasks: MAX_TASKS,
          offerTimeoutMs: OFFER_TIMEOUT_S * 1000,
          acked: clients.acked,
          receipts,
          disruptions: cluster.disruptions,
        })
        const a = clients.acked
        console.log(
          `chaos: ${a.contacts.length} chats, ${a.messages.length} messages, ${a.accepted.length} accepted offers, ` +
            `${a.closed.length} wrap-ups, ${a.surveys.length} surveys, ${a.states.length} state changes, ` +
            `${receipts.length} webhook POSTs acknowledged; ${clients.failures} requests failed`,
        )
        expect(broken).toEqual([])
        expect(forged).toBe(0)
        expect(Object.values(codes).every((c) => c === 0)).toBe(true)
        // The chaos hit real traffic: every tenant had chats answered.
        for (const t of TENANTS) expect(a.accepted.filter((x) => x.tenantId === t).length).toBeGreaterThan(5)
      } catch (e) {
        console.log(cluster.tail(40))
        throw e
      } finally {
        cluster.killAll()
        await receiver.close()
      }
    }, 900_000)
  })
