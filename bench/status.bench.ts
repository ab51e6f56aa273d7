import type { ChildProcess } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { cpuSeconds } from './proc.js'
import { firstLine, spawnTs } from './child.js'
import type { BenchResult } from './stats.js'
import { fmt, median, verdict } from './stats.js'

const PATH = '/api/v1/entry-points/1000/status'
const SECONDS = 3
/** Pairs of runs (one raw, one ours), the order alternating so a drift of the machine cancels. */
const PAIRS = 16

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true'])
    return true
  } catch {
    return false
  }
}

/** CPU seconds a process has used (user + system), from /proc; undefined off Linux. */
function cpuOf(pid: number | undefined): number | undefined {
  try {
    return pid === undefined ? undefined : cpuSeconds(pid)
  } catch {
    return undefined
  }
}

interface Load {
  rps: number
  p50: number
  p99: number
  errors: number
  non2xx: number
}

async function load(url: string, cpu: number | null, paths: readonly string[] = []): Promise<Load> {
  const child = spawnTs('bench/load.ts', [url, String(SECONDS), '100', ...paths], cpu)
  return JSON.parse(await firstLine(child, '{').then((rest) => `{${rest}`)) as Load
}

/** One load run, with the server's CPU time per request (stable where req/s is not). */
async function measured(
  server: ChildProcess,
  url: string,
  cpu: number | null,
  paths: readonly string[],
): Promise<Load & { cpuUs?: number }> {
  const before = cpuOf(server.pid)
  const r = await load(url, cpu, paths)
  const after = cpuOf(server.pid)
  const requests = r.rps * SECONDS
  return before === undefined || after === undefined || requests === 0
    ? r
    : { ...r, cpuUs: ((after - before) * 1e6) / requests }
}

async function dbQueries(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text()
  return Number(/^switchboard_db_queries_total (\d+)/m.exec(text)?.[1] ?? Number.NaN)
}

interface Target {
  readonly name: string
  readonly label: string
  readonly paths: readonly string[]
}

const TARGETS: readonly Target[] = [
  { name: 'entry-point-status', label: `GET ${PATH}`, paths: [PATH] },
  {
    name: 'ece-status-calls',
    label:
      'the five ECE GETs (agentAvailability, capacity, liveSessionStatus, checkEligibility, chatAllowed) for 1000, cycled',
    paths: ['agentAvailability', 'capacity', 'liveSessionStatus', 'checkEligibility', 'chatAllowed'].map(
      (c) => `/system/egain/chat/entrypoint/${c}/1000`,
    ),
  },
]

