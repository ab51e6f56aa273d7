import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { agentState } from '../../src/core/commands.js'
import type { RunningServer } from '../../src/main.js'
import { Phone } from '../support/baresip.js'
import { chromiumWithTone, hearsInPage } from '../support/browser-audio.js'
import { demoDocs } from '../support/harness.js'
import { loginAt } from '../support/login.js'
import type { RunningRtpengine } from '../support/rtpengine.js'
import { startRtpengine } from '../support/rtpengine.js'
import { until } from '../support/until.js'
import { startVoiceServer } from '../support/voice-server.js'

// Document 002's click-to-call in two real browsers: the customer on the sample page (/demo/
// click-to-call, the document's own axios calls, dialling with JsSIP when told), the agent on
// the desktop's softphone, then a desk phone (baresip) after a transfer. Each plays its own tone;
// each hears the other's.
const CUSTOMER_HZ = 440
const AGENT_HZ = 1000
const DESK_HZ = 1320

let rtp: RunningRtpengine
let server: RunningServer
let customerBrowser: Browser
let agentBrowser: Browser
let deskPhone: Phone

beforeAll(async () => {
  rtp = await startRtpengine()
  // A second channel calls a queue where nobody waits more than a few seconds (168103).
  const docs = demoDocs()
  const demo = docs[0]!
  const voiceQueue = demo.queues.find((q) => q.id === 'voice-support')!
  const { voice: _number, ...queue } = voiceQueue
  demo.queues.push({ ...queue, id: 'voice-short', name: 'Short wait', maxWaitSeconds: 4 })
  const line = demo.entryPoints.find((e) => e.id === '8000')!
  demo.entryPoints.push({
    ...line,
    id: '8300',
    queue: 'voice-short',
    voice: { ...line.voice!, numbers: ['8300'] },
  })
  demo.aicc!.channels.push({
    configId: 'web-short',
    entryPoint: '1000',
    clickToCall: { accessNumber: '8300' },
  })
  server = await startVoiceServer(docs, rtp)
  ;[customerBrowser, agentBrowser] = await Promise.all([
    chromiumWithTone(CUSTOMER_HZ),
    chromiumWithTone(AGENT_HZ),
  ])
  // agent2's desk phone: extension 802, answering by itself.
  deskPhone = await Phone.extension(`127.0.0.1:${server.voice!.sip.port}`, '802', DESK_HZ, true)
}, 60_000)

afterAll(async () => {
  await deskPhone?.stop()
  await customerBrowser?.close()
  await agentBrowser?.close()
  await server?.stop()
  await rtp?.stop()
})

async function agentDesk(): Promise<Page> {
  const page = await (await agentBrowser.newContext({ locale: 'en-GB' })).newPage()
  page.setDefaultTimeout(15_000)
  await page.goto(`${server.url}/agent/`)
  await page.getByLabel('Username').fill('agent1')
  await page.getByLabel('Password').fill('agent')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('status').filter({ hasText: 'Phone: ready in this browser' }).waitFor()
  return page
}

async function customerPage(channel?: string): Promise<Page> {
  const page = await (await customerBrowser.newContext({ locale: 'en-GB' })).newPage()
  page.setDefaultTimeout(15_000)
  await page.goto(`${server.url}/demo/click-to-call${channel ? `?channel=${channel}` : ''}`)
  return page
}

/** The customers of earlier cases leave their chats: each case starts with an empty line. */
async function chatsLeft(): Promise<void> {
  const runtime = server.sb.runtime('demo')
  const chats = runtime.query({ type: 'contacts', channel: 'chat' }) ?? []
  for (const c of chats)
    if (c.state === 'queued' || c.state === 'offered' || c.state === 'connected')
      await runtime.run({ type: 'customerGone', contactId: c.id })
}

/** The events the sample page logged, by their ids, in order. */
const eventIds = async (page: Page): Promise<number[]> =>
  [...((await page.locator('#log').textContent()) ?? '').matchAll(/getClickToCallEvents: (\d+)/g)].map((m) =>
    Number(m[1]),
  )

