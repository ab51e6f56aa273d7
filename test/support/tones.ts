import { readFileSync } from 'node:fs'

/** The channels of a 16-bit PCM WAV file. */
export function readWav(file: string): { rate: number; channels: Int16Array[] } {
  const b = readFileSync(file)
  if (b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WAVE')
    throw new Error(`${file} is not a WAV file`)
  let at = 12
  let rate = 0
  let count = 1
  while (at + 8 <= b.length) {
    const id = b.toString('latin1', at, at + 4)
    const size = b.readUInt32LE(at + 4)
    if (id === 'fmt ') {
      count = b.readUInt16LE(at + 10)
      rate = b.readUInt32LE(at + 12)
    } else if (id === 'data') {
      const end = Math.min(b.length, at + 8 + size)
      const frames = Math.floor((end - at - 8) / 2 / count)
      const channels = Array.from({ length: count }, () => new Int16Array(frames))
      for (let i = 0; i < frames; i++)
        for (let c = 0; c < count; c++)
          (channels[c] as Int16Array)[i] = b.readInt16LE(at + 8 + (i * count + c) * 2)
      return { rate, channels }
    }
    at += 8 + size + (size % 2)
  }
  throw new Error(`${file} has no audio data`)
}

/**
 * The share of a stretch's energy at one frequency (Goertzel): near 1 for a pure tone there, near
 * 0 when the frequency is absent. Silence gives 0.
 */
export function toneShare(samples: Int16Array, rate: number, hz: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate)
  let s1 = 0
  let s2 = 0
  let energy = 0
  for (const x of samples) {
    const s0 = x + k * s1 - s2
    s2 = s1
    s1 = s0
    energy += x * x
  }
  if (energy === 0) return 0
  const power = s1 * s1 + s2 * s2 - k * s1 * s2
  return power / ((samples.length / 2) * energy)
}

/** Per second of audio: how loud (RMS) and how much of it is at each frequency asked about. */
export function seconds(
  samples: Int16Array,
  rate: number,
  hz: readonly number[],
): { rms: number; share: Record<number, number> }[] {
  const out: { rms: number; share: Record<number, number> }[] = []
  for (let start = 0; start + rate <= samples.length; start += rate) {
    const s = samples.subarray(start, start + rate)
    let sum = 0
    for (const x of s) sum += x * x
    out.push({
      rms: Math.sqrt(sum / s.length),
      share: Object.fromEntries(hz.map((f) => [f, toneShare(s, rate, f)])),
    })
  }
  return out
}
