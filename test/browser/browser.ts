import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import type { RunningServer } from '../../src/main.js'
import { startDemoServer } from '../support/demo-server.js'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const ARTIFACTS = path.resolve('test-artifacts')

/** Debian's Chromium, headless. Missing Chromium fails the test: it is never skipped. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`)
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-background-networking'],
  })
}

/** Kept as a CI artifact: what the page looked like at this step. */
export async function snapshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true })
}

/**
 * The demo server and Chromium for the tests of one file: started before them (and handed to
 * `use`), stopped after.
 */
export function demoServerAndChromium(use: (server: RunningServer, browser: Browser) => void): void {
  let server: RunningServer | undefined
  let browser: Browser | undefined
  beforeAll(async () => {
    server = await startDemoServer('warn')
    browser = await launchChromium()
    use(server, browser)
  })
  afterAll(async () => {
    // Chromium has been seen to hang on close under load: that is not the server's fault, so it
    // is reported and let go (Playwright kills it when the process ends). A server that does not
    // stop is a bug, and fails naming itself rather than as a bare hook timeout.
    const closed = await within(20_000, browser?.close())
    if (!closed) console.error('Chromium did not close within 20 s; left to end with the test process')
    if (!(await within(30_000, server?.stop())))
      throw new Error(`the server did not stop within 30 s: stuck at ${server?.stopping ?? 'its start'}`)
  })
}

/** Whether `work` finished within `ms`. */
async function within(ms: number, work: Promise<unknown> | undefined): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  try {
    return await Promise.race([Promise.resolve(work).then(() => true as const), late])
  } finally {
    clearTimeout(timer)
  }
}
