/// <reference lib="dom" />
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { chromium } from 'playwright-core'
import { sine } from './baresip.js'
import { toneShare } from './tones.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/**
 * Debian's Chromium, headless, whose microphone plays a tone of `hz` (fake media devices, the
 * permission granted) and which plays audio without a click first. Missing Chromium fails.
 */
export async function chromiumWithTone(hz: number): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`)
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'browser-tone-')), `tone-${hz}.wav`)
  writeFileSync(file, sine(hz, 60))
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-background-networking',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${file}`,
      '--autoplay-policy=no-user-gesture-required',
      // Loopback ICE candidates as addresses, not mDNS names rtpengine cannot resolve.
      '--disable-features=WebRtcHideLocalIpsWithMdns',
    ],
  })
}

/**
 * `ms` of what the page's `<audio>` element plays (its WebRTC stream), read through Web Audio,
 * as the share of `hz` in it (Goertzel; the largest share of several): near 1 when the far
 * side's tone comes through.
 */
export async function hearsInPage(page: Page, hz: number | readonly number[], ms = 1000): Promise<number> {
  const { samples, rate } = await page.evaluate(async (ms) => {
    // A widget keeps its elements in a shadow root: those count too.
    const roots = [document, ...[...document.querySelectorAll('*')].flatMap((e) => e.shadowRoot ?? [])]
    const el = roots
      .flatMap((r) => [...r.querySelectorAll('audio')])
      .find((a) => a.srcObject instanceof MediaStream)
    if (!el) throw new Error('no audio element plays a stream')
    const ctx = new AudioContext()
    const source = ctx.createMediaStreamSource(el.srcObject as MediaStream)
    const tap = ctx.createScriptProcessor(4096, 1, 1)
    const got: number[] = []
    tap.onaudioprocess = (e) =>
      got.push(...Array.from(e.inputBuffer.getChannelData(0), (x) => Math.round(x * 32767)))
    source.connect(tap)
    tap.connect(ctx.destination)
    await new Promise((r) => setTimeout(r, ms))
    tap.disconnect()
    await ctx.close()
    return { samples: got, rate: ctx.sampleRate }
  }, ms)
  // The first buffer may predate the stream's first packets: judged on the rest.
  const heard = Int16Array.from(samples.slice(4096))
  return Math.max(...[hz].flat().map((f) => toneShare(heard, rate, f)))
}
