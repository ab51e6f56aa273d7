import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { access, mkdir, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { wavFile } from '../../app/wav.js'

const run = promisify(execFile)
const RATE = 8000

/** Notes of the built-in hold music (C major, no A4: callers' test tones sit at 440 Hz). */
export const HOLD_MUSIC_NOTES = [523.25, 659.25, 783.99, 1046.5] as const
export const RINGBACK_HZ = 450

/**
 * What callers hear: the built-in hold music (synthesised here, no file to ship) and spoken
 * announcements (espeak-ng, made on first use and kept). Without espeak-ng callers hear the
 * music alone, and `speechUnavailable` says why.
 */
export class Prompts {
  speechUnavailable: string | null = null
  private readonly made = new Map<string, Promise<string | null>>()

  constructor(private readonly dir: string) {}

  holdMusic(): Promise<string> {
    return this.once('hold-music', async () => {
      const file = path.join(this.dir, 'hold-music.wav')
      await this.write(file, wavFile(synthesiseMusic(16), RATE, 1))
      return file
    }) as Promise<string>
  }

  /** What a phone hears while the other end rings: 450 Hz, 1 s on and 4 s off (China's ringback). */
  ringback(): Promise<string> {
    return this.once('ringback', async () => {
      const file = path.join(this.dir, 'ringback.wav')
      const tone = Int16Array.from({ length: 5 * RATE }, (_, i) =>
        i < RATE ? Math.round(8000 * Math.sin((2 * Math.PI * RINGBACK_HZ * i) / RATE)) : 0,
      )
      await this.write(file, wavFile(tone, RATE, 1))
      return file
    }) as Promise<string>
  }

  /** "You are number 3 in the queue…": a file, or null when speech cannot be made. */
  announcement(position: number, waitMs: number | null): Promise<string | null> {
    const minutes = waitMs === null ? null : Math.max(1, Math.round(waitMs / 60_000))
    const text = [
      'Thank you for waiting.',
      position > 0 ? `You are number ${position} in the queue.` : '',
      minutes !== null && position > 0
        ? `Your expected wait is about ${minutes} minute${minutes === 1 ? '' : 's'}.`
        : '',
    ]
      .filter(Boolean)
      .join(' ')
    return this.say(text)
  }

  say(text: string): Promise<string | null> {
    const name = `say-${createHash('sha1').update(text).digest('hex').slice(0, 16)}`
    return this.once(name, async () => {
      const file = path.join(this.dir, `${name}.wav`)
      if (await exists(file)) return file
      try {
        await mkdir(this.dir, { recursive: true })
        const tmp = `${file}.${process.pid}.tmp.wav`
        await run('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', tmp, text], { timeout: 20_000 })
        await rename(tmp, file)
        return file
      } catch (e) {
        this.speechUnavailable = `announcements need espeak-ng (${(e as Error).message.split('\n')[0]})`
        return null
      }
    })
  }

  private once(key: string, make: () => Promise<string | null>): Promise<string | null> {
    let p = this.made.get(key)
    if (!p) {
      p = make()
      this.made.set(key, p)
      // A failure is tried again next time (espeak-ng may be installed meanwhile).
      p.then(
        (f) => f === null && this.made.delete(key),
        () => this.made.delete(key),
      )
    }
    return p
  }

  private async write(file: string, bytes: Buffer): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    const tmp = `${file}.${process.pid}.tmp`
    await writeFile(tmp, bytes)
    await rename(tmp, file)
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  )
}

/** A gentle arpeggio over the hold-music notes, soft attack and decay, looping cleanly. */
function synthesiseMusic(seconds: number): Int16Array {
  const out = new Int16Array(seconds * RATE)
  const noteLength = RATE / 2
  const pattern = [0, 1, 2, 1, 0, 2, 3, 2]
  for (let n = 0; n * noteLength < out.length; n++) {
    const f = HOLD_MUSIC_NOTES[pattern[n % pattern.length] as number] as number
    for (let i = 0; i < noteLength && n * noteLength + i < out.length; i++) {
      const t = i / RATE
      const envelope = Math.min(1, i / 200) * Math.exp(-3 * t)
      out[n * noteLength + i] = Math.round(9000 * envelope * Math.sin(2 * Math.PI * f * t))
    }
  }
  return out
}
