import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { createWriteStream, mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { NgClient } from '../../src/adapters/media/rtpengine/ng-client.js'

export interface RunningRtpengine {
  readonly pid: number
  /** ng control address, host:port. */
  readonly ng: string
  readonly recordingDir: string
  stop(): Promise<void>
}

/**
 * Debian's rtpengine, bound to loopback with a media port range of its own (test files run in
 * parallel). Missing rtpengine fails the test: voice tests are never skipped.
 */
export async function startRtpengine(ports = 200): Promise<RunningRtpengine> {
  const recordingDir = mkdtempSync(path.join(os.tmpdir(), 'rtpengine-rec-'))
  for (let attempt = 0; ; attempt++) {
    // A call takes four ports (RTP and RTCP on each side); ranges of parallel instances do not overlap.
    const slot = Math.floor(Math.random() * Math.floor(30_000 / ports))
    const ngPort = 20_000 + Math.floor(Math.random() * 900)
    const portMin = 30_000 + slot * ports
    // In its own directory, and without core dumps: none is ever left in the repository.
    const child = spawn(
      'sh',
      [
        '-c',
        'ulimit -c 0; exec "$0" "$@"',
        'rtpengine',
        // Not the package's /etc file: it listens on fixed ports and records by the kernel method.
        '--config-file=none',
        '--interface=127.0.0.1',
        `--listen-ng=127.0.0.1:${ngPort}`,
        // Its command-line port too: the default (2224) would clash between parallel tests.
        `--listen-cli=127.0.0.1:${ngPort + 1000}`,
        '--table=-1',
        '--foreground',
        '--log-stderr',
        `--log-level=${process.env.RTPENGINE_LOG ? 7 : 5}`,
        `--port-min=${portMin}`,
        `--port-max=${portMin + ports - 1}`,
        `--recording-dir=${recordingDir}`,
        '--recording-method=pcap',
        '--delete-delay=0',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], cwd: recordingDir },
    )
    let log = ''
    child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)))
    // Looking into a failing call: RTPENGINE_LOG=<file> keeps rtpengine's whole log.
    if (process.env.RTPENGINE_LOG) child.stderr?.pipe(createWriteStream(process.env.RTPENGINE_LOG))
    const failed = new Promise<string>((resolve) => {
      child.once('error', (e) =>
        resolve(`rtpengine could not start (install Debian's rtpengine-daemon): ${e.message}`),
      )
      child.once('exit', (code) => resolve(`rtpengine exited with ${code}: ${log}`))
    })
    const late = new Promise<string>((resolve) =>
      setTimeout(() => resolve(`rtpengine did not answer within 10 s: ${log}`), 10_000).unref(),
    )
    const ready = await Promise.race([pong(ngPort), failed, late])
    if (ready === true) return running(child, `127.0.0.1:${ngPort}`, recordingDir)
    child.kill('SIGKILL')
    if (attempt >= 5 || !/address already in use|bind/i.test(ready)) throw new Error(ready)
  }
}

async function pong(port: number): Promise<true> {
  const ng = await NgClient.open({ host: '127.0.0.1', port, timeoutMs: 200, attempts: 1 })
  try {
    for (;;) {
      try {
        await ng.command('ping')
        return true
      } catch {
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  } finally {
    ng.close()
  }
}

function running(child: ChildProcess, ng: string, recordingDir: string): RunningRtpengine {
  return {
    pid: child.pid ?? 0,
    ng,
    recordingDir,
    // rtpengine 10.5 crashes (SIGSEGV in recording_finish) when it is stopped with a recorded
    // call alive: a test whose server was not stopped first leaves one. Deleted first, and a crash
    // on the way out fails the test that caused it.
    stop: async () => {
      if (child.exitCode !== null) return
      await deleteCalls(ng).catch(() => undefined)
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => {
        child.once('exit', (_code, sig) => resolve(sig))
        child.kill('SIGTERM')
      })
      if (signal !== null && signal !== 'SIGTERM') throw new Error(`rtpengine died of ${signal} on stop`)
    },
  }
}

async function deleteCalls(address: string): Promise<void> {
  const [host, port] = address.split(':')
  const ng = await NgClient.open({
    host: host ?? '127.0.0.1',
    port: Number(port),
    timeoutMs: 500,
    attempts: 2,
  })
  try {
    const reply = await ng.command('list', { limit: 10_000 })
    const calls = Array.isArray(reply.calls) ? reply.calls : []
    for (const id of calls) await ng.command('delete', { 'call-id': String(id), 'delete delay': 0 })
  } finally {
    ng.close()
  }
}
