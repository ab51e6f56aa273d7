import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { freeSipPort } from './baresip.js'

export interface SippRun {
  /** 0: every call of the scenario went as written (SIPp's own exit code). */
  readonly code: number | null
  /** SIPp's error log and its message trace, for a failure's message. */
  readonly errors: string
  readonly messages: string
}

export interface SippOptions {
  readonly transport?: 'u1' | 't1'
  /** `-key name value` pairs the scenario reads as [name]. */
  readonly keys?: Record<string, string>
  /** `-s`: the user part of the Request-URI ([service]). */
  readonly service?: string
  /** Digest credentials for [authentication]. */
  readonly auth?: { readonly user: string; readonly password: string }
  readonly timeoutSeconds?: number
  /** The local port (default: a free one). */
  readonly port?: number
  /** More SIPp arguments; a scenario name after -oocsf is a file of test/voice/sipp. */
  readonly extra?: readonly string[]
  /** Ends a SIPp that waits for ever (a phone kept for a whole suite). */
  readonly signal?: AbortSignal
}

const SCENARIOS = path.resolve('test/voice/sipp')

/**
 * Debian's SIPp (sip-tester) playing one call of a scenario kept in test/voice/sipp against our
 * server. A scenario states every message it expects: an unexpected answer fails the call. A
 * missing sipp fails the test.
 */
export async function sipp(scenario: string, target: string, opts: SippOptions = {}): Promise<SippRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sipp-'))
  const port = opts.port ?? (await freeSipPort())
  const args = [
    target,
    '-sf',
    path.join(SCENARIOS, `${scenario}.xml`),
    '-m',
    '1',
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
    '-mp',
    String(port + 2),
    '-t',
    opts.transport ?? 'u1',
    '-nostdin',
    '-timeout',
    `${opts.timeoutSeconds ?? 60}s`,
    '-timeout_error',
    '-trace_err',
    '-trace_msg',
    // Call-IDs name the scenario, so a test finds its calls in the server's trace.
    '-cid_str',
    `${scenario}-%u-%p@%s`,
    ...(opts.service ? ['-s', opts.service] : []),
    ...(opts.auth ? ['-au', opts.auth.user, '-ap', opts.auth.password] : []),
    ...Object.entries(opts.keys ?? {}).flatMap(([k, v]) => ['-key', k, v]),
    ...(opts.extra ?? []).map((a, i, all) =>
      all[i - 1] === '-oocsf' ? path.join(SCENARIOS, `${a}.xml`) : a,
    ),
  ]
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], signal: opts.signal })
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)))
  child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)))
  const code = await new Promise<number | null>((resolve, reject) => {
    // Aborted by the test (a phone kept for a whole suite): its exit ends the wait.
    child.once('error', (e) =>
      opts.signal?.aborted
        ? undefined
        : reject(new Error(`sipp could not start (apt-get install sip-tester): ${e.message}`)),
    )
    child.once('exit', (c) => resolve(c))
  })
  const log = (suffix: string) =>
    readdirSync(dir)
      .filter((f) => f.endsWith(suffix))
      .map((f) => readFileSync(path.join(dir, f), 'utf8'))
      .join('\n')
  const run = { code, errors: `${log('_errors.log')}\n${output}`.trim(), messages: log('_messages.log') }
  rmSync(dir, { recursive: true, force: true })
  return run
}
