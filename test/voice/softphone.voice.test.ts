import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { agentState } from '../../src/core/commands.js'
import type { RunningServer } from '../../src/main.js'
import { Phone } from '../support/baresip.js'
import { chromiumWithTone, hearsInPage } from '../support/browser-audio.js'
import { demoDocs } from '../support/harness.js'
import type { RunningRtpengine } from '../support/rtpengine.js'
import { startRtpengine } from '../support/rtpengine.js'
import { readWav, seconds } from '../support/tones.js'
import { loginAt } from '../support/login.js'
import { until } from '../support/until.js'
import { startVoiceServer } from '../support/voice-server.js'

// The agent desktop's softphone in Chromium (JsSIP over WebSocket, DTLS-SRTP and ICE to
// rtpengine) against a caller on a real SIP phone (baresip, plain RTP through the trunk): each
// side's tone is checked on the other, and in the server's recording.
const CALLER_HZ = 440
const BROWSER_HZ = 1000
const DESK_HZ = 1320
const PROVIDER_HZ = 660

let rtp: RunningRtpengine
let server: RunningServer
let browser: Browser
let caller: Phone
let provider: Phone
/** agent3's desk phone, in the case that has one: stopped at the end even when the case fails. */
let deskPhone: Phone | undefined
let sip: string

beforeAll(async () => {
  rtp = await startRtpengine()
  // The provider's side of the trunk: calls out to 5557777 ring this phone, which answers.
  provider = await Phone.start({
    account: '<sip:5557777@127.0.0.1>;regint=0',
    toneHz: PROVIDER_HZ,
    autoAnswer: true,
  })
  const docs = demoDocs()
  const demo = docs[0]!
  demo.voice = {
    ...demo.voice!,
    trunks: [{ id: 'local-trunk', host: '127.0.0.1', port: provider.port, transport: 'udp' }],
  }
  server = await startVoiceServer(docs, rtp)
  sip = `127.0.0.1:${server.voice!.sip.port}`
  browser = await chromiumWithTone(BROWSER_HZ)
  caller = await Phone.caller('5551234', CALLER_HZ)
}, 60_000)

afterAll(async () => {
  await deskPhone?.stop()
  await provider?.stop()
  await caller?.stop()
  await browser?.close()
  await server?.stop()
  await rtp?.stop()
})

/**
 * The agent desktop signed in; `watchSockets`: the page's SIP WebSockets are kept in
 * `window.__sipSockets`, so a test can drop one.
 */
async function signIn(username: string, watchSockets = false): Promise<Page> {
  const page = await (await browser.newContext({ locale: 'en-GB' })).newPage()
  if (watchSockets)
    await page.addInitScript(() => {
      const w = window as unknown as { __sipSockets: WebSocket[]; WebSocket: typeof WebSocket }
      w.__sipSockets = []
      const Original = w.WebSocket
      w.WebSocket = class extends Original {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols)
          if (String(url).endsWith('/sip')) w.__sipSockets.push(this)
        }
      }
    })
  page.setDefaultTimeout(15_000)
  await page.goto(`${server.url}/agent/`)
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill('agent')
  await page.getByRole('button', { name: 'Sign in' }).click()
  return page
}

async function supervisorGet<T>(url: string): Promise<T> {
  const token = await loginAt(server.url, 'supervisor', 'supervisor')
  const res = await fetch(`${server.url}${url}`, { headers: { authorization: `Bearer ${token}` } })
  return (
    res.headers.get('content-type')?.includes('json')
      ? await res.json()
      : Buffer.from(await res.arrayBuffer())
  ) as T
}

