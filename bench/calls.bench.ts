import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { startRtpengine } from '../test/support/rtpengine.js'
import { freeSipPort } from '../test/support/baresip.js'
import { firstLine, spawnTs } from './child.js'
import type { SippStats } from './proc.js'
import { cpuSeconds, SIPP_STATS, sippLoadOptions, sippStats } from './proc.js'
import type { BenchResult } from './stats.js'
import { fmt, verdict } from './stats.js'

// Calls bridged through the B2BUA at rising rates: SIPp callers → queue → SIPp agents, with
// G.711 flowing both ways through rtpengine (no recording). Our CPU per call against rtpengine's.

const RATES = [40, 70, 100]
const SECONDS_PER_RATE = 10
/** Enough phones for every call of the highest rate to find one free (3 s of talk in caller-load.xml, set-up, BYE). */
const AGENTS = 600
const PASSWORD = 'loadpass'

/** What the server says of its phones and calls (bench/voice-server.ts prints it as it changes). */
class ServerWatch {
  phones = 0
  answered = 0
  private waiting: (() => void)[] = []
  constructor(server: ChildProcess) {
    createInterface({ input: server.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const m = /^PHONES (\d+) ANSWERED (\d+)$/.exec(line)
      if (!m) return
      this.phones = Number(m[1])
      this.answered = Number(m[2])
      for (const w of this.waiting.splice(0)) w()
    })
  }
  /** Resolves when `ok` holds, or false after `ms`. */
  async until(ok: () => boolean, ms: number): Promise<boolean> {
    const end = Date.now() + ms
    while (!ok()) {
      const left = end - Date.now()
      if (left <= 0) return false
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiting.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
    return true
  }
}

/** One SIPp for every agent phone: registers each, then answers their calls and echoes their media. */
async function startAgents(target: string, watch: ServerWatch): Promise<{ stop: () => void }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sipp-agents-'))
  writeFileSync(
    path.join(dir, 'agents.csv'),
    [
      'SEQUENTIAL',
      ...Array.from(
        { length: AGENTS },
        (_, i) => `${2001 + i};[authentication username=${2001 + i} password=${PASSWORD}]`,
      ),
    ].join('\n') + '\n',
  )
  const port = await freeSipPort()
  const child = spawn(
    'sipp',
    [
      target,
      '-sf',
      path.resolve('bench/sipp/agent-register.xml'),
      '-oocsf',
      path.resolve('bench/sipp/agent-answer.xml'),
      '-inf',
      path.join(dir, 'agents.csv'),
      // Every phone registers once and stays: its registration is a call that never ends.
      '-m',
      String(AGENTS),
      '-r',
      '200',
      ...sippLoadOptions(port),
      '-mp',
      String(port + 2),
      '-rtp_echo',
    ],
    { cwd: dir, stdio: 'ignore' },
  )
  const failed = new Promise<never>((_, reject) =>
    child.once('error', (e) =>
      reject(new Error(`sipp could not start (apt-get install sip-tester): ${e.message}`)),
    ),
  )
  const all = await Promise.race([watch.until(() => watch.phones === AGENTS, 60_000), failed])
  if (!all) throw new Error(`only ${watch.phones} of ${AGENTS} agent phones registered`)
  return {
    stop: () => {
      child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** SIPp calling the access number `count` times at `rate` per second. */
async function callAt(target: string, rate: number, count: number): Promise<SippStats> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sipp-callers-'))
  const port = await freeSipPort()
  try {
    const child = spawn(
      'sipp',
      [
        target,
        '-sf',
        path.resolve('bench/sipp/caller-load.xml'),
        '-s',
        '9000',
        '-r',
        String(rate),
        '-m',
        String(count),
        ...sippLoadOptions(port),
        '-mp',
        String(port + 2),
        '-timeout',
        `${SECONDS_PER_RATE + 60}s`,
        ...SIPP_STATS,
      ],
      { cwd: dir, stdio: 'ignore' },
    )
    await new Promise<void>((resolve, reject) => {
      child.once('error', (e) => reject(new Error(`sipp could not start: ${e.message}`)))
      child.once('exit', () => resolve())
    })
    return sippStats(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function callsBench(): Promise<BenchResult> {
  const rtp = await startRtpengine(8000)
  const server = spawnTs('bench/voice-server.ts', [rtp.ng, '', String(AGENTS)], null)
  const watch = new ServerWatch(server)
  try {
    const target = `127.0.0.1:${Number(await firstLine(server, 'READY '))}`
    const agents = await startAgents(target, watch)
    const byRate: (SippStats & {
      rate: number
      answered: number
      serverMs: number
      rtpengineMs: number
      clean: boolean
    })[] = []
    try {
      for (const rate of RATES) {
        const count = rate * SECONDS_PER_RATE
        const answeredBefore = watch.answered
        const before = { server: cpuSeconds(server.pid!), rtpengine: cpuSeconds(rtp.pid) }
        const run = await callAt(target, rate, count)
        const perCall = (after: number, was: number) => ((after - was) * 1000) / Math.max(run.ok, 1)
        const cpu = {
          serverMs: perCall(cpuSeconds(server.pid!), before.server),
          rtpengineMs: perCall(cpuSeconds(rtp.pid), before.rtpengine),
        }
        // The queue answers a caller at once: only the server's count says an agent took the call.
        await watch.until(() => watch.answered - answeredBefore >= count, 5000)
        const answered = watch.answered - answeredBefore
        byRate.push({
          rate,
          ...run,
          ...cpu,
          answered,
          clean: run.ok === count && run.failed === 0 && answered === count,
        })
      }
    } finally {
      agents.stop()
    }
    const top = byRate.at(-1)!
    return verdict({
      name: 'sip-calls',
      ratio: top.serverMs / top.rtpengineMs,
      threshold: 1,
      lowerIsBetter: true,
      details: [
        [`CPU per call at ${top.rate}/s, ours (ms)`, fmt(top.serverMs, 2)],
        [`CPU per call at ${top.rate}/s, rtpengine (ms)`, fmt(top.rtpengineMs, 2)],
        ...byRate.map(
          (r) =>
            [
              `at ${r.rate}/s for ${SECONDS_PER_RATE} s`,
              `${r.clean ? 'clean' : 'NOT clean'}: ${fmt(r.ok)} calls done, ${r.failed} failed, ${r.retransmissions} resent, ${fmt(r.answered)} answered by an agent; CPU per call ours ${fmt(r.serverMs, 2)} ms, rtpengine ${fmt(r.rtpengineMs, 2)} ms`,
            ] as const,
        ),
        [`goal: clean at ${top.rate}/s`, top.clean ? 'PASS' : 'FAIL'],
      ],
    })
  } finally {
    server.kill('SIGTERM')
    await rtp.stop()
  }
}
