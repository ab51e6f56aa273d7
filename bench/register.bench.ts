import type { ChildProcess } from 'node:child_process'
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { freeSipPort } from '../test/support/baresip.js'
import { firstLine, spawnTs } from './child.js'
import type { SippStats } from './proc.js'
import { SIPP_STATS, sippLoadOptions, sippStats, treeCpuSeconds } from './proc.js'
import type { BenchResult } from './stats.js'
import { fmt, verdict } from './stats.js'

// REGISTER with digest, driven by SIPp at rising rates, against our server and against Kamailio
// (a registrar of its own, on a loopback port, started and stopped here) in the same run.

const RATES = [500, 1000, 2000, 3000, 4000]
const SECONDS_PER_RATE = 3
const CPU_RATE = 1000
const CPU_SECONDS = 5
const SCENARIO = path.resolve('bench/sipp/register-load.xml')
const EXTENSION = '2001'
const PASSWORD = 'loadpass'

/** SIPp registering `count` times at `rate` per second; its own statistics say how it went. */
function registerAt(target: string, rate: number, count: number): SippStats {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sipp-load-'))
  try {
    const port = 27_000 + Math.floor(Math.random() * 2000) * 2
    try {
      execFileSync(
        'sipp',
        [
          target,
          '-sf',
          SCENARIO,
          '-s',
          EXTENSION,
          '-au',
          EXTENSION,
          '-ap',
          PASSWORD,
          '-r',
          String(rate),
          '-m',
          String(count),
          ...sippLoadOptions(port),
          '-timeout',
          '60s',
          ...SIPP_STATS,
        ],
        { cwd: dir, stdio: 'ignore' },
      )
    } catch {
      // A failed call makes SIPp exit 1: its statistics count it.
    }
    return sippStats(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The highest rate with every registration done and nothing resent, and CPU per registration. */
function measure(target: string, pid: number) {
  const byRate = RATES.map((rate) => {
    const count = rate * SECONDS_PER_RATE
    const r = registerAt(target, rate, count)
    return { rate, ...r, clean: r.ok === count && r.failed === 0 && r.retransmissions === 0 }
  })
  const before = treeCpuSeconds(pid)
  const run = registerAt(target, CPU_RATE, CPU_RATE * CPU_SECONDS)
  const cpuMs = ((treeCpuSeconds(pid) - before) * 1000) / Math.max(run.ok, 1)
  // The highest rate below which every rate was clean too.
  const firstUnclean = byRate.findIndex((r) => !r.clean)
  const clean = firstUnclean < 0 ? byRate : byRate.slice(0, firstUnclean)
  return { byRate, cpuMs, capacity: clean.at(-1)?.rate ?? 0 }
}

async function startKamailio(): Promise<{ child: ChildProcess; target: string; stop: () => void }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kamailio-'))
  const port = await freeSipPort()
  writeFileSync(
    path.join(dir, 'kamailio.cfg'),
    readFileSync(path.resolve('bench/kamailio.cfg'), 'utf8').replace('@PORT@', String(port)),
  )
  const child = spawn(
    'kamailio',
    ['-f', path.join(dir, 'kamailio.cfg'), '-P', path.join(dir, 'pid'), '-DD', '-E'],
    {
      cwd: dir,
      stdio: 'ignore',
    },
  )
  await new Promise<void>((resolve, reject) => {
    child.once('error', (e) =>
      reject(new Error(`kamailio could not start (apt-get install kamailio): ${e.message}`)),
    )
    // Ready once a registration goes through.
    const poll = (tries: number): void => {
      if (registerAt(`127.0.0.1:${port}`, 10, 1).ok === 1) return resolve()
      if (tries > 20) return reject(new Error('kamailio did not answer'))
      setTimeout(() => poll(tries + 1), 250)
    }
    setTimeout(() => poll(0), 300)
  })
  return {
    child,
    target: `127.0.0.1:${port}`,
    stop: () => {
      child.kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function registerBench(): Promise<BenchResult> {
  // The server with voice but no media server: registrations need none.
  const server = spawnTs('bench/voice-server.ts', ['127.0.0.1:9', '', '1'], null)
  const kamailio = await startKamailio()
  try {
    const sipPort = Number(await firstLine(server, 'READY '))
    const ours = measure(`127.0.0.1:${sipPort}`, server.pid!)
    const theirs = measure(kamailio.target, kamailio.child.pid!)
    const row = (r: (typeof ours.byRate)[number]) =>
      `${r.clean ? 'clean' : 'NOT clean'}: ${fmt(r.ok)} done, ${r.failed} failed, ${r.retransmissions} resent`
    return verdict({
      name: 'sip-register',
      ratio: ours.cpuMs / theirs.cpuMs,
      threshold: 2,
      lowerIsBetter: true,
      details: [
        ['CPU per registration, ours (ms)', fmt(ours.cpuMs, 3)],
        ['CPU per registration, Kamailio (ms)', fmt(theirs.cpuMs, 3)],
        ['highest clean rate, ours (/s)', fmt(ours.capacity)],
        ['highest clean rate, Kamailio (/s)', fmt(theirs.capacity)],
        ...ours.byRate.map((r) => [`ours at ${r.rate}/s`, row(r)] as const),
        ...theirs.byRate.map((r) => [`Kamailio at ${r.rate}/s`, row(r)] as const),
        [`goal: ours clean at 2,000/s`, ours.capacity >= 2000 ? 'PASS' : 'FAIL'],
      ],
    })
  } finally {
    kamailio.stop()
    server.kill('SIGTERM')
  }
}
