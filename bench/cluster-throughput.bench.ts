import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { writeClusterConfig } from '../test/support/cluster-config.js'
import { leaseOwner, postgresBackend } from '../test/e2e/backends.js'
import type { ServerProcess } from '../test/e2e/server-process.js'
import { api, exited, startServerProcess } from '../test/e2e/server-process.js'
import type { BenchResult } from './stats.js'
import { fmt, percentile, verdict } from './stats.js'

// Six tenants, four agents each, every agent's desktop changing its chat state as fast as the
// server answers: each request a command to the tenant's router, committed to PostgreSQL. Against
// one server on PostgreSQL (the baseline) and against three cluster nodes on NATS with the tenants
// spread over them and the requests spread over the nodes (two in three reach a node that does
// not own the tenant and go over NATS). Both run side by side on the machine, each on its own
// database, and are measured in alternating windows: a slow spell of the machine touches both.

const TENANTS = ['t1', 't2', 't3', 't4', 't5', 't6']
const AGENTS = ['a1', 'a2', 'a3', 'a4']
const PASSWORD = 'bench-agent-pw'
const ROUNDS = 4
const WARMUP_MS = 1_000
const WINDOW_MS = 5_000

interface Throughput {
  readonly perSecond: number
  readonly p50: number
  readonly p99: number
  readonly errors: number
}

interface Desk {
  readonly username: string
  readonly token: string
}

async function desksOf(url: string): Promise<Desk[]> {
  return Promise.all(
    TENANTS.flatMap((tenant) =>
      AGENTS.map(async (username) => {
        const login = await api<{ token: string }>(url, 'POST', '/api/v1/login', undefined, {
          username,
          password: PASSWORD,
          tenant,
        })
        if (login.status !== 200) throw new Error(`login of ${tenant}/${username} failed: ${login.status}`)
        return { username, token: login.json.token }
      }),
    ),
  )
}

/** Every agent toggles ready / not ready through the nodes in turn; the answers of the window. */
async function window(urls: readonly string[], desks: readonly Desk[], into: number[]): Promise<number> {
  const measureFrom = performance.now() + WARMUP_MS
  const end = measureFrom + WINDOW_MS
  let errors = 0
  await Promise.all(
    desks.map(async ({ username, token }, d) => {
      for (let i = d; performance.now() < end; i++) {
        const t0 = performance.now()
        const r = await api(
          urls[i % urls.length]!,
          'PUT',
          `/api/v1/agents/${username}/channels/chat`,
          token,
          {
            state: i % 2 === 0 ? 'ready' : 'not_ready',
          },
        )
        const t1 = performance.now()
        if (t0 < measureFrom || t1 > end) continue
        if (r.status === 200) into.push(t1 - t0)
        else errors++
      }
    }),
  )
  return errors
}

/** One setup: its database, its processes, and what its windows measured. */
class Setup {
  readonly latencies: number[] = []
  errors = 0
  private readonly nodes: ServerProcess[] = []
  private readonly database: ReturnType<typeof postgresBackend>
  private desks: Desk[] = []

  constructor(
    root: string,
    private readonly nodeIds: readonly string[],
    private readonly nats?: string,
  ) {
    this.database = postgresBackend(root)
  }

  async start(configFile: string): Promise<void> {
    const env: Record<string, string> = {
      ...(await this.database.env()),
      SIP_PORT: '0',
      ...(this.nats ? { NATS_URL: this.nats } : {}),
    }
    for (const id of this.nodeIds)
      this.nodes.push(await startServerProcess({ ...env, NODE_ID: id }, configFile))
    // Each node runs its fair share before the load starts.
    for (const deadline = Date.now() + 30_000; this.nats;) {
      const owners = await Promise.all(TENANTS.map((t) => leaseOwner(env.DATABASE_URL!, t)))
      const share = TENANTS.length / this.nodeIds.length
      if (this.nodeIds.every((id) => owners.filter((o) => o === id).length === share)) break
      if (Date.now() > deadline)
        throw new Error(`the tenants were not spread over the nodes: ${owners.join(', ')}`)
      await new Promise((r) => setTimeout(r, 200))
    }
    this.desks = await desksOf(this.nodes[0]!.url)
  }

  async measure(): Promise<void> {
    this.errors += await window(
      this.nodes.map((n) => n.url),
      this.desks,
      this.latencies,
    )
  }

  result(): Throughput {
    const sorted = [...this.latencies].sort((a, b) => a - b)
    return {
      perSecond: sorted.length / ((ROUNDS * WINDOW_MS) / 1000),
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      errors: this.errors,
    }
  }

  async stop(): Promise<void> {
    for (const n of this.nodes) if (n.child.exitCode === null) n.child.kill('SIGTERM')
    await Promise.all(this.nodes.map((n) => exited(n.child)))
    await this.database.cleanup()
  }
}

export async function clusterThroughputBench(): Promise<BenchResult> {
  const root = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
  const nats = process.env.NATS_URL ?? process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222'
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-bench-'))
  const configFile = writeClusterConfig(dir, {
    tenants: TENANTS,
    agents: AGENTS,
    password: PASSWORD,
    maxTasks: 2,
    offerTimeoutSeconds: 30,
  })
  const single = new Setup(root, ['solo'])
  const cluster = new Setup(root, ['a', 'b', 'c'], nats)
  try {
    process.stdout.write('cluster-throughput: starting one server and three nodes… ')
    await single.start(configFile)
    await cluster.start(configFile)
    for (let round = 1; round <= ROUNDS; round++) {
      process.stdout.write(`round ${round}/${ROUNDS}… `)
      await single.measure()
      await cluster.measure()
    }
    console.log('done')
    const one = single.result()
    const three = cluster.result()
    const row = (t: Throughput) =>
      `${fmt(t.perSecond)} /s, p50 ${fmt(t.p50, 1)} ms, p99 ${fmt(t.p99, 1)} ms, ${t.errors} refused`
    return verdict({
      name: 'cluster-throughput',
      ratio: three.perSecond / one.perSecond,
      threshold: 0.25,
      lowerIsBetter: false,
      details: [
        [
          'workload',
          `${TENANTS.length} tenants × ${AGENTS.length} agents changing state, ${ROUNDS} alternating windows of ${WINDOW_MS / 1000} s`,
        ],
        ['one server on PostgreSQL (the baseline)', row(one)],
        ['three nodes on PostgreSQL and NATS, tenants and requests spread', row(three)],
        [
          'goal: three nodes sharing one 2-core machine keep at least a quarter of the throughput (each forwarded command is handled twice, and every node hears every commit)',
          three.perSecond >= 0.25 * one.perSecond ? 'PASS' : 'FAIL',
        ],
        ['goal: no command refused', one.errors + three.errors === 0 ? 'PASS' : 'FAIL'],
      ],
    })
  } finally {
    await Promise.allSettled([single.stop(), cluster.stop()])
    rmSync(dir, { recursive: true, force: true })
  }
}
