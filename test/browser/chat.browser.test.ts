import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import type { Browser, Page, WebSocketRoute } from 'playwright-core'
import type { RunningServer } from '../../src/main.js'
import { png } from '../support/png.js'
import { demoServerAndChromium, snapshot } from './browser.js'

const PNG = png(96, 64, [31, 95, 191])

describe('a whole chat in Chromium: the widget on /demo and the agent desktop on /agent', () => {
  let server: RunningServer
  let browser: Browser

  demoServerAndChromium((s, b) => {
    server = s
    browser = b
  })

  /** A fresh browser context (its own storage, like another person's browser). */
  async function newPage(locale = 'en-GB'): Promise<Page> {
    const page = await (await browser.newContext({ locale })).newPage()
    // A step that cannot happen fails in seconds, naming what it waited for.
    page.setDefaultTimeout(10_000)
    page.on('pageerror', (e) => console.error(`page error on ${page.url()}: ${e.message}`))
    page.on('console', (m) => m.type() === 'warning' && console.error(`${page.url()}: ${m.text()}`))
    return page
  }

  async function agentDesk(username: string, before?: (page: Page) => Promise<void>): Promise<Page> {
    const page = await newPage()
    await before?.(page)
    await page.goto(`${server.url}/agent/`)
    await page.getByLabel('Username').fill(username)
    await page.getByLabel('Password').fill('agent')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page
      .getByRole('status')
      .filter({ hasText: 'Connected' })
      .waitFor()
      .catch(async (e: unknown) => {
        throw new Error(
          `the desk did not connect; the page shows: ${await page.locator('body').innerText()}`,
          {
            cause: e,
          },
        )
      })
    return page
  }

  /** A customer on the demo site starts a chat through the widget. */
  async function startWidgetChat(entryPointId: string, name: string): Promise<Page> {
    const page = await newPage()
    await page.goto(`${server.url}/demo?ep=${entryPointId}`)
    await page.getByRole('button', { name: 'Chat with us' }).click()
    await page.getByLabel('Your name').fill(name)
    await page.getByRole('button', { name: 'Start chat' }).click()
    return page
  }

  async function api<T>(path: string, token?: string): Promise<T> {
    const res = await fetch(server.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} })
    return (await res.json()) as T
  }

  async function supervisorToken(): Promise<string> {
    const res = await fetch(`${server.url}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'supervisor', password: 'supervisor' }),
    })
    return ((await res.json()) as { token: string }).token
  }

  it(
    'carries offer, accept, typing, messages both ways, an attachment, a reload, end, wrap-up and survey',
    { timeout: 120_000 },
    async () => {
      const agent = await agentDesk('agent1')
      await agent.getByLabel('chat state').selectOption('ready')

      const customer = await newPage()
      await customer.goto(`${server.url}/demo`)
      // Keyboard only: the launcher is a real button.
      const launcher = customer.getByRole('button', { name: 'Chat with us' })
      await launcher.focus()
      await customer.keyboard.press('Enter')
      const dialog = customer.getByRole('dialog')
      await dialog.getByLabel('Your name').fill('Ann Customer')
      await dialog.getByLabel('Email (optional)').fill('ann@example.com')
      await dialog.getByLabel('How can we help?').fill('Where is order 42?')
      await dialog.getByRole('button', { name: 'Start chat' }).click()

      // The offer, with its countdown, on the desktop.
      const offer = agent.getByRole('alertdialog')
      await expect.poll(() => offer.textContent()).toContain('Ann Customer')
      expect(await offer.locator('.countdown').textContent()).toMatch(/^\d+s$/)
      await snapshot(agent, 'agent-offer')
      await offer.getByRole('button', { name: 'Accept' }).click()
      await dialog.getByText('Alice Agent joined the chat.').waitFor()

      // Typing shows on the other side; Enter sends.
      const input = dialog.getByLabel('Write a message')
      await input.pressSequentially('Hello, any news')
      await agent.getByText('Ann Customer is typing…').waitFor()
      await input.press('Enter')
      await agent.getByRole('log').getByText('Hello, any news').waitFor()

      // A canned response, edited and sent.
      await agent.getByLabel('Canned responses').selectOption('order-status')
      await agent.getByLabel('Reply').press('End')
      await agent.getByLabel('Reply').press('Enter')
      await dialog.getByRole('log').getByText('You can follow your order').waitFor()
      // The agent read the customer's message: the customer sees it.
      await dialog.getByText('Read', { exact: true }).waitFor()

      // An attachment from the customer arrives as a picture on the desktop.
      await dialog
        .locator('input[type=file]')
        .setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: PNG })
      await agent.getByRole('img', { name: 'photo.png' }).waitFor()
      await snapshot(customer, 'customer-chat')
      await snapshot(agent, 'agent-chat')

      // A reload (or a dropped connection) resumes the chat: the same messages, once each.
      await customer.reload()
      await customer.getByRole('dialog').getByRole('log').getByText('You can follow your order').waitFor()
      await expect.poll(() => customer.locator('.sb-msg').count()).toBe(3)

      // The agent ends, wraps up with a code; the customer rates the chat.
      await agent.getByRole('button', { name: 'End', exact: true }).click()
      await agent.getByLabel('Outcome').selectOption('resolved')
      await agent.getByLabel('Notes').fill('Order 42 shipped')
      await agent.getByRole('button', { name: 'Finish wrap-up' }).click()
      await agent.getByText('No open conversations').waitFor()

      const after = customer.getByRole('dialog')
      await after.getByText('The chat has ended.').waitFor()
      await after.getByRole('radio', { name: '5 of 5' }).check()
      await after.getByLabel('Anything else to tell us? (optional)').fill('Quick and kind')
      await after.getByRole('button', { name: 'Send feedback' }).click()
      await after.getByText('Thank you for your feedback.').waitFor()
      await snapshot(customer, 'customer-survey')

      // What the contact center kept.
      const sup = await supervisorToken()
      const contacts = await api<{ contacts: { id: string }[] }>('/api/v1/agents/agent1/contacts', sup)
      expect(contacts.contacts).toEqual([])
      const events = await api<{ events: { type: string; contactId?: string }[] }>(
        '/api/v1/agents/agent1/events?after=0',
        sup,
      )
      const contactId = events.events.find((e) => e.type === 'ContactConnected')?.contactId
      const record = await api<{
        state: string
        wrapUp: { code: string; notes: string }
        messages: { from: string; text: string; attachment: { name: string } | null }[]
        survey: { answers: { question: string; answer: string }[] }
      }>(`/api/v1/contacts/${contactId}`, sup)
      expect(record.state).toBe('closed')
      expect(record.wrapUp).toEqual({ code: 'resolved', notes: 'Order 42 shipped' })
      expect(record.messages.map((m) => m.from)).toEqual(['customer', 'agent', 'customer'])
      expect(record.messages[2]?.attachment?.name).toBe('photo.png')
      expect(record.survey.answers).toEqual([
        { question: 'rating', answer: '5' },
        { question: 'comment', answer: 'Quick and kind' },
      ])
    },
  )

  it('offers leave-a-message in Simplified Chinese when nobody can chat', async () => {
    const page = await newPage('zh-CN')
    await page.goto(`${server.url}/demo?ep=1001`)
    await page.getByRole('button', { name: '留言' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByLabel('您的姓名').fill('王小明')
    await dialog.getByLabel('电子邮箱').fill('wang@example.com')
    await dialog.getByLabel('留言内容').fill('请给我回电话')
    await dialog.getByRole('button', { name: '提交留言' }).click()
    await dialog.getByText('谢谢，我们会通过电子邮件回复您。').waitFor()
    await snapshot(page, 'customer-leave-message-zh')

    // It waits in the messages queue for an agent on the email channel.
    const stats = await api<{ waiting: number }>('/api/v1/queues/messages/stats', await supervisorToken())
    expect(stats.waiting).toBe(1)
  })

  it(
    'shows several chats in tabs and reconnects by itself after the network drops',
    { timeout: 120_000 },
    async () => {
      // The desktop's stream goes through a switch the test can open: a network drop, for real.
      let down = false
      const sockets = new Set<WebSocketRoute>()
      // The sales entry point: Carol is its only agent.
      const agent = await agentDesk('agent3', (page) =>
        page.routeWebSocket(/\/api\/v1\/stream/, async (ws) => {
          if (down) return ws.close({ code: 4000, reason: 'network down' })
          ws.connectToServer()
          sockets.add(ws)
        }),
      )
      await agent.getByLabel('chat state').selectOption('ready')
      const customers: Page[] = []
      for (const name of ['First Person', 'Second Person']) {
        const page = await startWidgetChat('1001', name)
        await agent.getByRole('alertdialog').getByRole('button', { name: 'Accept' }).click()
        await page.getByText('Carol Sales joined the chat.').waitFor()
        customers.push(page)
      }
      await expect.poll(() => agent.getByRole('tab').count()).toBe(2)

      down = true
      await agent.context().setOffline(true)
      for (const ws of sockets) await ws.close({ code: 4000, reason: 'network down' })
      await agent.getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor()
      // Sent while the desktop is offline: it must still arrive, once.
      await customers[0]!.getByLabel('Write a message').fill('are you there?')
      await customers[0]!.getByLabel('Write a message').press('Enter')
      down = false
      await agent.context().setOffline(false)
      await agent.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20_000 })
      await agent.getByRole('tab', { name: /First Person/ }).click()
      await agent.getByRole('log').getByText('are you there?').waitFor()
      expect(await agent.getByRole('log').getByText('are you there?').count()).toBe(1)
      await snapshot(agent, 'agent-two-tabs')

      // A third chat takes Carol's last slot (offered); a fourth waits and sees its place.
      for (const name of ['Third Person', 'Fourth Person']) {
        customers.push(await startWidgetChat('1001', name))
      }
      const waiting = customers[3]!.getByRole('dialog')
      await waiting.getByText('You are number 1 in the queue.').waitFor()
      await waiting.getByText(/Expected wait/).waitFor()
      await snapshot(customers[3]!, 'customer-waiting')
    },
  )

  it("works embedded in another website's page, on another origin", async () => {
    // A shop's own server: a page with nothing of ours but the script tag.
    const shop = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(
        `<!doctype html><html lang="en"><title>Shop</title><h1>Elsewhere Ltd</h1>` +
          `<script src="${server.url}/widget.js" data-entry-point="1000"></script></html>`,
      )
    })
    await new Promise<void>((r) => shop.listen(0, '127.0.0.1', r))
    try {
      const { port } = shop.address() as AddressInfo
      const token = await supervisorToken()
      await fetch(`${server.url}/api/v1/agents/agent2/channels/chat`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ state: 'ready' }),
      })
      // localhost and 127.0.0.1 are different origins: the page is not the server's.
      const page = await newPage()
      await page.goto(`http://localhost:${port}/`)
      await page.getByRole('button', { name: 'Chat with us' }).click()
      await page.getByLabel('Your name').fill('Cross Origin')
      await page.getByRole('button', { name: 'Start chat' }).click()
      await page.getByLabel('Write a message').fill('hello from another site')
      await page.getByLabel('Write a message').press('Enter')
      // The chat the widget keeps for this visit, read back as the contact center has it.
      const stored = (await page.evaluate('sessionStorage.getItem("switchboard.chat.1000")')) as string | null
      const { contactId } = JSON.parse(stored ?? '{}') as { contactId: string }
      await expect
        .poll(async () => {
          const record = await api<{ messages: { text: string }[] }>(`/api/v1/contacts/${contactId}`, token)
          return record.messages.map((m) => m.text)
        })
        .toEqual(['hello from another site'])
    } finally {
      shop.close()
    }
  })

  it(
    'answers a chat started through the Huawei AICC dialect from the agent desktop',
    { timeout: 120_000 },
    async () => {
      const sup = await supervisorToken()
      for (const agentId of ['agent1', 'agent2'])
        await fetch(`${server.url}/api/v1/agents/${agentId}/channels/chat`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${sup}`, 'content-type': 'application/json' },
          body: JSON.stringify({ state: 'logged_out' }),
        })
      const agent = await agentDesk('agent4')
      await agent.getByLabel('chat state').selectOption('ready')

      // An AICC web client, as document 002 has it.
      const post = async <T>(path: string, body: unknown, headers: Record<string, string> = {}) =>
        (await (
          await fetch(server.url + path, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: JSON.stringify(body),
          })
        ).json()) as T
      const { AccessToken } = await post<{ AccessToken: string }>('/apigovernance/api/oauth/tokenByAkSk', {
        app_key: 'demo-app-key',
        app_secret: 'demo-app-secret',
      })
      const fabric = { 'x-app-key': 'demo-app-key', authorization: `Bearer ${AccessToken}` }
      const { token } = await post<{ token: string }>(
        '/apiaccess/ccmessaging/applyToken',
        { userId: 'web-user-7', userName: 'Zhang San', channelId: 'web-1000', locale: 'zh_CN' },
        fabric,
      )
      const session = { ...fabric, 'ccmessaging-token': token }
      const send = (controlType: string, content = '') =>
        post<{ resultCode: string }>(
          '/apiaccess/ccmessaging/send',
          {
            channel: 'WEB',
            content,
            controlType,
            from: 'web-user-7',
            mediaType: 'TEXT',
            sourceType: 'CUSTOMER',
            to: 'web-1000',
          },
          session,
        )
      expect((await send('CONNECT', 'start')).resultCode).toBe('0')

      // Earlier tests left chats waiting, offered first: Dave rejects them until Zhang San's comes.
      const offer = agent.getByRole('alertdialog', { name: /Zhang San/ })
      while (!(await offer.isVisible())) {
        const other = agent.getByRole('alertdialog').first()
        await other.waitFor()
        if (await offer.isVisible()) break
        const text = await other.innerText()
        await other.getByRole('button', { name: 'Reject' }).click()
        await agent.getByRole('alertdialog').filter({ hasText: text }).waitFor({ state: 'detached' })
      }
      await offer.getByRole('button', { name: 'Accept' }).click()
      await agent.getByRole('tab', { name: /Zhang San/ }).click()
      expect((await send('CHAT', '你好，我想查询订单')).resultCode).toBe('0')
      await agent.getByRole('log').getByText('你好，我想查询订单').waitFor()
      await agent.getByLabel('Reply').fill('您好，请提供订单号')
      await agent.getByLabel('Reply').press('Enter')
      await snapshot(agent, 'agent-aicc-chat')

      const seen: string[] = []
      await expect
        .poll(
          async () => {
            const r = (await (
              await fetch(`${server.url}/apiaccess/ccmessaging/poll?receiverId=web-user-7&channel=WEB`, {
                headers: session,
              })
            ).json()) as {
              downlinkMessages: { content: string; senderNickname: string; sourceType: string }[]
            }
            for (const m of r.downlinkMessages)
              if (m.sourceType === 'AGENT') seen.push(`${m.senderNickname}: ${m.content}`)
            return seen
          },
          { timeout: 15_000 },
        )
        .toContain('Dave Both: 您好，请提供订单号')
    },
  )
})
