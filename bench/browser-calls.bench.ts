import type { Browser, Page } from 'playwright-core'
import { Phone } from '../test/support/baresip.js'
import { chromiumWithTone } from '../test/support/browser-audio.js'
import { startRtpengine } from '../test/support/rtpengine.js'
import { firstLine, spawnTs } from './child.js'
import { cpuSeconds } from './proc.js'
import type { BenchResult } from './stats.js'
import { fmt, percentile, verdict } from './stats.js'

// Click-to-call (002) in a real browser: document 002's sample page asks for a call, an agent's
// phone (baresip, answering by itself) takes it, the page dials in over SIP on WebSocket.
// Timed in the page's own performance timeline. Then five browser calls at once against five
// baresip callers at once: the CPU per call of our server and rtpengine.

const CALLS = 20
const WARM_UP = 2
const AGENTS = 5
const HOLD_MS = 10_000
const GOAL_CONNECTED_MS = 1500
const GOAL_FIRST_AUDIO_MS = 300

/** Chromium with this wrapped: every peer connection's first RTP each way, in page time. */
function timeFirstRtp(): void {
  const w = window as unknown as {
    RTCPeerConnection: typeof RTCPeerConnection
    firstRtp: { in?: number; out?: number }
  }
  w.firstRtp = {}
  const Original = w.RTCPeerConnection
  w.RTCPeerConnection = class extends Original {
    constructor(c?: RTCConfiguration) {
      super(c)
      const poll = setInterval(() => {
        void this.getStats().then((stats) => {
          stats.forEach((s: { type: string; packetsReceived?: number; packetsSent?: number }) => {
            if (s.type === 'inbound-rtp' && (s.packetsReceived ?? 0) > 0) w.firstRtp.in ??= performance.now()
            if (s.type === 'outbound-rtp' && (s.packetsSent ?? 0) > 0) w.firstRtp.out ??= performance.now()
          })
          if (w.firstRtp.in !== undefined && w.firstRtp.out !== undefined) clearInterval(poll)
        })
      }, 5)
    }
  }
}

async function samplePage(browser: Browser, url: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  page.setDefaultTimeout(30_000)
  await page.addInitScript(timeFirstRtp)
  await page.goto(`${url}/demo/click-to-call`)
  await page.getByRole('button', { name: '1. Start the chat' }).click()
  await page.getByRole('status').filter({ hasText: 'Chat connected' }).waitFor()
  return page
}

/**
 * One click-to-call from the page, timed: create → 168101, and the answer → first RTP each way.
 * The page calls again and again from one chat (a page signs in once: the AICC token route
 * allows 20 sign-ins a minute from one address).
 */
async function timedCall(page: Page) {
  await page.evaluate(() => {
    ;(window as unknown as { firstRtp: object }).firstRtp = {}
    performance.clearMarks()
  })
  await page.getByRole('button', { name: '2. Call us' }).click()
  await page.getByRole('status').filter({ hasText: 'On the call' }).waitFor()
  await page.waitForFunction(() => {
    const f = (window as unknown as { firstRtp: { in?: number; out?: number } }).firstRtp
    return f.in !== undefined && f.out !== undefined
  })
  // No helper functions inside: tsx would name them with a helper the page does not have.
  const t = await page.evaluate(() => {
    const marks = Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime]))
    const f = (window as unknown as { firstRtp: { in: number; out: number } }).firstRtp
    return {
      connected: (marks['c2c:168101'] ?? NaN) - (marks['c2c:create'] ?? NaN),
      firstAudio: Math.max(f.in, f.out) - (marks['c2c:confirmed'] ?? NaN),
    }
  })
  await page.getByRole('button', { name: 'Hang up' }).click()
  await page
    .getByRole('status')
    .filter({ hasText: /Call disconnected/ })
    .waitFor()
  return t
}

/** Waits for the server's report line that matches. */
function reported(lines: string[], test: (line: string) => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms
  return new Promise((resolve, reject) => {
    const check = () => {
      if (lines.some(test)) return resolve()
      if (Date.now() > end) return reject(new Error(`the server did not report it: ${lines.at(-1) ?? ''}`))
      setTimeout(check, 50)
    }
    check()
  })
}