/** Our server against raw node:http answering a constant body of the same (mean) size. */
async function compare(target: Target, storage: Storage, pin: boolean): Promise<BenchResult> {
  // A server of its own per target: measured one after the other in one process, whichever
  // target came second cost about 30% more than in a fresh server (see BENCHMARKS.md).
  const ours = spawnTs(
    'bench/status-server.ts',
    [],
    pin ? 0 : null,
    storage.databaseUrl ? { DATABASE_URL: storage.databaseUrl } : {},
  )
  const oursUrl = await firstLine(ours, 'READY ')
  const bodies = await Promise.all(target.paths.map(async (p) => (await fetch(oursUrl + p)).text()))
  const size = Math.round(bodies.reduce((n, b) => n + Buffer.byteLength(b), 0) / bodies.length)
  const raw = spawnTs('bench/raw-server.ts', [], pin ? 0 : null, {
    BODY: (bodies[0] ?? '').padEnd(size, ' ').slice(0, size),
  })
  const rawUrl = await firstLine(raw, 'READY ')
  const loadCpu = pin ? 1 : null
  try {
    await load(oursUrl, loadCpu, target.paths)
    await load(rawUrl, loadCpu, ['/'])
    const before = await dbQueries(oursUrl)
    const a: number[] = []
    const b: number[] = []
    const cpuA: number[] = []
    const cpuB: number[] = []
    const pairRatios: number[] = []
    const p99a: number[] = []
    const p99b: number[] = []
    let failures = 0
    for (let pair = 1; pair <= PAIRS; pair++) {
      process.stdout.write(`${target.name} [${storage.name}] pair ${pair}/${PAIRS}: `)
      const runRaw = (): Promise<Load & { cpuUs?: number }> => measured(raw, rawUrl, loadCpu, ['/'])
      const runOurs = (): Promise<Load & { cpuUs?: number }> => measured(ours, oursUrl, loadCpu, target.paths)
      let r: Load & { cpuUs?: number }
      let s: Load & { cpuUs?: number }
      if (pair % 2 === 1) {
        r = await runRaw()
        s = await runOurs()
      } else {
        s = await runOurs()
        r = await runRaw()
      }
      console.log(
        `${fmt(s.rps)} vs ${fmt(r.rps)} req/s; CPU ${fmt(s.cpuUs ?? 0, 1)} vs ${fmt(r.cpuUs ?? 0, 1)} µs/request`,
      )
      if (s.cpuUs !== undefined && r.cpuUs !== undefined) {
        cpuA.push(s.cpuUs)
        cpuB.push(r.cpuUs)
        pairRatios.push(r.cpuUs / s.cpuUs)
      }
      a.push(s.rps)
      b.push(r.rps)
      p99a.push(s.p99)
      p99b.push(r.p99)
      failures += s.errors + s.non2xx
    }
    const queries = (await dbQueries(oursUrl)) - before
    const requests = a.reduce((n, rps) => n + rps * SECONDS, 0)
    // The load generator (Node) saturates near the raw server's rate, so req/s swings with it;
    // the server's CPU per request does not. Judge on CPU where /proc has it, pair by pair: the
    // two runs of a pair are seconds apart, so the machine's slower spells touch both.
    const cpuRatio = pairRatios.length > 0 ? median(pairRatios) : undefined
    return verdict({
      name: `${target.name} [${storage.name}]`,
      ratio: cpuRatio ?? median(a) / median(b),
      threshold: 0.8,
      details: [
        [
          'ratio measured on',
          cpuRatio === undefined
            ? 'req/s (no /proc here)'
            : 'server CPU time per request, raw ÷ switchboard, median of the pairs',
        ],
        [
          'pair ratios (sorted)',
          [...pairRatios]
            .sort((x, y) => x - y)
            .map((x) => fmt(x, 2))
            .join(', ') || 'n/a',
        ],
        [
          'server CPU µs per request (switchboard / raw, median)',
          cpuRatio === undefined ? 'n/a' : `${fmt(median(cpuA), 1)} / ${fmt(median(cpuB), 1)}`,
        ],
        ['req/s ratio (switchboard ÷ raw, median)', fmt(median(a) / median(b), 3)],
        ['storage', storage.label],
        [
          'workload',
          `${target.label}; ${size}-byte bodies; autocannon 100 connections × ${SECONDS} s, ${PAIRS} pairs of runs in alternating order, a fresh server per target${pin ? ', servers on CPU 0, load on CPU 1' : ''}`,
        ],
        ['switchboard req/s (median)', fmt(median(a))],
        ['raw node:http, constant body of the same size, req/s (median)', fmt(median(b))],
        ['p99 latency ms (switchboard / raw)', `${fmt(median(p99a), 1)} / ${fmt(median(p99b), 1)}`],
        [
          'goal 0 database queries per request',
          // Timers (report projection at each 15-minute boundary) may query while the runs go
          // on; a request never does, which one query per thousand requests would betray.
          `${queries / requests < 0.001 ? 'PASS' : 'FAIL'} (${queries} during ${fmt(requests)} requests)`,
        ],
        ['goal no errors', failures === 0 ? 'PASS' : `FAIL (${failures})`],
      ],
    })
  } finally {
    raw.kill('SIGTERM')
    ours.kill('SIGTERM')
  }
}

interface Storage {
  readonly name: string
  readonly label: string
  readonly databaseUrl: string | undefined
}

/** A database of its own on the test server, so the benchmark never touches the tests' data. */
async function benchDatabase(serverUrl: string): Promise<string> {
  const { Client } = (await import('pg')).default
  const client = new Client({ connectionString: serverUrl })
  await client.connect()
  try {
    const exists = await client.query("select 1 from pg_database where datname = 'switchboard_bench'")
    if (exists.rowCount === 0) await client.query('create database switchboard_bench')
  } finally {
    await client.end()
  }
  const url = new URL(serverUrl)
  url.pathname = '/switchboard_bench'
  return url.toString()
}

/**
 * PGlite (the embedded default) always; PostgreSQL too when a server is given
 * (BENCH_DATABASE_URL or TEST_DATABASE_URL): the storage engine shares the process with the
 * HTTP server, and the two cost the status calls differently.
 */
async function storages(): Promise<Storage[]> {
  const list: Storage[] = [
    { name: 'pglite', label: 'PGlite in the server process (the default)', databaseUrl: undefined },
  ]
  const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL
  if (server)
    list.push({
      name: 'postgres',
      label: 'PostgreSQL (DATABASE_URL)',
      databaseUrl: await benchDatabase(server),
    })
  return list
}

export async function statusBench(): Promise<BenchResult[]> {
  const pin = hasTaskset()
  const results: BenchResult[] = []
  for (const storage of await storages())
    for (const t of TARGETS) results.push(await compare(t, storage, pin))
  return results
}
