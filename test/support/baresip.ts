import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { wavFile } from '../../src/app/wav.js'

export interface PhoneOptions {
  /** The account line, e.g. `<sip:801@127.0.0.1:5060>;auth_pass=…;regint=600`. */
  readonly account: string
  /** A sine this phone sends as its microphone (Hz). */
  readonly toneHz: number
  readonly autoAnswer: boolean
  /** More lines of baresip's config (say `sip_cafile` for a server's self-signed certificate). */
  readonly config?: readonly string[]
}

/**
 * A real SIP phone: Debian's baresip on loopback, driven through its console (stdin). It sends
 * a tone as its microphone and dumps what it hears to WAV files (the sndfile module). Missing
 * baresip fails the test.
 */
export class Phone {
  private log = ''
  private readonly waiters = new Set<{ test: RegExp; from: number; resolve: (line: string) => void }>()

  private constructor(
    private readonly child: ChildProcess,
    readonly dir: string,
    readonly port: number,
  ) {
    const take = (d: Buffer) => {
      this.log += d.toString()
      for (const w of [...this.waiters]) {
        const m = w.test.exec(this.log.slice(w.from))
        if (m) {
          this.waiters.delete(w)
          w.resolve(m[0])
        }
      }
    }
    child.stdout?.on('data', take)
    child.stderr?.on('data', take)
  }

