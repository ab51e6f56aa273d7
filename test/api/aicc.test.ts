import type { Response } from 'light-my-request'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { databases } from '../support/databases.js'
import type { Harness } from '../support/harness.js'
import { demoDocs, startHarness } from '../support/harness.js'
import { png } from '../support/png.js'

// Requests as document 002 and Huawei's web-client documentation write them.
const APP_KEY = 'demo-app-key'
const CHANNEL = 'web-1000'
const USER = 'user-0001'

interface Downlink {
  channel: string
  from: string
  to: string
  controlType: string
  mediaType: string
  content: string
  simQuestions: null
  senderNickname: string
  sourceType: string
  timestamp: number
  isOfflineStatus: boolean
}

for (const db of databases()) {
  describe(`${db.name}: Huawei AICC web-client access (document 002)`, () => {
    let h: Harness
    beforeEach(async () => {
      h = await startHarness(db)
    })
    afterEach(async () => {
      await h.close()
    })

    async function accessToken(secret = 'demo-app-secret', expire?: string) {
      return h.app.inject({
        method: 'POST',
        url: '/apigovernance/api/oauth/tokenByAkSk',
        headers: { 'content-type': 'application/json', ...(expire ? { 'x-token-expire': expire } : {}) },
        payload: { app_key: APP_KEY, app_secret: secret },
      })
    }

    async function fabric(): Promise<Record<string, string>> {
      const token = (await accessToken()).json<{ AccessToken: string }>().AccessToken
      return { 'x-app-key': APP_KEY, authorization: `Bearer ${token}`, 'content-type': 'application/json' }
    }

    async function ccToken(headers: Record<string, string>, userId = USER): Promise<string> {
      const res = await h.app.inject({
        method: 'POST',
        url: '/apiaccess/ccmessaging/applyToken',
        headers,
        payload: { userId, userName: 'Li Lei', channelId: CHANNEL, locale: 'zh_CN' },
      })
      return res.json<{ token: string }>().token
    }

    /** A client as document 002 shows it: fabric headers plus the ccmessaging-token. */
    async function client(userId = USER) {
      type Payload = Record<string, unknown>
      let headers = await fabric()
      let token = await ccToken(headers, userId)
      const call = async (method: 'GET' | 'POST', url: string, payload?: Payload): Promise<Response> => {
        const res: Response = await h.app.inject({
          method,
          url,
          headers: { ...headers, 'ccmessaging-token': token },
          ...(payload === undefined ? {} : { payload }),
        })
        // The client swaps in a renewed token, as AICC's clients must.
        const renewed = res.headers['ccmessaging-token']
        if (typeof renewed === 'string') token = renewed
        return res
      }
      const send = (controlType: string, content = '', mediaType = 'TEXT') =>
        call('POST', '/apiaccess/ccmessaging/send', {
          channel: 'WEB',
          content,
          controlType,
          from: userId,
          mediaType,
          sourceType: 'CUSTOMER',
          to: CHANNEL,
        })
      const poll = async (extra = '') =>
        (await call('GET', `/apiaccess/ccmessaging/poll?receiverId=${userId}&channel=WEB${extra}`)).json<{
          resultCode: string
          resultDesc: string
          downlinkMessages: Downlink[]
        }>()
      const queueInfo = () =>
        call('POST', '/apiaccess/ccmessaging/queryQueueInfo', {
          userId,
          channelConfigId: CHANNEL,
          channel: 'WEB',
        })
      return {
        call,
        send,
        poll,
        queueInfo,
        token: () => token,
        headers: () => headers,
        // The API Fabric's AccessToken lasts minutes: clients fetch a new one as it runs out.
        refreshAccessToken: async () => {
          headers = await fabric()
        },
      }
    }

    const auth = (t: string) => ({ authorization: `Bearer ${t}` })
    async function readyAgent(agentId = 'agent1') {
      const t = await h.login(agentId)
      await h.app.inject({
        method: 'PUT',
        url: `/api/v1/agents/${agentId}/channels/chat`,
        headers: auth(t),
        payload: { state: 'ready' },
      })
      return t
    }
    async function acceptOffer(t: string, agentId = 'agent1') {
      const events = (
        await h.app.inject({ url: `/api/v1/agents/${agentId}/events?after=0`, headers: auth(t) })
      ).json<{ events: { type: string; offerId?: string; contactId?: string }[] }>().events
      const offer = events.filter((e) => e.type === 'ContactOffered').pop()
      await h.app.inject({ method: 'POST', url: `/api/v1/offers/${offer!.offerId}/accept`, headers: auth(t) })
      return offer!.contactId!
    }

    it('issues the API Fabric token with every documented field, and refuses a wrong secret', async () => {
      const res = await accessToken('demo-app-secret', '1200')
      expect(res.statusCode).toBe(200)
      const body = res.json<Record<string, unknown>>()
      expect(body).toEqual({
        AccessToken: expect.any(String),
        ApplyType: 'Bearer',
        CreateTime: String(Math.floor(h.time.now() / 1000)),
        Expires: '1200',
        Scope: 'ccmessaging',
        AppKey: APP_KEY,
        UserID: 'Anonymous',
      })
      const wrong = await accessToken('not-the-secret')
      expect(wrong.statusCode).toBe(401)
      expect(wrong.json()).toMatchObject({ resultCode: '3' })
    })

    it('hands out a ccmessaging-token for a known channel, with Bearer or the bare token', async () => {
      const headers = await fabric()
      const apply = (h2: Record<string, string>, channelId = CHANNEL) =>
        h.app.inject({
          method: 'POST',
          url: '/apiaccess/ccmessaging/applyToken',
          headers: h2,
          payload: { userId: USER, userName: 'Li Lei', channelId, locale: 'zh' },
        })
      expect((await apply(headers)).json()).toEqual({
        resultCode: '0',
        resultDesc: '',
        token: expect.any(String),
      })
      const bare = { ...headers, authorization: headers.authorization!.slice('Bearer '.length) }
      expect((await apply(bare)).json()).toMatchObject({ resultCode: '0' })
      expect((await apply(headers, 'web-9999')).json()).toMatchObject({ resultCode: '1' })
      const noKey = await apply({ authorization: headers.authorization!, 'content-type': 'application/json' })
      expect(noKey.statusCode).toBe(401)
      expect(noKey.json()).toMatchObject({ resultCode: '3' })
      const forged = await apply({ ...headers, authorization: 'Bearer eyJmb28iOjF9.c2lnbmF0dXJl' })
      expect(forged.statusCode).toBe(401)
    })

    it('carries a whole chat: CONNECT, queue info, agent answer, messages both ways, typing, read, DISCONNECT', async () => {
      const c = await client()
      // Nobody ready: the entry point refuses, in AICC's form.
      expect((await c.send('CONNECT', 'start')).json()).toMatchObject({ resultCode: '4' })
      // agent1 ready but full (three native chats offered): the AICC chat waits.
      const busyAgent = await readyAgent('agent1')
      for (let i = 0; i < 3; i++)
        await h.app.inject({
          method: 'POST',
          url: '/api/v1/entry-points/1000/chats',
          payload: { customer: { name: `native ${i}` } },
        })
      expect(busyAgent).toBeTruthy()
      expect((await c.send('CONNECT', 'start')).json()).toEqual({ resultCode: '0', resultDesc: '' })
      const queue = await c.queueInfo()
      expect(queue.json()).toEqual({
        resultCode: '0',
        resultDesc: '',
        position: 1,
        totalWaitTime: 0,
        currentDeviceWaitTime: 0,
        configMaxcWaitTime: 900,
        longestWaitTime: 0,
        estimateWaitTime: expect.any(Number),
      })

      const agent = await readyAgent('agent2')
      const contactId = await acceptOffer(agent, 'agent2')
      const first = await c.poll()
      expect(first).toMatchObject({ resultCode: '0', resultDesc: 'query user messages success.' })
      expect(first.downlinkMessages.map((m) => m.content)).toEqual([
        '正在为您接通座席，请稍候。',
        '已接通座席。',
      ])
      for (const m of first.downlinkMessages)
        expect(m).toMatchObject({
          channel: 'WEB',
          from: CHANNEL,
          to: USER,
          controlType: 'CHAT',
          mediaType: 'TEXT',
          simQuestions: null,
          senderNickname: '系统',
          sourceType: 'SYSTEM',
          timestamp: expect.any(Number),
          isOfflineStatus: false,
        })

      expect((await c.send('INPUT')).json()).toMatchObject({ resultCode: '0' })
      expect(h.sb.typing.isTyping('demo', contactId, h.time.now()).customer).toBe(true)
      expect((await c.send('CHAT', '你好，我的订单呢？')).json()).toMatchObject({ resultCode: '0' })
      const record = (
        await h.app.inject({ url: `/api/v1/contacts/${contactId}`, headers: auth(agent) })
      ).json<{ messages: { from: string; text: string }[]; customer: { name: string } }>()
      expect(record.messages).toMatchObject([{ from: 'customer', text: '你好，我的订单呢？' }])
      expect(record.customer.name).toBe('Li Lei')

      await h.app.inject({
        method: 'POST',
        url: `/api/v1/contacts/${contactId}/messages`,
        headers: auth(agent),
        payload: { text: '马上为您查询' },
      })
      await h.app.inject({
        method: 'POST',
        url: `/api/v1/contacts/${contactId}/read`,
        headers: auth(agent),
        payload: { upToSeq: 1 },
      })
      const second = await c.poll('&isNeedRead=true')
      expect(second.downlinkMessages).toMatchObject([
        { controlType: 'CHAT', content: '马上为您查询', senderNickname: 'Bob Agent', sourceType: 'AGENT' },
        { controlType: 'READ', content: '1', sourceType: 'AGENT' },
      ])
      // Served once: the next poll brings only what is new.
      await h.app.inject({
        method: 'POST',
        url: `/api/v1/contacts/${contactId}/messages`,
        headers: auth(agent),
        payload: { text: '已发货' },
      })
      expect((await c.poll()).downlinkMessages.map((m) => m.content)).toEqual(['已发货'])

      const busy = await c.queueInfo()
      expect(busy.json()).toMatchObject({ resultCode: '160021' })

      expect((await c.send('DISCONNECT')).json()).toMatchObject({ resultCode: '0' })
      const ended = (
        await h.app.inject({ url: `/api/v1/contacts/${contactId}`, headers: auth(agent) })
      ).json<{ state: string; endedBy: string }>()
      expect(ended).toMatchObject({ state: 'wrap_up', endedBy: 'customer' })
      const none = await c.queueInfo()
      expect(none.json()).toMatchObject({ resultCode: '160004' })
    })

    it('renews the ccmessaging-token through the response header, even just after it expired mid-chat', async () => {
      const agent = await readyAgent()
      const c = await client()
      await c.send('CONNECT', 'start')
      await acceptOffer(agent)
      const first = c.token()
      // An hour and five minutes of chat, the client active every minute.
      for (let minute = 1; minute <= 65; minute++) {
        await h.advance(60_000)
        if (minute % 9 === 0) await c.refreshAccessToken()
        expect((await c.send('INPUT')).json()).toMatchObject({ resultCode: '0' })
      }
      expect(c.token()).not.toBe(first)
      // The first token has expired; its chat is open, so it is still honoured, and replaced.
      await c.refreshAccessToken()
      const late = await h.app.inject({
        method: 'POST',
        url: '/apiaccess/ccmessaging/queryQueueInfo',
        headers: { ...c.headers(), 'ccmessaging-token': first },
        payload: { userId: USER, channelConfigId: CHANNEL, channel: 'WEB' },
      })
      expect(late.json()).toMatchObject({ resultCode: '160021' })
      expect(late.headers['ccmessaging-token']).toEqual(expect.any(String))

      // A native chat token is not a ccmessaging-token.
      const native = (
        await h.app.inject({
          method: 'POST',
          url: '/api/v1/entry-points/1001/chats',
          payload: { customer: { name: 'x' } },
        })
      ).json<{ customerToken?: string }>()
      const wrongKind = await h.app.inject({
        method: 'GET',
        url: `/apiaccess/ccmessaging/poll?receiverId=${USER}&channel=WEB`,
        headers: { ...c.headers(), 'ccmessaging-token': native.customerToken ?? 'x.y' },
      })
      expect(wrongKind.statusCode).toBe(401)
      expect(wrongKind.json()).toMatchObject({ resultCode: '3' })
    })

    it('releases a chat whose client stopped polling: a waiting customer is counted abandoned', async () => {
      // agent1 ready but full: the AICC chat waits in the queue.
      await readyAgent()
      for (let i = 0; i < 3; i++)
        await h.app.inject({
          method: 'POST',
          url: '/api/v1/entry-points/1000/chats',
          payload: { customer: { name: `native ${i}` } },
        })
      const c = await client()
      expect((await c.send('CONNECT', 'start')).json()).toMatchObject({ resultCode: '0' })
      const sup = await h.login('supervisor')
      const contactId = h.sb
        .runtime('demo')
        .query({ type: 'contacts' })
        .find((x) => x.customer.externalId === `aicc:${CHANNEL}:${USER}`)!.id
      const state = async () =>
        (await h.app.inject({ url: `/api/v1/contacts/${contactId}`, headers: auth(sup) })).json<{
          state: string
        }>().state
      expect(await state()).toBe('queued')
      await h.advance(130_000)
      await expect.poll(state).toBe('abandoned')
      await c.refreshAccessToken()
      const again = await c.queueInfo()
      expect(again.json()).toMatchObject({ resultCode: '160004' })
    })

    it('serves each message once across a restart', async () => {
      const agent = await readyAgent()
      const c = await client()
      await c.send('CONNECT', 'start')
      const contactId = await acceptOffer(agent)
      expect((await c.poll()).downlinkMessages).toHaveLength(2)
      h = await h.restart()
      const t = await h.login('agent1')
      await h.app.inject({
        method: 'POST',
        url: `/api/v1/contacts/${contactId}/messages`,
        headers: auth(t),
        payload: { text: 'after the restart' },
      })
      const after = await h.app.inject({
        method: 'GET',
        url: `/apiaccess/ccmessaging/poll?receiverId=${USER}&channel=WEB`,
        headers: { ...(await fabric()), 'ccmessaging-token': c.token() },
      })
      expect(after.json<{ downlinkMessages: Downlink[] }>().downlinkMessages.map((m) => m.content)).toEqual([
        'after the restart',
      ])
    })

    it('answers bad requests in its own form, and bounds a poll flood', async () => {
      const c = await client()
      const bad = await c.call('POST', '/apiaccess/ccmessaging/send', {
        channel: 'WEB',
        controlType: 'SHOUT',
      })
      expect(bad.statusCode).toBe(400)
      expect(bad.json()).toMatchObject({ resultCode: '1', resultDesc: expect.any(String) })
      const notMine = await c.call('POST', '/apiaccess/ccmessaging/send', {
        channel: 'WEB',
        content: 'hi',
        controlType: 'CHAT',
        from: 'someone-else',
        mediaType: 'TEXT',
        sourceType: 'CUSTOMER',
        to: CHANNEL,
      })
      expect(notMine.json()).toMatchObject({ resultCode: '1' })
      const noChat = await c.send('CHAT', 'hello?')
      expect(noChat.json()).toMatchObject({ resultCode: '160004' })
      const malformed = await h.app.inject({
        method: 'POST',
        url: '/apiaccess/ccmessaging/send',
        headers: { ...c.headers(), 'ccmessaging-token': c.token() },
        payload: '{"channel": ',
      })
      expect(malformed.json()).toMatchObject({ resultCode: '1' })

      let limited = 0
      for (let i = 0; i < 130; i++) {
        const res = await h.app.inject({
          method: 'GET',
          url: `/apiaccess/ccmessaging/poll?receiverId=${USER}&channel=WEB`,
          headers: { ...c.headers(), 'ccmessaging-token': c.token() },
        })
        if (res.statusCode === 429) limited++
      }
      expect(limited).toBeGreaterThan(0)
    })

    it('takes a message when no agent could be reached (doLeaveMessage), as 002 sends it', async () => {
      const c = await client()
      expect((await c.send('CONNECT', 'start')).json()).toMatchObject({ resultCode: '4' })
      const left = await c.call('POST', '/apiaccess/ccmessaging/doLeaveMessage', {
        callId: '111111222111',
        caller: '13866667777',
        leaveMessage: '请回复电话',
        channel: 'WEB',
      })
      expect(left.json()).toEqual({ resultCode: '0', resultDesc: 'Save leaveMessage success!' })
      const sup = await h.login('supervisor')
      const stats = (await h.app.inject({ url: '/api/v1/queues/messages/stats', headers: auth(sup) })).json<{
        waiting: number
      }>()
      expect(stats.waiting).toBe(1)
      const bad = await c.call('POST', '/apiaccess/ccmessaging/doLeaveMessage', {
        callId: '1',
        channel: 'WEB',
      })
      expect(bad.json()).toMatchObject({ resultCode: '1' })
    })

    it('stores the satisfaction rating once, nested as 002 sends it or flat, visible in the contact', async () => {
      const agent = await readyAgent()
      const c = await client()
      await c.send('CONNECT', 'start')
      const contactId = await acceptOffer(agent)
      await h.app.inject({ method: 'POST', url: `/api/v1/contacts/${contactId}/end`, headers: auth(agent) })
      const rate = (body: Record<string, unknown>) =>
        c.call('POST', '/apiaccess/ccmessaging/saveSatisfaction', body)
      const answer = {
        channel: 'WEB',
        userId: USER,
        evaluation: '5',
        comment: '很满意',
        channelConfigId: CHANNEL,
        npsScore: '9',
        fcrValue: '1',
      }
      const mode = await c.call('POST', '/apiaccess/ccmessaging/getsatisfactionsurveymode', {})
      expect(mode.json()).toEqual({
        resultCode: '0',
        resultDesc: '',
        satisfactionSurvey: {
          surveyType: 'WEB',
          satisfactionLevel: ['很不满意', '不满意', '一般', '满意', '很满意'].map((d, i) => ({
            satisfactionLevelKey: String(i + 1),
            satisfactionLevelDesc: d,
          })),
          satisfactionQuestion: ['CSAT', 'FCR', 'NPS'],
        },
      })
      const english = await c.call('POST', '/apiaccess/ccmessaging/getSatisfactionSurveyMode', {
        language: 'en_US',
      })
      expect(
        english.json<{ satisfactionSurvey: { satisfactionLevel: { satisfactionLevelDesc: string }[] } }>()
          .satisfactionSurvey.satisfactionLevel[4]?.satisfactionLevelDesc,
      ).toBe('Very satisfied')
      expect((await rate({ satisfication: answer })).json()).toEqual({
        resultCode: '0',
        resultDesc: 'Save satisfaction success',
      })
      expect((await rate(answer)).json()).toMatchObject({ resultCode: '13' })
      expect((await rate({ satisfication: { ...answer, evaluation: '7' } })).json()).toMatchObject({
        resultCode: '1',
      })
      const record = (
        await h.app.inject({ url: `/api/v1/contacts/${contactId}`, headers: auth(agent) })
      ).json<{ survey: { source: string; answers: { question: string; answer: string }[] } }>()
      expect(record.survey).toMatchObject({
        source: 'aicc',
        answers: [
          { question: 'evaluation', answer: '5' },
          { question: 'comment', answer: '很满意' },
          { question: 'npsScore', answer: '9' },
          { question: 'fcrValue', answer: '1' },
        ],
      })
    })

    it("lists the user's history over their chats, by page and time (queryHistoryChatMessage)", async () => {
      const agent = await readyAgent()
      const c = await client()
      await c.send('CONNECT', 'start')
      const contactId = await acceptOffer(agent)
      await c.send('CHAT', '第一条')
      await h.advance(1000)
      await h.app.inject({
        method: 'POST',
        url: `/api/v1/contacts/${contactId}/messages`,
        headers: auth(agent),
        payload: { text: '收到' },
      })
      const history = (body: Record<string, unknown>) =>
        c.call('POST', '/apiaccess/ccmessaging/queryHistoryChatMessage', {
          channelId: CHANNEL,
          userId: USER,
          limit: '10',
          offset: '0',
          channel: 'WEB',
          ...body,
        })
      const all = (await history({})).json<{ resultCode: string; messageList: Record<string, unknown>[] }>()
      expect(all.resultCode).toBe('0')
      expect(all.messageList).toEqual([
        expect.objectContaining({
          from: USER,
          to: CHANNEL,
          content: '第一条',
          sourceType: 'CUSTOMER',
          mediaType: 'TEXT',
          timestamp: h.time.now() - 1000,
        }),
        expect.objectContaining({
          from: CHANNEL,
          to: USER,
          content: '收到',
          sourceType: 'AGENT',
          senderNickname: 'Alice Agent',
        }),
      ])
      const page = (await history({ limit: '1', offset: '1' })).json<{ messageList: { content: string }[] }>()
      expect(page.messageList.map((m) => m.content)).toEqual(['收到'])
      const late = (await history({ startTime: String(h.time.now()) })).json<{
        messageList: { content: string }[]
      }>()
      expect(late.messageList.map((m) => m.content)).toEqual(['收到'])
      expect((await history({ startTime: 'yesterday-ish' })).json()).toMatchObject({ resultCode: '1' })
    })

    it('suggests common phrases, and says truthfully that click-to-call is not offered without voice', async () => {
      const c = await client()
      const phrases = await c.call('POST', '/apiaccess/ccmessaging/queryPhraseByKeyword', {
        strContent: '订单',
        locale: 'zh',
        channel: 'WEB',
      })
      expect(phrases.json()).toEqual({
        resultCode: '0',
        resultDesc: '',
        question: ['我的订单什么时候发货？', '订单可以开发票吗？'],
      })
      const english = await c.call('POST', '/apiaccess/ccmessaging/queryPhraseByKeyword', {
        strContent: 'ORDER',
        locale: 'en',
        channel: 'WEB',
      })
      expect(english.json<{ question: string[] }>().question).toEqual(['When will my order ship?'])

      const support = await c.call('GET', '/apiaccess/ccmessaging/v1/checkClickToCallSupport?channel=WEB')
      expect(support.json()).toEqual({
        resultCode: '0',
        resultDesc: '',
        webRTCSupported: false,
        clickToCallSupported: false,
      })
      // Without voice on the server, each call says so in AICC's form; video is refused on its own.
      const create = await c.call('POST', '/apiaccess/ccmessaging/v1/createClickToCall', {
        channel: 'WEB',
        mediaAbility: '0',
      })
      expect(create.json()).toMatchObject({
        resultCode: '160032',
        resultDesc: expect.stringMatching(/does not take click-to-call/),
      })
      const video = await c.call('POST', '/apiaccess/ccmessaging/v1/createClickToCall', {
        channel: 'WEB',
        mediaAbility: '1',
      })
      expect(video.json()).toMatchObject({ resultCode: '160031', resultDesc: expect.stringMatching(/video/) })
      const events = await c.call('GET', '/apiaccess/ccmessaging/v1/getClickToCallEvents?channel=WEB')
      expect(events.json()).toMatchObject({ resultCode: '160032' })
      const drop = await c.call('POST', '/apiaccess/ccmessaging/v1/dropClickToCall', { channel: 'WEB' })
      expect(drop.json()).toMatchObject({ resultCode: '160032' })
    })

    it('carries files both ways: uploadFileStream then CHAT with the objectKey; downloadFileStream', async () => {
      const agent = await readyAgent()
      const c = await client()
      await c.send('CONNECT', 'start')
      const contactId = await acceptOffer(agent)
      const picture = png(8, 8, [200, 30, 30])
      const up = await c.call('POST', '/apiaccess/ccmessaging/uploadFileStream', {
        fileType: 'png',
        channel: 'WEB',
        fileStream: picture.toString('base64'),
      })
      const { objectKey } = up.json<{ returnCode: string; objectKey: string }>()
      expect(up.json()).toMatchObject({ returnCode: '0', objectKey: expect.any(String) })
      expect((await c.send('CHAT', objectKey, 'IMAGE')).json()).toMatchObject({ resultCode: '0' })
      const record = (
        await h.app.inject({ url: `/api/v1/contacts/${contactId}`, headers: auth(agent) })
      ).json<{ messages: { attachment: { id: string; contentType: string } | null }[] }>()
      expect(record.messages[0]?.attachment).toMatchObject({ id: objectKey, contentType: 'image/png' })

      // The agent sends a file: the client gets its id in the poll and fetches it.
      const sent = await h.app.inject({
        method: 'POST',
        url: `/api/v1/contacts/${contactId}/attachments?name=reply.png`,
        headers: { ...auth(agent), 'content-type': 'application/octet-stream' },
        payload: picture,
      })
      const fileId = sent.json<{ attachment: { id: string } }>().attachment.id
      const down = (await c.poll()).downlinkMessages.find((m) => m.sourceType === 'AGENT')
      expect(down).toMatchObject({ controlType: 'CHAT', mediaType: 'IMAGE', content: fileId })
      const got = await c.call('GET', `/apiaccess/ccmessaging/downloadFileStream?objectKey=${fileId}`)
      expect(Buffer.from(got.json<{ fileStream: string }>().fileStream, 'base64').equals(picture)).toBe(true)

      // Someone else's chat files stay theirs; bad uploads get 002's codes.
      const other = await client('user-0002')
      const theirs = await other.call('GET', `/apiaccess/ccmessaging/downloadFileStream?objectKey=${fileId}`)
      expect(theirs.json()).toMatchObject({ resultCode: '13' })
      const missing = await c.call('POST', '/apiaccess/ccmessaging/uploadFileStream', { channel: 'WEB' })
      expect(missing.json()).toMatchObject({ returnCode: '2' })
      const exe = await c.call('POST', '/apiaccess/ccmessaging/uploadFileStream', {
        fileType: 'jpg',
        channel: 'WEB',
        fileStream: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(64)]).toString('base64'),
      })
      expect(exe.json()).toMatchObject({ returnCode: '3' })
      expect((await c.send('CHAT', 'not-a-file-id', 'IMAGE')).json()).toMatchObject({ resultCode: '1' })
    })

    it("keeps each tenant's AICC apps, tokens and chats apart", async () => {
      await h.close()
      const [demo] = demoDocs()
      const acme = JSON.parse(JSON.stringify(demo)) as typeof demo
      h = await startHarness(db, [
        demo!,
        {
          ...acme!,
          id: 'acme',
          aicc: { ...acme!.aicc!, apps: [{ appKey: 'acme-key', appSecret: 'acme-secret-123' }] },
        },
      ])
      const acmeToken = (
        await h.app.inject({
          method: 'POST',
          url: '/apigovernance/api/oauth/tokenByAkSk',
          payload: { app_key: 'acme-key', app_secret: 'acme-secret-123' },
        })
      ).json<{ AccessToken: string }>().AccessToken
      const acmeHeaders = { 'x-app-key': 'acme-key', authorization: `Bearer ${acmeToken}` }
      // demo's session token with acme's app credentials: refused.
      const c = await client()
      const mixed = await h.app.inject({
        method: 'GET',
        url: `/apiaccess/ccmessaging/poll?receiverId=${USER}&channel=WEB`,
        headers: { ...acmeHeaders, 'ccmessaging-token': c.token() },
      })
      expect(mixed.statusCode).toBe(401)
      expect(mixed.json()).toMatchObject({ resultCode: '3' })
      // acme's app key with demo's AccessToken: refused too.
      const swapped = await h.app.inject({
        method: 'POST',
        url: '/apiaccess/ccmessaging/applyToken',
        headers: { ...c.headers(), 'x-app-key': 'acme-key' },
        payload: { userId: USER, userName: 'x', channelId: CHANNEL, locale: 'en' },
      })
      expect(swapped.statusCode).toBe(401)
    })

    it('item 6: a chat released because its client went quiet says DISCONNECT (isOfflineStatus) to the next poll', async () => {
      await readyAgent()
      const c = await client()
      await c.send('CONNECT', 'start')
      await c.poll()
      await h.advance(130_000)
      await c.refreshAccessToken()
      const after = (await c.poll()).downlinkMessages
      expect(after.at(-1)).toMatchObject({
        controlType: 'DISCONNECT',
        isOfflineStatus: true,
        sourceType: 'SYSTEM',
      })
    })

    it('item 6: doLeaveMessage takes the 36-character callId that poll hands out', async () => {
      const c = await client()
      await c.send('CONNECT', 'start') // nobody ready: the chat cannot start
      const left = await c.call('POST', '/apiaccess/ccmessaging/doLeaveMessage', {
        callId: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
        caller: '13866667777',
        leaveMessage: 'call me back',
        channel: 'WEB',
      })
      expect(left.json()).toEqual({ resultCode: '0', resultDesc: 'Save leaveMessage success!' })
    })

    it('item 6: polls are limited per chat user, not per address: many customers behind one NAT poll freely', async () => {
      const users = await Promise.all(Array.from({ length: 5 }, (_, i) => client(`nat-user-${i}`)))
      // 5 × 100 polls from one address (inject's 127.0.0.1): more than 120 a minute, none refused.
      for (let round = 0; round < 100; round++) {
        const codes = await Promise.all(
          users.map(
            async (u) =>
              (await u.call('GET', `/apiaccess/ccmessaging/poll?channel=WEB&x=${round}`)).statusCode,
          ),
        )
        expect(codes.filter((x) => x === 429)).toEqual([])
        if (round === 0) for (const u of users) expect(u.token()).toBeTruthy()
      }
    }, 60_000)

    it('item 6: feedbacksatisfaction and getUserInfoBycallId answer as 002 documents them', async () => {
      const agent = await readyAgent()
      const c = await client()
      await c.send('CONNECT', 'start')
      const contactId = await acceptOffer(agent)
      const feedback = (payload: Record<string, unknown>) =>
        c.call('POST', '/apiaccess/ccmessaging/v1/robot/feedbacksatisfaction', payload)
      expect((await feedback({ feedback: 0, from: USER, interIdx: '1' })).json()).toMatchObject({
        resultCode: '30000000008',
      })
      // Agents answer every chat here: there is no chatbot reply to rate, and it says so.
      expect((await feedback({ feedback: 1, from: USER, interIdx: '1' })).json()).toMatchObject({
        resultCode: '30000000019',
        resultDesc: expect.stringContaining('saveSatisfaction'),
      })
      expect((await feedback({ feedback: 1, from: 'someone-else', interIdx: '1' })).json()).toMatchObject({
        resultCode: '1',
      })

      const info = (payload: Record<string, unknown>, headers = c.headers()) =>
        h.app.inject({
          method: 'POST',
          url: '/apiaccess/rest/workbench/v1/getUserInfoBycallId',
          headers,
          payload,
        })
      const got = await info({ callId: contactId, userId: USER, tenantId: 'demo' })
      expect(got.json()).toEqual({
        resultCode: '0',
        resultDesc: '',
        userNickname: 'Li Lei',
        userId: USER,
        userAvatar: null,
        channel: 'WEB',
        createTime: expect.stringMatching(/^\d{13}$/),
        channelConfigId: CHANNEL,
        userAgent: null,
        clientIp: null,
        osName: null,
        borderType: null,
      })
      expect((await info({ callId: contactId, userId: 'other', tenantId: 'demo' })).json()).toMatchObject({
        resultCode: '160004',
      })
      expect((await info({ callId: contactId, userId: USER, tenantId: 'acme' })).statusCode).toBe(400)
      const noAuth = await info(
        { callId: contactId, userId: USER, tenantId: 'demo' },
        {
          'content-type': 'application/json',
        },
      )
      expect(noAuth.statusCode).toBe(401)
      expect(noAuth.json()).toMatchObject({ resultCode: '3' })
    })

    it('item 6: createcall, chat_dropMail, sendWhatsappMessage and unknown calls answer in AICC form', async () => {
      const c = await client()
      for (const path of ['createcall', 'chat_dropMail', 'sendWhatsappMessage', 'no-such-call']) {
        const res = await c.call('POST', `/apiaccess/ccmessaging/${path}`, {})
        expect(res.statusCode, path).toBe(path === 'no-such-call' ? 404 : 501)
        expect(Object.keys(res.json()).sort(), path).toEqual(['resultCode', 'resultDesc'])
      }
    })
  })
}
