import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { RunningServer } from '../../src/main.js'
import { demoServerAndChromium, snapshot } from './browser.js'

describe('the supervisor wallboard in Chromium', () => {
  let server: RunningServer
  let browser: Browser

  demoServerAndChromium((s, b) => {
    server = s
    browser = b
  })

  async function call<T>(method: string, path: string, token?: string, body?: unknown): Promise<T> {
    const res = await fetch(server.url + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? null : JSON.stringify(body),
    })
    const json = (await res.json().catch(() => ({}))) as T
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
    return json
  }
  const login = async (username: string, password: string) =>
    (await call<{ token: string }>('POST', '/api/v1/login', undefined, { username, password })).token
  const chat = (entryPoint: string, name: string) =>
    call<{ contactId: string; customerToken: string }>(
      'POST',
      `/api/v1/entry-points/${entryPoint}/chats`,
      undefined,
      {
        customer: { name },
      },
    )
  const agentState = async (token: string, agentId: string) =>
    (
      await call<{ channels: { chat: { state: string; reason: string | null } } }>(
        'GET',
        `/api/v1/agents/${agentId}`,
        token,
      )
    ).channels.chat

  it('shows queues, charts, agents with timers and contacts live, and acts on them', async () => {
    const alice = await login('agent1', 'agent')
    const bob = await login('agent2', 'agent')
    const supervisor = await login('supervisor', 'supervisor')
    await call('PUT', '/api/v1/agents/agent1/channels/chat', alice, { state: 'ready' })
    await call('PUT', '/api/v1/agents/agent2/channels/chat', bob, { state: 'not_ready', reason: 'Training' })
    // One chat with Alice.
    const ann = await chat('1000', 'Ann Example')
    const events = await call<{ events: { type: string; offerId?: string }[] }>(
      'GET',
      '/api/v1/agents/agent1/events?after=0',
      alice,
    )
    const offer = events.events.find((e) => e.type === 'ContactOffered')!
    await call('POST', `/api/v1/offers/${offer.offerId}/accept`, alice)
    // Carol (sales) is ready as Sam arrives, then leaves for a meeting: Sam waits.
    const carol = await login('agent3', 'agent')
    await call('PUT', '/api/v1/agents/agent3/channels/chat', carol, { state: 'ready' })
    const sam = await chat('1001', 'Sam Waiting')
    await call('PUT', '/api/v1/agents/agent3/channels/chat', carol, { state: 'not_ready', reason: 'Meeting' })

    const page: Page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage()
    page.setDefaultTimeout(10_000)
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`))
    await page.goto(`${server.url}/supervisor`)
    await page.getByLabel('Username').fill('supervisor')
    await page.getByLabel('Password').fill('supervisor')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('status').filter({ hasText: 'live' }).waitFor()

    // Tiles: the sales queue has one waiting; support has Alice busy with Ann.
    const sales = page.getByRole('button', { name: /Sales/ })
    await expect.poll(() => sales.getByLabel('waiting').innerText()).toBe('1')
    await expect
      .poll(() => page.getByRole('button', { name: /Customer support/ }).innerText())
      .toMatch(/busy 1/)
    // Agents with their state and a running timer.
    const bobRow = page.locator('tr[data-agent="agent2"]')
    await expect.poll(() => bobRow.innerText()).toMatch(/chat: Not ready \(Training\) · 0:0\d/)
    const before = await bobRow.innerText()
    await expect.poll(() => bobRow.innerText(), { timeout: 5000 }).not.toBe(before)
    // Contacts in progress.
    await expect
      .poll(() => page.locator(`tr[data-contact="${sam.contactId}"]`).innerText())
      .toMatch(/Sam Waiting\s+sales\s+queued/)
    // Charts: the day per 15 minutes, and the live line of waiting contacts.
    await expect.poll(() => page.locator('.chart canvas').count()).toBeGreaterThanOrEqual(3)
    await expect
      .poll(() => page.locator('.chart').filter({ hasText: 'Waiting now' }).innerText())
      .toContain('sales')

    // Read Ann's chat live: what the customer writes next appears in the pane.
    await page.locator(`tr[data-contact="${ann.contactId}"]`).getByRole('button', { name: 'Read' }).click()
    await call('POST', `/api/v1/chats/${ann.contactId}/messages`, ann.customerToken, {
      text: 'Is anyone reading this?',
    })
    await page.getByLabel('Chat read live').getByText('Is anyone reading this?').waitFor()

    await snapshot(page, 'wallboard')

    // Reassign the waiting sales chat to Alice: it is offered to her.
    await page.getByLabel('Reassign Sam Waiting').selectOption('agent1')
    await expect
      .poll(() => page.locator(`tr[data-contact="${sam.contactId}"]`).innerText())
      .toMatch(/offered\s+\S+\s+Alice Agent/)
    // Requeue Ann: she goes back to the support queue, her place and transcript kept.
    await page.locator(`tr[data-contact="${ann.contactId}"]`).getByRole('button', { name: 'Requeue' }).click()
    await expect
      .poll(
        async () =>
          (
            await call<{ state: string; transfers: number }>(
              'GET',
              `/api/v1/contacts/${ann.contactId}`,
              supervisor,
            )
          ).transfers,
      )
      .toBe(1)

    // Force Bob onto a break, then log him out.
    await page.getByLabel('Force Bob Agent not ready').selectOption('Break')
    await expect
      .poll(() => agentState(supervisor, 'agent2'))
      .toEqual(expect.objectContaining({ state: 'not_ready', reason: 'Break' }))
    await bobRow.getByRole('button', { name: 'Log out' }).click()
    await expect.poll(async () => (await agentState(supervisor, 'agent2')).state).toBe('logged_out')
    await expect.poll(() => bobRow.innerText()).toMatch(/chat: Logged out/)

    // An agent may not use the wallboard's data.
    const res = await fetch(`${server.url}/api/v1/supervisor/floor`, {
      headers: { authorization: `Bearer ${alice}` },
    })
    expect(res.status).toBe(403)
  }, 60_000)
})