  static async start(opts: PhoneOptions): Promise<Phone> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baresip-'))
    const port = await freeSipPort()
    const tone = path.join(dir, 'tone.wav')
    writeFileSync(tone, sine(opts.toneHz, 120))
    writeFileSync(
      path.join(dir, 'config'),
      [
        `sip_listen 127.0.0.1:${port}`,
        'net_interface 127.0.0.1',
        'module_path /usr/lib/baresip/modules',
        'module stdio.so',
        'module g711.so',
        'module aufile.so',
        'module sndfile.so',
        'module_app account.so',
        'module_app menu.so',
        `audio_source aufile,${tone}`,
        'audio_player aufile,/dev/null',
        'audio_alert aufile,/dev/null',
        `snd_path ${dir}`,
        'rtp_ports 40000-49999',
        ...(opts.config ?? []),
        '',
      ].join('\n'),
    )
    writeFileSync(
      path.join(dir, 'accounts'),
      `${opts.account};answermode=${opts.autoAnswer ? 'auto' : 'manual'}\n`,
    )
    const child = spawn('baresip', ['-f', dir], { stdio: ['pipe', 'pipe', 'pipe'] })
    const phone = new Phone(child, dir, port)
    await new Promise<void>((resolve, reject) => {
      child.once('error', (e) =>
        reject(new Error(`baresip could not start (install Debian's baresip-core): ${e.message}`)),
      )
      child.once('exit', (code) => reject(new Error(`baresip exited with ${code}: ${phone.log}`)))
      phone.waitFor(/baresip is ready/, 10_000).then(() => resolve(), reject)
    })
    return phone
  }

  /** A demo extension's phone (its password is `phone<number>`), once registered at `sip`. */
  static async extension(sip: string, number: string, toneHz: number, autoAnswer: boolean): Promise<Phone> {
    const phone = await Phone.start({
      account: `<sip:${number}@${sip};transport=udp>;auth_pass=phone${number};regint=600`,
      toneHz,
      autoAnswer,
    })
    await phone.waitFor(/200 OK \(\) \[1 binding\]/, 10_000, 0)
    return phone
  }

  /** A caller's phone (through the trunk on loopback): it registers nowhere, and dials. */
  static caller(number: string, toneHz: number): Promise<Phone> {
    return Phone.start({ account: `<sip:${number}@127.0.0.1>;regint=0`, toneHz, autoAnswer: false })
  }

  /** Resolves with the first matching output after this call (or since `from`, an offset of the log). */
  waitFor(test: RegExp, timeoutMs = 15_000, from = this.log.length): Promise<string> {
    const m = test.exec(this.log.slice(from))
    if (m) return Promise.resolve(m[0])
    return new Promise((resolve, reject) => {
      const w = { test, from, resolve }
      this.waiters.add(w)
      setTimeout(() => {
        if (!this.waiters.delete(w)) return
        reject(
          new Error(
            `baresip did not print ${test} within ${timeoutMs} ms; its log ends:\n${this.log.slice(-1500)}`,
          ),
        )
      }, timeoutMs).unref()
    })
  }

  get mark(): number {
    return this.log.length
  }

  /** What the phone printed since `mark`. */
  since(mark: number): string {
    return this.log.slice(mark)
  }

  command(line: string): void {
    this.child.stdin?.write(`${line}\n`)
  }

  dial(uri: string): void {
    this.command(`/dial ${uri}`)
  }

  hangup(): void {
    this.command('/hangup')
  }

  /** The WAV files of what this phone heard, one per call, oldest first. */
  heard(): string[] {
    return readdirSync(this.dir)
      .filter((f) => f.startsWith('dump-') && f.endsWith('-dec.wav'))
      .sort()
      .map((f) => path.join(this.dir, f))
  }

  /**
   * The last call's recording once baresip has closed it: it writes the sizes into the WAV header
   * only then, and a file read before that looks empty. (baresip 1.0 may hear nothing at all of a
   * stream whose sequence numbers jump back: its jitter buffer drops the packets as late.)
   */
  async lastHeard(timeoutMs = 5000): Promise<string> {
    const end = Date.now() + timeoutMs
    for (;;) {
      const file = this.heard().at(-1)
      const bytes = file ? readFileSync(file) : undefined
      // Closed: the header's size and the file's agree (an empty call's file is a bare header).
      if (file && bytes && bytes.length === 44 + dataSize(bytes)) return file
      if (Date.now() > end) throw new Error(`baresip did not finish a recording in ${this.dir}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  /** How much of this call the phone has heard so far (ms): the sndfile module writes each
   * decoded frame as it plays it, 16-bit mono at 8 kHz. */
  heardMs(): number {
    const file = this.heard().at(-1)
    return file ? Math.max(0, statSync(file).size - 44) / 16 : 0
  }

  /** Resolves once this call's recording holds `ms` of what the phone heard. */
  async hearing(ms: number, timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs
    while (this.heardMs() < ms) {
      if (Date.now() > end) throw new Error(`baresip heard less than ${ms} ms within ${timeoutMs} ms`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  stop(): Promise<void> {
    // Kept beside the phone's recordings, for whoever looks into a failure.
    writeFileSync(path.join(this.dir, 'console.log'), this.log)
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve()
      this.child.once('exit', () => resolve())
      this.command('/quit')
      setTimeout(() => this.child.kill('SIGKILL'), 3000).unref()
    })
  }
}

/** The size the WAV header gives its data chunk (0 until the writer closes the file). */
function dataSize(b: Buffer): number {
  for (let at = 12; at + 8 <= b.length;) {
    const size = b.readUInt32LE(at + 4)
    if (b.toString('latin1', at, at + 4) === 'data') return size
    at += 8 + size + (size % 2)
  }
  return 0
}

const handedOut = new Set<number>()

/**
 * A SIP port for a phone: baresip listens on UDP and TCP at it and TLS at the next one, so all
 * three must be free (and not given to another phone of this process).
 */
export async function freeSipPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + 2 * Math.floor(Math.random() * 15_000)
    if (handedOut.has(port)) continue
    if ((await canBind('udp', port)) && (await canBind('tcp', port)) && (await canBind('tcp', port + 1))) {
      handedOut.add(port)
      return port
    }
  }
}

async function canBind(kind: 'udp' | 'tcp', port: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (kind === 'udp') {
      const s = createSocket('udp4')
      s.once('error', () => resolve(false))
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)))
    } else {
      const s = createServer()
      s.once('error', () => resolve(false))
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
    }
  })
}

/**
 * A WAV of a pure tone, 8 kHz mono: what a phone (baresip's aufile plays 8 kHz files as they
 * are) or a browser (Chromium's fake microphone) sends.
 */
export function sine(hz: number, seconds: number): Buffer {
  const samples = Int16Array.from({ length: 8000 * seconds }, (_, i) =>
    Math.round(12_000 * Math.sin((2 * Math.PI * hz * i) / 8000)),
  )
  return wavFile(samples, 8000, 1)
}