describe('the agent softphone in the browser', () => {
  it('registers on sign-in, rings on a call, answers, and carries audio both ways with the recording', async () => {
    const page = await signIn('agent1')
    await page.getByRole('status').filter({ hasText: 'Phone: ready in this browser' }).waitFor()
    const runtime = server.sb.runtime('demo')
    // The voice channel follows the softphone: registered, so routable.
    await until('agent1 reachable by its softphone', () =>
      runtime.query({ type: 'agent', agentId: 'agent1' })?.channels.voice?.reachable ? true : undefined,
    )
    await runtime.run(agentState('agent1', 'voice', 'ready', 'agent1'))

    const mark = caller.mark
    caller.dial(`sip:8000@${sip}`)
    await caller.waitFor(/Call established/, 10_000, mark)
    const offer = page.getByRole('alertdialog', { name: /Incoming voice from 5551234/ })
    await offer.getByText('Ringing in this browser').waitFor()
    await offer.getByRole('button', { name: 'Answer' }).click()
    const panel = page.getByRole('region', { name: /Call with 5551234/ })
    await panel.getByText('On the phone').waitFor()
    await panel.getByRole('group', { name: 'Phone' }).waitFor()

    // The browser hears the caller's tone; the caller hears the browser's.
    await until('the caller tone in the browser', async () =>
      (await hearsInPage(page, CALLER_HZ)) > 0.5 ? true : undefined,
    )
    const before = caller.heardMs()
    await caller.hearing(before + 2500, 15_000)
    await panel.getByRole('button', { name: 'Hang up' }).click()
    await caller.waitFor(/session closed|terminated/i, 10_000, mark)
    const heard = readWav(await caller.lastHeard())
    expect(
      seconds(heard.channels[0]!, heard.rate, [BROWSER_HZ]).filter((s) => (s.share[BROWSER_HZ] ?? 0) > 0.5)
        .length,
    ).toBeGreaterThanOrEqual(2)

    // The server's recording has both: the caller on the left, the browser agent on the right.
    const events = (await server.sb.queries.events('demo', { afterSeq: 0, limit: 5000 })) as unknown as {
      type: string
      contactId?: string
    }[]
    const call = events.find((e) => e.type === 'ContactConnected')!.contactId!
    const info = await until('the recording', async () => {
      const c = await supervisorGet<{ recording?: { url: string } | null }>(`/api/v1/contacts/${call}`)
      return c.recording ?? undefined
    })
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'rec-')), 'call.wav')
    writeFileSync(file, await supervisorGet<Buffer>(info.url))
    const rec = readWav(file)
    const left = seconds(rec.channels[0]!, rec.rate, [CALLER_HZ])
    const right = seconds(rec.channels[1]!, rec.rate, [BROWSER_HZ])
    expect(left.filter((s) => (s.share[CALLER_HZ] ?? 0) > 0.5).length).toBeGreaterThanOrEqual(2)
    expect(right.filter((s) => (s.share[BROWSER_HZ] ?? 0) > 0.5).length).toBeGreaterThanOrEqual(2)
  }, 90_000)
})

describe('a softphone call through a drop of its WebSocket', () => {
  it('keeps the call (the media does not travel on the WebSocket), registers again, and ends it on the new connection', async () => {
    const page = await signIn('agent2', true)
    await page.getByRole('status').filter({ hasText: 'Phone: ready in this browser' }).waitFor()
    const runtime = server.sb.runtime('demo')
    await until('agent2 reachable', () =>
      runtime.query({ type: 'agent', agentId: 'agent2' })?.channels.voice?.reachable ? true : undefined,
    )
    await runtime.run(agentState('agent2', 'voice', 'ready', 'agent2'))
    const mark = caller.mark
    caller.dial(`sip:8000@${sip}`)
    const offer = page.getByRole('alertdialog', { name: /Incoming voice from 5551234/ })
    await offer.getByRole('button', { name: 'Answer' }).click()
    const panel = page.getByRole('region', { name: /Call with 5551234/ })
    await panel.getByText('On the phone').waitFor()
    await until('the caller in the browser', async () =>
      (await hearsInPage(page, CALLER_HZ)) > 0.5 ? true : undefined,
    )

    // The SIP WebSocket drops: the agent is not routable that moment; JsSIP reconnects and
    // registers again from a new connection; the call's audio goes on meanwhile.
    await page.evaluate(() => {
      for (const ws of (window as unknown as { __sipSockets: WebSocket[] }).__sipSockets) ws.close()
    })
    // JsSIP waits a second before it reconnects: long enough to see the agent not routable.
    await until('agent2 unreachable', () =>
      runtime.query({ type: 'agent', agentId: 'agent2' })?.channels.voice?.reachable ? undefined : true,
    )
    await page.getByRole('status').filter({ hasText: 'Phone: ready in this browser' }).waitFor()
    await until('agent2 reachable again', () =>
      runtime.query({ type: 'agent', agentId: 'agent2' })?.channels.voice?.reachable ? true : undefined,
    )
    await until('the caller still in the browser', async () =>
      (await hearsInPage(page, CALLER_HZ)) > 0.5 ? true : undefined,
    )
    const heard = caller.heardMs()
    await caller.hearing(heard + 1500, 10_000)

    // The caller hangs up: our BYE reaches the browser on its new WebSocket.
    caller.hangup()
    await caller.waitFor(/session closed|terminated/i, 10_000, mark)
    await page.getByRole('group', { name: 'Phone' }).waitFor({ state: 'detached' })
  }, 90_000)
})

