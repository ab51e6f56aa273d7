import { agentState } from '../../src/core/commands.js'
import type { Browser } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import type { RunningServer } from '../../src/main.js'
import { demoServerAndChromium, snapshot } from './browser.js'

describe('a call on the agent desktop in Chromium: ringing, then on the phone', () => {
  let server: RunningServer
  let browser: Browser

  demoServerAndChromium((s, b) => {
    server = s
    browser = b
  })

  it('shows the ringing call without an Accept button, then the connected call with a timer, and hangs up', async () => {
    const page = await (await browser.newContext({ locale: 'en-GB' })).newPage()
    page.setDefaultTimeout(10_000)
    await page.goto(`${server.url}/agent/`)
    await page.getByLabel('Username').fill('agent4')
    await page.getByLabel('Password').fill('agent')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor()

    await page.getByText('phone not registered').waitFor()
    // What the registrar and the phone would do: the phone is registered, then it rings.
    const runtime = server.sb.runtime('demo')
    await runtime.run({ type: 'setReachable', agentId: 'agent4', channel: 'voice', reachable: true })
    await runtime.run(agentState('agent4', 'voice', 'ready', 'agent4'))
    const call = await runtime.run({
      type: 'admitContact',
      contact: {
        contactId: 'call-desk-1',
        entryPointId: '8000',
        customer: { name: 'Ann Caller', phone: '5551234' },
        subject: null,
      },
    })
    await expect.poll(() => page.getByText('phone not registered').count()).toBe(0)
    const offer = page.getByRole('alertdialog', { name: /Incoming voice from Ann Caller/ })
    await offer.getByText('Ringing on your phone: answer there').waitFor()
    expect(await offer.getByRole('button', { name: 'Accept' }).count()).toBe(0)
    // 004's pop_url: the CRM's page for the caller.
    expect(await offer.getByRole('link', { name: 'Open 5551234 in the CRM' }).getAttribute('href')).toBe(
      'https://crm.example.com/callers?number=5551234',
    )
    await snapshot(page, 'voice-ringing')

    // The agent picks up the phone.
    await runtime.run({ type: 'acceptOffer', offerId: call.contact.offer!.offerId, agentId: 'agent4' })
    const panel = page.getByRole('region', { name: 'Call with Ann Caller' })
    await panel.getByText('On the phone').waitFor()
    await panel.getByText('(5551234)').waitFor()
    // The call's timer counts up from the answer.
    await panel.locator('.timer', { hasText: /^0:0[1-9]$/ }).waitFor()
    await snapshot(page, 'voice-call')

    await panel.getByRole('button', { name: 'Hang up' }).click()
    await expect
      .poll(() => runtime.query({ type: 'contact', contactId: 'call-desk-1' })?.state)
      .toBe('wrap_up')
  })
})