describe('click-to-call from a chat (document 002)', () => {
  it('fails with 168105 when no agent can take calls', async () => {
    const runtime = server.sb.runtime('demo')
    await runtime.run(agentState('agent2', 'chat', 'ready', 'agent2'))
    const customer = await customerPage()
    await customer.getByRole('button', { name: '1. Start the chat' }).click()
    await customer.getByRole('status').filter({ hasText: 'Chat connected' }).waitFor()
    await customer.getByRole('button', { name: '2. Call us' }).click()
    await customer
      .getByRole('status')
      .filter({ hasText: 'Call failed: no agent can take calls now' })
      .waitFor()
    expect(await eventIds(customer)).toEqual([168105])
    await customer.context().close()
  })

  it('tells 168103 when nobody answers within the queue’s longest wait', async () => {
    const runtime = server.sb.runtime('demo')
    const agent = await agentDesk()
    for (const other of ['agent2', 'agent3', 'agent4'])
      await runtime.run(agentState(other, 'voice', 'not_ready', other, 'Break'))
    await runtime.run(agentState('agent2', 'chat', 'ready', 'agent2'))
    await until('agent1 reachable', () =>
      runtime.query({ type: 'agent', agentId: 'agent1' })?.channels.voice?.reachable ? true : undefined,
    )
    await runtime.run(agentState('agent1', 'voice', 'ready', 'agent1'))
    const customer = await customerPage('web-short')
    await customer.getByLabel('Your name').fill('Wei Hua')
    await customer.getByRole('button', { name: '1. Start the chat' }).click()
    await customer.getByRole('status').filter({ hasText: 'Chat connected' }).waitFor()
    await customer.getByRole('button', { name: '2. Call us' }).click()
    // The only agent declines: the call waits on, until the queue's four seconds run out.
    await agent
      .getByRole('alertdialog', { name: /Incoming voice from Wei Hua/ })
      .getByRole('button', { name: 'Decline' })
      .click()
    await customer
      .getByRole('status')
      .filter({ hasText: /Call queue timeout: nobody answered within the queue’s longest wait/ })
      .waitFor()
    expect(await eventIds(customer)).toEqual([168102, 168103])
    await agent
      .getByRole('alertdialog', { name: /Incoming voice from Wei Hua/ })
      .waitFor({ state: 'detached' })
    await customer.context().close()
    await agent.context().close()
  }, 60_000)

  it('queues the call with the chat, rings the agent’s softphone, and carries audio both ways until the customer hangs up', async () => {
    const agent = await agentDesk()
    const runtime = server.sb.runtime('demo')
    await until('agent1 reachable', () =>
      runtime.query({ type: 'agent', agentId: 'agent1' })?.channels.voice?.reachable ? true : undefined,
    )
    // agent2 takes chats (the chat is offered to it and waits there); agent1 only calls.
    await runtime.run(agentState('agent2', 'chat', 'ready', 'agent2'))
    const customer = await customerPage()
    await customer.getByRole('button', { name: '1. Start the chat' }).click()
    await customer.getByRole('status').filter({ hasText: 'Chat connected' }).waitFor()
    await runtime.run(agentState('agent1', 'voice', 'ready', 'agent1'))
    await customer.getByRole('button', { name: '2. Call us' }).click()
    await customer
      .getByText(/checkClickToCallSupport: webRTCSupported true, clickToCallSupported true/)
      .waitFor()
    // The agent's softphone rings, and it answers.
    const offer = agent.getByRole('alertdialog', { name: /Incoming voice from Li Lei/ })
    await offer.getByText('Ringing in this browser').waitFor()
    await offer.getByRole('button', { name: 'Answer' }).click()
    await customer.getByRole('status').filter({ hasText: 'On the call' }).waitFor()
    expect(await eventIds(customer)).toEqual([168102, 168101])
    const connected = (await customer.locator('#log').textContent()) ?? ''
    expect(connected).toMatch(/"accessCode":"8000"/)
    expect(connected).toMatch(/"gwAddresses":\["ws:\/\/127\.0\.0\.1:\d+\/sip"\]/)
    expect(connected).toMatch(/"clickToCallCaller":"c2c[0-9a-f]{24}"/)
    // The call lined up with the chat's own enqueue time.
    const queued = (await server.sb.queries.events('demo', { afterSeq: 0, limit: 5000 })).filter(
      (e) => e.type === 'ContactQueued',
    )
    const [chatQueued, callQueued] = [queued.at(-2), queued.at(-1)]
    expect(chatQueued?.type === 'ContactQueued' && chatQueued.channel).toBe('chat')
    expect(callQueued?.type === 'ContactQueued' && callQueued.channel).toBe('voice')
    expect(callQueued?.type === 'ContactQueued' && callQueued.enqueuedAt).toBe(
      chatQueued?.type === 'ContactQueued' && chatQueued.enqueuedAt,
    )

    await until('the agent tone in the customer’s browser', async () =>
      (await hearsInPage(customer, AGENT_HZ)) > 0.5 ? true : undefined,
    )
    await until('the customer tone in the agent’s browser', async () =>
      (await hearsInPage(agent, CUSTOMER_HZ)) > 0.5 ? true : undefined,
    )

    // The agent holds: the customer no longer hears it (silence: see voice-call.ts); resumes:
    // the agent again.
    const panel = agent.getByRole('region', { name: /Call with Li Lei/ })
    await panel.getByRole('button', { name: 'Hold' }).click()
    await until('the agent on hold', async () =>
      (await hearsInPage(customer, AGENT_HZ)) < 0.1 ? true : undefined,
    )
    await panel.getByRole('button', { name: 'Resume' }).click()
    await until('the agent again', async () =>
      (await hearsInPage(customer, AGENT_HZ)) > 0.5 ? true : undefined,
    )

    // A transfer to agent2, on a desk phone (baresip, answering by itself): 168106, and the
    // customer talks to it.
    await runtime.run(agentState('agent2', 'voice', 'ready', 'agent2'))
    await panel.getByRole('combobox', { name: 'Transfer to' }).selectOption({ label: 'Bob Agent' })
    await panel.getByRole('button', { name: 'Transfer', exact: true }).click()
    await deskPhone.waitFor(/Call established/, 15_000, 0)
    await until('agent2’s tone in the customer’s browser', async () =>
      (await hearsInPage(customer, DESK_HZ)) > 0.5 ? true : undefined,
    )
    expect(await eventIds(customer)).toEqual([168102, 168101, 168106])
    const mark = deskPhone.mark

    // The customer hangs up from the page: 168110, and the call ends on the desk phone.
    await customer.getByRole('button', { name: 'Hang up' }).click()
    await customer
      .getByRole('status')
      .filter({ hasText: /Call disconnected: released by the customer/ })
      .waitFor()
    expect(await eventIds(customer)).toEqual([168102, 168101, 168106, 168110])
    await deskPhone.waitFor(/session closed|terminated/i, 10_000, mark)
    await agent.context().close()
  }, 120_000)

  it('gives the call to the agent who has the chat, inside the chat, and links the two in reports', async () => {
    await chatsLeft()
    const runtime = server.sb.runtime('demo')
    for (const agentId of ['agent2', 'agent4'])
      for (const channel of ['chat', 'voice'] as const)
        await runtime.run(agentState(agentId, channel, 'not_ready', agentId, 'Break'))
    const agent = await agentDesk()
    await runtime.run(agentState('agent1', 'chat', 'ready', 'agent1'))
    const customer = await customerPage()
    await customer.getByLabel('Your name').fill('Han Meimei')
    await customer.getByRole('button', { name: '1. Start the chat' }).click()
    await agent
      .getByRole('alertdialog', { name: /Incoming chat from Han Meimei/ })
      .getByRole('button', { name: 'Accept' })
      .click()
    await customer.getByRole('status').filter({ hasText: 'Chat connected' }).waitFor()
    await runtime.run(agentState('agent1', 'voice', 'ready', 'agent1'))
    await customer.getByRole('button', { name: '2. Call us' }).click()

    // The offer says it continues the chat; answered, the call is worked inside the chat's tab.
    const offer = agent.getByRole('alertdialog', { name: /Incoming voice from Han Meimei/ })
    await offer.getByText(/the call joins the chat/).waitFor()
    await offer.getByRole('button', { name: 'Answer' }).click()
    await customer.getByRole('status').filter({ hasText: 'On the call' }).waitFor()
    const tabs = agent.getByRole('tab')
    await tabs.filter({ hasText: /chat · connected · on a call/ }).waitFor()
    expect(await tabs.count()).toBe(1)
    const pane = agent.getByRole('tabpanel')
    await pane.getByRole('region', { name: /Call with Han Meimei/ }).waitFor()
    await pane.getByRole('textbox', { name: 'Reply' }).waitFor()

    // The customer hangs up: the call's wrap-up sits in the chat, which goes on.
    await customer.getByRole('button', { name: 'Hang up' }).click()
    await pane
      .getByRole('form', { name: 'Wrap-up of the call' })
      .getByRole('button', { name: 'Finish wrap-up' })
      .click()
    await pane.getByRole('form', { name: 'Wrap-up of the call' }).waitFor({ state: 'detached' })
    await tabs.filter({ hasText: /^Han Meimeichat · connected$/ }).waitFor()

    // Reports: the call's record names the chat it continues.
    const [chat, call] = (await server.sb.queries.events('demo', { afterSeq: 0, limit: 5000 }))
      .filter((e) => e.type === 'ContactQueued')
      .slice(-2)
    const token = await loginAt(server.url, 'supervisor', 'supervisor')
    const record = await until('the call’s record', async () => {
      const r = await fetch(`${server.url}/api/v1/contacts/${call!.contactId}/record`, {
        headers: { authorization: `Bearer ${token}` },
      })
      const body = (await r.json()) as { outcome: string; relatedContactId: string | null }
      return body.outcome === 'handled' ? body : undefined
    })
    expect(record.relatedContactId).toBe(chat!.contactId)
    await customer.context().close()
    await agent.context().close()
  }, 90_000)

  it('the widget’s "Call us": the call joins the chat and rings the chat’s agent, audio both ways', async () => {
    await chatsLeft()
    const runtime = server.sb.runtime('demo')
    for (const agentId of ['agent2', 'agent3', 'agent4'])
      for (const channel of ['chat', 'voice'] as const)
        await runtime.run(agentState(agentId, channel, 'not_ready', agentId, 'Break'))
    await runtime.run(agentState('agent1', 'voice', 'not_ready', 'agent1', 'Break'))
    const agent = await agentDesk()
    await runtime.run(agentState('agent1', 'chat', 'ready', 'agent1'))
    const customer = await (await customerBrowser.newContext({ locale: 'en-GB' })).newPage()
    customer.setDefaultTimeout(15_000)
    await customer.goto(`${server.url}/demo?ep=1000`)
    await customer.getByRole('button', { name: 'Chat with us' }).click()
    await customer.getByLabel('Your name').fill('Zhang Wei')
    await customer.getByRole('button', { name: 'Start chat' }).click()
    await agent
      .getByRole('alertdialog', { name: /Incoming chat from Zhang Wei/ })
      .getByRole('button', { name: 'Accept' })
      .click()
    await customer.getByText('Alice Agent joined the chat.').waitFor()

    // Nobody takes calls yet: the widget says so, and the chat goes on.
    const call = customer.getByRole('group', { name: 'Call us' })
    await call.getByRole('button', { name: 'Call us' }).click()
    await call.getByRole('status').filter({ hasText: 'Nobody can take a call right now' }).waitFor()

    // Voice ready: the call joins the chat and goes to the chat's agent, inside the chat.
    await runtime.run(agentState('agent1', 'voice', 'ready', 'agent1'))
    await call.getByRole('button', { name: 'Call us' }).click()
    await call.getByRole('status').filter({ hasText: 'On the call. The chat goes on here.' }).waitFor()
    const [chatQueued, callQueued] = (await server.sb.queries.events('demo', { afterSeq: 0, limit: 5000 }))
      .filter((e) => e.type === 'ContactQueued')
      .slice(-2)
    expect(callQueued?.type === 'ContactQueued' && callQueued.relatedContactId).toBe(chatQueued!.contactId)
    const offer = agent.getByRole('alertdialog', { name: /Incoming voice from Zhang Wei/ })
    await offer.getByText(/the call joins the chat/).waitFor()
    await offer.getByRole('button', { name: 'Answer' }).click()
    await agent
      .getByRole('tabpanel')
      .getByRole('region', { name: /Call with Zhang Wei/ })
      .waitFor()
    await until('the agent in the widget', async () =>
      (await hearsInPage(customer, AGENT_HZ)) > 0.5 ? true : undefined,
    )
    await until('the customer in the desktop', async () =>
      (await hearsInPage(agent, CUSTOMER_HZ)) > 0.5 ? true : undefined,
    )

    // The customer hangs up in the widget; the chat goes on.
    await call.getByRole('button', { name: 'Hang up' }).click()
    await call.getByRole('status').filter({ hasText: 'The call has ended.' }).waitFor()
    await agent.getByRole('tabpanel').getByRole('form', { name: 'Wrap-up of the call' }).waitFor()
    await customer.getByRole('textbox', { name: 'Write a message' }).waitFor()
    await customer.context().close()
    await agent.context().close()
  }, 90_000)
})