export async function browserCallsBench(): Promise<BenchResult[]> {
  const rtp = await startRtpengine(400)
  const server = spawnTs('bench/browser-call-server.ts', [rtp.ng, String(AGENTS)], null)
  const lines: string[] = []
  server.stdout?.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)))
  const [url = '', sipPort = ''] = (await firstLine(server, 'READY ')).split(' ')
  const sip = `127.0.0.1:${sipPort}`
  const agents: Phone[] = []
  const callers: Phone[] = []
  let browser: Browser | undefined
  try {
    for (let i = 0; i < AGENTS; i++)
      agents.push(
        await Phone.start({
          account: `<sip:${2001 + i}@${sip};transport=udp>;auth_pass=loadpass;regint=600`,
          toneHz: 1000,
          autoAnswer: true,
        }),
      )
    await reported(lines, (l) => l.startsWith(`PHONES ${AGENTS} `))
    browser = await chromiumWithTone(440)

    // Latency: one call at a time, from one page.
    const connected: number[] = []
    const firstAudio: number[] = []
    const caller = await samplePage(browser, url)
    for (let i = 0; i < WARM_UP + CALLS; i++) {
      const t = await timedCall(caller)
      if (i < WARM_UP) continue
      connected.push(t.connected)
      firstAudio.push(t.firstAudio)
      process.stdout.write(
        `  call ${i + 1 - WARM_UP}/${CALLS}: 168101 ${fmt(t.connected)} ms, audio ${fmt(t.firstAudio)} ms\n`,
      )
      await reported(lines, (l) => l.endsWith('TALKING 0'))
    }

    await caller.context().close()

    // CPU: five browser calls at once, then five baresip callers at once, each held HOLD_MS.
    const cpuOf = () => cpuSeconds(server.pid!) + cpuSeconds(rtp.pid)
    const pages = await Promise.all(Array.from({ length: AGENTS }, () => samplePage(browser!, url)))
    await Promise.all(pages.map((p) => p.getByRole('button', { name: '2. Call us' }).click()))
    await Promise.all(pages.map((p) => p.getByRole('status').filter({ hasText: 'On the call' }).waitFor()))
    const b0 = cpuOf()
    await new Promise((r) => setTimeout(r, HOLD_MS))
    const browserCpuMs = ((cpuOf() - b0) * 1000) / AGENTS
    for (const p of pages) await p.getByRole('button', { name: 'Hang up' }).click()
    await reported(lines, (l) => l.endsWith('TALKING 0'))
    for (const p of pages) await p.context().close()

    for (let i = 0; i < AGENTS; i++) callers.push(await Phone.caller(String(5550100 + i), 440))
    for (const c of callers) c.dial(`sip:9000@${sip}`)
    await reported(lines, (l) => l.endsWith(`TALKING ${AGENTS}`))
    const p0 = cpuOf()
    await new Promise((r) => setTimeout(r, HOLD_MS))
    const phoneCpuMs = ((cpuOf() - p0) * 1000) / AGENTS
    for (const c of callers) c.hangup()

    connected.sort((x, y) => x - y)
    firstAudio.sort((x, y) => x - y)
    const p95Connected = percentile(connected, 0.95)
    const p95Audio = percentile(firstAudio, 0.95)
    const cpuRatio = browserCpuMs / phoneCpuMs
    return [
      verdict({
        name: 'click-to-call-latency',
        ratio: Math.max(p95Connected / GOAL_CONNECTED_MS, p95Audio / GOAL_FIRST_AUDIO_MS),
        threshold: 1,
        lowerIsBetter: true,
        details: [
          ['calls timed (one at a time, after 2 to warm up)', fmt(CALLS)],
          [
            'createClickToCall → 168101 (agent rung and answered), p50 / p95 (ms)',
            `${fmt(percentile(connected, 0.5))} / ${fmt(p95Connected)}`,
          ],
          [
            'answer → first RTP both ways, p50 / p95 (ms)',
            `${fmt(percentile(firstAudio, 0.5))} / ${fmt(p95Audio)}`,
          ],
          ['goal: 168101 p95 under 1,500 ms', p95Connected < GOAL_CONNECTED_MS ? 'PASS' : 'FAIL'],
          [
            'goal: first audio p95 under 300 ms after answer',
            p95Audio < GOAL_FIRST_AUDIO_MS ? 'PASS' : 'FAIL',
          ],
        ],
      }),
      verdict({
        name: 'browser-call-cpu',
        ratio: cpuRatio,
        threshold: 3,
        lowerIsBetter: true,
        details: [
          [
            `server + rtpengine CPU per browser call, ${AGENTS} at once for ${HOLD_MS / 1000} s (ms)`,
            fmt(browserCpuMs, 1),
          ],
          [
            `server + rtpengine CPU per baresip call, ${AGENTS} at once for ${HOLD_MS / 1000} s (ms)`,
            fmt(phoneCpuMs, 1),
          ],
        ],
      }),
    ]
  } finally {
    await browser?.close()
    await Promise.all([...agents, ...callers].map((p) => p.stop()))
    server.kill('SIGTERM')
    await new Promise((r) => server.once('exit', r))
    await rtp.stop()
  }
}
