import { writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { pathToFileURL } from 'node:url'
import { ewtBench } from './ewt.bench.js'
import { persistenceBench } from './persistence.bench.js'
import { routingBench } from './routing.bench.js'
import type { BenchResult } from './stats.js'
import { statusBench } from './status.bench.js'
import { reportingBench } from './reporting.bench.js'
import { webhooksBench } from './webhooks.bench.js'
import { sipParseBench } from './sip-parse.bench.js'
import { voiceBench } from './voice.bench.js'
import { registerBench } from './register.bench.js'

function markdown(results: readonly BenchResult[], started: Date, seconds: number): string {
  const lines = [
    '# Benchmarks',
    '',
    `Latest run: ${started.toISOString()} (${Math.round(seconds)} s), Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB.`,
    'Written by `npm run bench`. Every figure is a ratio to a baseline measured in the same run (these machines are',
    'noisy; absolute numbers are context). Lines `perf: <name> ratio=<r> threshold=<t> PASS|FAIL` are printed for CI logs.',
    '',
    '| benchmark | ratio | threshold | result |',
    '|---|---:|---:|---|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.ratio.toFixed(3)} | ${r.lowerIsBetter ? '≤' : '≥'} ${r.threshold} | ${r.pass ? 'PASS' : 'FAIL'} |`,
    ),
    '',
  ]
  for (const r of results) {
    lines.push(`## ${r.name}`, '', '| | |', '|---|---|', ...r.details.map(([k, v]) => `| ${k} | ${v} |`), '')
  }
  lines.push(
    '## Notes',
    '',
    '- **routing**: the baseline is the same router with its decision replaced by "first free agent / first waiting',
    '  contact" (same offers, events, states and indexes), so the ratio is what choosing well costs. The issue\'s',
    '  absolute goals (p99 ≤ 1 ms, ≥ 20,000 decisions/s) are checked in the goal rows.',
    '- **ewt-accuracy**: the naive predictor divides by agents, as defined in the issue; in the chat scenario that',
    '  ignores concurrency, which dominates the mean. The per-scenario rows show the comparison with a kinder',
    '  per-slot variant as well.',
    '- **entry-point-status**, **ece-status-calls**: served from the in-memory snapshot through a fast path in front of',
    '  Fastify (the same mappers as the routes); 0 database queries per request is counted from `/metrics`. Measured',
    '  with the server on PGlite (the default, now on a worker thread of its own: on the HTTP thread it cost every request',
    '  about 40% more CPU) and on PostgreSQL. Each target gets a server process of its own: measured one after the other',
    '  in one process, whichever came second cost about 30% more CPU per request than in a fresh server (swapping the',
    '  targets swapped the verdicts; the cause is not found, and mixed native and ECE load in a fresh server does not show',
    "  it). The ratio is the median of 16 raw/ours pairs run seconds apart in alternating order, so the machine's slow",
    '  spells (raw node:http itself swings between 15 and 32 µs per request here) touch both sides of a pair.',
    '- **report-projection**: the projector reads the event log in batches of 2,000, folds them into 15-minute',
    '  intervals, contact records and activities, and stores the changed rows with its checkpoint in one transaction;',
    '  the baseline reads the same events in the same batches and does nothing with them. No goal is set by the issue;',
    '  0.25 is ours (storing the read side costs at most four times reading the log).',
    '- **webhook-deliveries**: the outbox dispatcher against a loop of 50 keep-alive workers POSTing the very same',
    '  requests (bodies and webhook headers, signed before the clock starts) to the same receiver (a child process',
    '  on CPU 1). Ours also reads the outbox (PGlite on its worker thread, as the server runs it), signs each body',
    '  (HMAC-SHA256), keeps per-conversation order and removes what was delivered; one warm server serves every run.',
    '  The ratio is the median of 10 pairs run back to back in alternating order: the raw loop alone swings between',
    '  7k and 20k requests/s here. What brought it from 0.40 to above 0.5: the next batch is read while the last is',
    "  sent, and a conversation's next event goes as soon as its last is answered (rounds that waited for their",
    '  slowest delivery are gone); delivered items are deleted (a third of the cost of marking them); the sender ends',
    '  late requests with one sweep instead of a timer per socket, and builds each request as one plain object.',
    '- **sip-parse**: our parser reads a message whole (start line, every header, compact forms, folding, the',
    '  From/To/Via/CSeq a transaction needs, checked) against splitting the same bytes into lines, which is as',
    '  little as anything can do with them. The goal (0.05) says a message costs under 20 line-splits.',
    '- **voice-concurrent-calls**: the server (a child process) against rtpengine in the same run, both measured',
    '  as CPU time from /proc over the whole run (set-up, 20 s of media, hang-up). The ratio says what our',
    '  signalling, routing and storage cost per call next to relaying and recording its media (goal ≤ 1).',
    "- **sip-register**: SIPp (Debian's sip-tester) registers one extension with digest at 500 to 4,000 per second",
    '  for 3 s each, against our server (a child process, voice on, no media server needed) and against Kamailio',
    '  5.6 (`bench/kamailio.cfg`: auth and registrar, bindings in memory) on its own loopback port, started and',
    '  stopped by the benchmark. A rate is clean when every registration is done and SIPp resent nothing. CPU per',
    "  registration is user + system time from /proc at 1,000/s for 5 s (all of Kamailio's processes; our worker",
    '  thread counts in our process). Ours keeps every binding durable in the database. Goals: CPU within 2× of',
    "  Kamailio's, and clean at 2,000/s.",
    '',
  )
  return lines.join('\n')
}

export async function main(): Promise<void> {
  const started = new Date()
  const t0 = performance.now()
  const results: BenchResult[] = []
  console.log('[1/9] routing')
  results.push(...routingBench())
  console.log('[2/9] estimated wait time accuracy')
  results.push(ewtBench())
  console.log('[3/9] persistence (group commit)')
  results.push(await persistenceBench())
  console.log('[4/9] report projection')
  results.push(await reportingBench())
  console.log('[5/9] webhook deliveries')
  results.push(await webhooksBench())
  console.log('[6/9] entry-point status over HTTP (native and ECE)')
  results.push(...(await statusBench()))
  console.log('[7/9] SIP parsing')
  results.push(sipParseBench())
  console.log('[8/9] concurrent calls through the B2BUA and rtpengine')
  results.push(await voiceBench())
  console.log('[9/9] REGISTER with digest: SIPp at rising rates, ours against Kamailio')
  results.push(await registerBench())
  writeFileSync('BENCHMARKS.md', markdown(results, started, (performance.now() - t0) / 1000))
  console.log(`\nBENCHMARKS.md written: ${results.filter((r) => r.pass).length}/${results.length} passed`)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e: unknown) => {
    console.error(e)
    process.exit(1)
  })
}