/** Only `agentId` takes calls from the queue: the others' voice channels are set not ready. */
async function onlyOnVoice(agentId: string): Promise<void> {
  const runtime = server.sb.runtime('demo')
  for (const other of ['agent1', 'agent2', 'agent3', 'agent4'])
    if (other !== agentId) await runtime.run(agentState(other, 'voice', 'not_ready', other, 'Break'))
  await until(`${agentId} reachable`, () =>
    runtime.query({ type: 'agent', agentId })?.channels.voice?.reachable ? true : undefined,
  )
  await runtime.run(agentState(agentId, 'voice', 'ready', agentId))
}

describe('a desk phone and a softphone on one extension', () => {
  it('rings the phone the agent chose, and the other when the agent changes its mind', async () => {
    deskPhone = await Phone.extension(sip, '803', DESK_HZ, true)
    const desk803 = deskPhone
    const page = await signIn('agent3')
    await page.getByRole('status').filter({ hasText: 'Phone: ready in this browser' }).waitFor()
    const registrar = server.voice!.channel.registrar
    const ringing = () => registrar.binding('demo', '803')?.source.transport
    // By default the browser rings (it registers with q=1, the desk phone says nothing).
    expect(ringing()).toBe('WS')
    await onlyOnVoice('agent3')

    await page.getByRole('combobox', { name: 'Calls ring' }).selectOption('desk')
    await until('the desk phone preferred', () => (ringing() === 'UDP' ? true : undefined))
    let mark = caller.mark
    let desk = desk803.mark
    caller.dial(`sip:8000@${sip}`)
    await desk803.waitFor(/Call established/, 10_000, desk)
    await caller.waitFor(/Call established/, 10_000, mark)
    // The call is on the desk phone: the desktop shows it, with no controls of a browser call.
    await page
      .getByRole('region', { name: /Call with 5551234/ })
      .getByText('Hold and transfer from your phone, or here:')
      .waitFor()
    await desk803.hearing(desk803.heardMs() + 1500, 10_000)
    caller.hangup()
    await caller.waitFor(/session closed|terminated/i, 10_000, mark)
    await desk803.waitFor(/session closed|terminated/i, 10_000, desk)
    await page
      .getByRole('form', { name: 'Wrap-up of the call' })
      .getByRole('button', { name: 'Finish wrap-up' })
      .click()

    // Back to the browser: the next call rings there, not on the desk phone.
    await page.getByRole('combobox', { name: 'Calls ring' }).selectOption('browser')
    await until('the softphone preferred', () => (ringing() === 'WS' ? true : undefined))
    await onlyOnVoice('agent3')
    mark = caller.mark
    desk = desk803.mark
    caller.dial(`sip:8000@${sip}`)
    const offer = page.getByRole('alertdialog', { name: /Incoming voice from 5551234/ })
    await offer.getByText('Ringing in this browser').waitFor()
    await offer.getByRole('button', { name: 'Answer' }).click()
    await page
      .getByRole('region', { name: /Call with 5551234/ })
      .getByRole('group', { name: 'Phone' })
      .waitFor()
    await until('the caller in the browser', async () =>
      (await hearsInPage(page, CALLER_HZ)) > 0.5 ? true : undefined,
    )
    caller.hangup()
    await caller.waitFor(/session closed|terminated/i, 10_000, mark)
    expect(desk803.since(desk)).not.toMatch(/Incoming call/)
    await desk803.stop()
    await page.context().close()
  }, 90_000)
})

describe('calling out from the softphone', () => {
  it('rings the browser first (answered by itself), then the number through the trunk, with audio both ways', async () => {
    const page = await signIn('agent4')
    await page.getByRole('status').filter({ hasText: 'Phone: ready in this browser' }).waitFor()
    const p = provider.mark
    await page.getByRole('textbox', { name: 'Number to call' }).fill('555 7777')
    await page.getByRole('button', { name: 'Call', exact: true }).click()
    const call = page.getByRole('region', { name: 'Call to 5557777' })
    await call.getByText('On the phone').waitFor()
    await provider.waitFor(/Call established/, 10_000, p)
    await until('the provider’s tone in the browser', async () =>
      (await hearsInPage(page, PROVIDER_HZ)) > 0.5 ? true : undefined,
    )
    await provider.hearing(provider.heardMs() + 2000, 10_000)
    await call.getByRole('button', { name: 'Hang up' }).click()
    await provider.waitFor(/session closed|terminated/i, 10_000, p)
    await call.waitFor({ state: 'detached' })
    const heard = readWav(await provider.lastHeard())
    expect(
      seconds(heard.channels[0]!, heard.rate, [BROWSER_HZ]).filter((s) => (s.share[BROWSER_HZ] ?? 0) > 0.5)
        .length,
    ).toBeGreaterThanOrEqual(2)
    await page.context().close()
  }, 60_000)
})
