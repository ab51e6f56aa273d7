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
    await browser?.close()
    await server?.stop()
  })
}
