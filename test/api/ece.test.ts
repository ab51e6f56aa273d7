import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { databases } from '../support/databases.js'
import type { Harness } from '../support/harness.js'
import { startHarness } from '../support/harness.js'

const ECE = '/system/egain/chat/entrypoint'
const NS = 'http://bindings.egain.com/chat'
const [pglite] = databases()
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false })

interface Snapshot {
  available: string
  slots: string
  waitTime: string
  queueDepth: string
  responseType: string
  allowed: string
  reason: string | undefined
}

describe('ECE entry-point API (documents 000 and 001)', () => {
  let h: Harness
  beforeEach(async () => {
    h = await startHarness(pglite!)
  })
  afterEach(async () => {
    await h.close()
  })

  const auth = (token: string) => ({ authorization: `Bearer ${token}` })
  async function get(call: string, id: string) {
    const res = await h.app.inject({ url: `${ECE}/${call}/${id}` })
    expect(res.headers['content-type']).toBe('application/xml; charset=utf-8')
    expect(XMLValidator.validate(res.body)).toBe(true)
    return {
      status: res.statusCode,
      doc: xml.parse(res.body) as Record<string, Record<string, unknown>>,
      body: res.body,
    }
  }
  /** The five status calls for one entry point, read as a website would. */
  async function snapshot(id: string): Promise<Snapshot> {
    const a = (await get('agentAvailability', id)).doc.agentAvailability!
    const c = (await get('capacity', id)).doc.availableSlots!
    const l = (await get('liveSessionStatus', id)).doc.sessionStatus!
    const e = (await get('checkEligibility', id)).doc.checkEligibility!
    const ok = (await get('chatAllowed', id)).doc.chatAllowed!
    return {
      available: a['@available'] as string,
      slots: String(c['ns2:count']),
      waitTime: String(l['ns2:waitTime']),
      queueDepth: String(l['ns2:queueDepth']),
      responseType: String(e['@responseType']),
      allowed: ok['@allowed'] as string,
      reason: ok['@reason'] as string | undefined,
    }
  }
  async function ready(agentId: string) {
    const token = await h.login(agentId)
    await h.app.inject({
      method: 'PUT',
      url: `/api/v1/agents/${agentId}/channels/chat`,
      headers: auth(token),
      payload: { state: 'ready' },
    })
    return token
  }
  const startChat = (ep = '1000') =>
    h.app.inject({
      method: 'POST',
      url: `/api/v1/entry-points/${ep}/chats`,
      payload: { customer: { name: 'Ann' } },
    })

  it('writes the documented roots, attributes, children and namespaces, well-formed', async () => {
    const { body } = await get('capacity', '1000')
    expect(body.startsWith('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')).toBe(true)
    expect(body).toContain(`xmlns:ns2="${NS}"`)
    expect(body).toContain('xmlns:ns4="urn:ietf:params:xml:ns:xmpp-stanzas"')
    expect(body).toContain('xmlns:ns5="http://jabber.org/protocol/httpbind"')
    expect(body).toMatch(/<availableSlots [^>]*><ns2:count>0<\/ns2:count><\/availableSlots>$/)
    expect((await get('checkEligibility', '1000')).body).toMatch(
      /<checkEligibility [^>]* responseType="1"\/>$/,
    )
  })

  it('with no agent: unavailable, no capacity, eligibility 1, agent_not_available', async () => {
    expect(await snapshot('1000')).toMatchObject({
      available: 'false',
      slots: '0',
      queueDepth: '0',
      responseType: '1',
      allowed: 'false',
      reason: 'agent_not_available',
    })
  })

  it('counts only the skill groups of the entry point’s queue (the 11.6 defect CSCvq11852)', async () => {
    await ready('agent3') // chat-sales only
    expect(await snapshot('1000')).toMatchObject({
      available: 'false',
      slots: '0',
      responseType: '1',
      reason: 'agent_not_available',
    })
    expect(await snapshot('1001')).toMatchObject({
      available: 'true',
      slots: '3',
      responseType: '0',
      allowed: 'true',
      reason: undefined,
    })
  })

  it('with agents ready and free: available, capacity Σ(max − active), eligibility 0, allowed', async () => {
    await ready('agent1')
    await ready('agent4') // 2 chats, in chat-support too
    expect(await snapshot('1000')).toMatchObject({
      available: 'true',
      slots: '5',
      waitTime: '0.0',
      responseType: '0',
      allowed: 'true',
    })
    await startChat()
    expect((await snapshot('1000')).slots).toBe('4')
  })

  it('with every slot taken: unavailable but still eligible, and the line with its wait', async () => {
    await ready('agent1')
    for (let i = 0; i < 4; i++) await startChat()
    const s = await snapshot('1000')
    expect(s).toMatchObject({
      available: 'false',
      slots: '0',
      queueDepth: '1',
      responseType: '0',
      allowed: 'true',
    })
    expect(Number(s.waitTime)).toBeGreaterThan(0)
  })

  it('with the queue full: eligibility 2 and queue_depth_reached', async () => {
    await ready('agent1')
    for (let i = 0; i < 8; i++) await startChat()
    expect(await snapshot('1000')).toMatchObject({
      queueDepth: '5',
      responseType: '2',
      allowed: 'false',
      reason: 'queue_depth_reached',
    })
  })

  it('reports inactive, unknown, closed and stopped entry points', async () => {
    await ready('agent1')
    expect((await get('chatAllowed', '1002')).doc.chatAllowed).toMatchObject({
      '@allowed': 'false',
      '@reason': 'entry_point_inactive',
    })
    expect((await get('chatAllowed', '4242')).doc.chatAllowed).toMatchObject({
      '@allowed': 'false',
      '@reason': 'invalid_entry_point',
    })
    // 1003 keeps office hours (Mon-Fri 09-17 London); on a Sunday it is "other" (native: outside_business_hours).
    h.time.t = Date.UTC(2026, 10, 1, 12)
    expect((await get('chatAllowed', '1003')).doc.chatAllowed).toMatchObject({
      '@allowed': 'false',
      '@reason': 'other',
    })
    expect((await h.app.inject({ url: '/api/v1/entry-points/1003/status' })).json()).toMatchObject({
      reason: 'outside_business_hours',
    })
    // The other calls cannot answer for an unknown entry point: ECE's 500.
    for (const call of ['agentAvailability', 'capacity', 'liveSessionStatus', 'checkEligibility']) {
      const r = await get(call, '4242')
      expect(r.status).toBe(500)
      expect(r.doc['ns2:errors']).toMatchObject({ 'ns2:error': { 'ns2:code': '500-101' } })
    }
    await h.sb.runtime('demo').stop()
    expect((await get('chatAllowed', '1000')).doc.chatAllowed).toMatchObject({
      '@allowed': 'false',
      '@reason': 'service_not_running',
    })
    expect((await get('capacity', '1000')).status).toBe(500)
  })

  it('initialize returns 001’s JSON from the entry point’s settings', async () => {
    await ready('agent1')
    const res = await h.app.inject({ url: `${ECE}/initialize/1000` })
    expect(res.json()).toMatchObject({
      checkEligibility: { responseType: 0 },
      maskingPatterns: { maskingPattern: [expect.stringContaining('\\d')] },
      isVideoChatEnabled: false,
      isChatAttachmentEnabled: true,
      maxChatAttachmentSize: 5,
      isOffRecordEnabled: false,
      htmlTagMatcherIncr: 1,
      isOneTagOff: true,
    })
    // 1003 leaves attachments at their defaults: off, 3 MB.
    const off = await h.app.inject({ url: `${ECE}/initialize/1003` })
    expect(off.json()).toMatchObject({ isChatAttachmentEnabled: false, maxChatAttachmentSize: 3 })
  })

  it('item 4: initialize, checkEligibility and chatAllowed give one answer for inactive and closed entry points', async () => {
    await ready('agent1')
    const answers = async (id: string) => ({
      initialize: (await h.app.inject({ url: `${ECE}/initialize/${id}` })).json<{
        checkEligibility: { responseType: number }
      }>().checkEligibility.responseType,
      checkEligibility: (await get('checkEligibility', id)).doc.checkEligibility!['@responseType'],
      chatAllowed: (await get('chatAllowed', id)).doc.chatAllowed,
    })
    expect(await answers('1000')).toMatchObject({ initialize: 0, checkEligibility: '0' })
    // 1002 is inactive.
    expect(await answers('1002')).toEqual({
      initialize: 1,
      checkEligibility: '1',
      chatAllowed: expect.objectContaining({ '@allowed': 'false', '@reason': 'entry_point_inactive' }),
    })
    // 1003 keeps office hours (Monday 09:00–17:00 in London): closed at 20:00, though agent1 is ready.
    await h.advance(10 * 3600_000)
    expect(await answers('1003')).toEqual({
      initialize: 1,
      checkEligibility: '1',
      chatAllowed: expect.objectContaining({ '@allowed': 'false', '@reason': 'other' }),
    })
  })

  it('answers per-session status and the transcript of an open session', async () => {
    const t1 = await ready('agent1')
    for (let i = 0; i < 3; i++) await startChat()
    const waiting = (await startChat()).json() as { contactId: string; customerToken: string }
    await h.app.inject({
      method: 'POST',
      url: `/api/v1/chats/${waiting.contactId}/messages`,
      headers: auth(waiting.customerToken),
      payload: { text: 'a < b & c' },
    })
    const status = await get('sessionStatus', waiting.contactId)
    expect(status.doc.sessionStatus).toMatchObject({ 'ns2:queueDepth': '1' })
    const transcript = await h.app.inject({
      method: 'POST',
      url: `${ECE}/transcript`,
      payload: { sid: waiting.contactId },
    })
    expect(XMLValidator.validate(transcript.body)).toBe(true)
    expect(transcript.body).toContain('<ns2:message from="customer" seq="1"')
    expect(transcript.body).toContain('a &lt; b &amp; c')
    // Closed session: 400-115.
    await h.app.inject({
      method: 'POST',
      url: `/api/v1/chats/${waiting.contactId}/end`,
      headers: auth(waiting.customerToken),
    })
    const closed = await h.app.inject({
      method: 'POST',
      url: `${ECE}/transcript`,
      headers: { 'content-type': 'application/xml' },
      payload: `<sid>${waiting.contactId}</sid>`,
    })
    expect(closed.statusCode).toBe(400)
    expect(closed.body).toContain('<ns2:code>400-115</ns2:code>')
    expect((await get('sessionStatus', 'no-such-session')).status).toBe(400)
    expect(t1).toBeTruthy()
  })

  describe('survey', () => {
    const post = (payload: string, type = 'application/xml') =>
      h.app.inject({ method: 'POST', url: `${ECE}/survey`, headers: { 'content-type': type }, payload })
    const survey = (sid: string) =>
      `<egainSurvey sid="${sid}">\n<survey><question>Question 1</question> <answer>Answer 1</answer></survey>\n<survey><question>Was it &amp; quick?</question><answer>Yes &#x263A;</answer></survey>\n</egainSurvey>`

    it('stores one survey per contact (204), refuses a repeat, and shows it in the contact record', async () => {
      await ready('agent1')
      const chat = (await startChat()).json() as { contactId: string; customerToken: string }
      // Item 4: whoever learns a sid cannot pre-empt the customer's survey while the chat runs.
      const early = await post(survey(chat.contactId))
      expect(early.statusCode).toBe(409)
      expect(early.body).toContain('<ns2:code>409-102</ns2:code>')
      await h.app.inject({
        method: 'POST',
        url: `/api/v1/chats/${chat.contactId}/end`,
        headers: auth(chat.customerToken),
      })
      const first = await post(survey(chat.contactId))
      expect(first.statusCode).toBe(204)
      expect(first.body).toBe('')
      const again = await post(survey(chat.contactId))
      expect(again.statusCode).toBe(409)
      expect(again.body).toContain('<ns2:code>409-101</ns2:code>')
      const record = (
        await h.app.inject({
          url: `/api/v1/contacts/${chat.contactId}`,
          headers: auth(await h.login('supervisor')),
        })
      ).json()
      expect(record).toMatchObject({
        survey: {
          source: 'ece',
          answers: [
            { question: 'Question 1', answer: 'Answer 1' },
            { question: 'Was it & quick?', answer: 'Yes ☺' },
          ],
        },
      })
    })

    it('refuses DOCTYPEs, malformed XML, wrong shapes, unknown sessions and oversized bodies, in ECE’s error form', async () => {
      const cases: [string, number, string][] = [
        [
          '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><egainSurvey sid="1">&x;</egainSurvey>',
          400,
          'DOCTYPE',
        ],
        [
          `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><egainSurvey sid="1"/>`,
          400,
          'DOCTYPE',
        ],
        ['<egainSurvey sid="1"><survey><question>q</survey></egainSurvey>', 400, 'malformed'],
        ['<other/>', 400, 'egainSurvey'],
        ['<egainSurvey sid="1"></egainSurvey>', 400, 'pairs'],
        [`${'<a>'.repeat(40)}${'</a>'.repeat(40)}`, 400, 'nested'],
        [survey('no-such-contact'), 400, '400-116'],
      ]
      for (const [payload, status, text] of cases) {
        const res = await post(payload)
        expect({ status: res.statusCode, ok: res.body.includes(text) }).toEqual({ status, ok: true })
        expect(XMLValidator.validate(res.body)).toBe(true)
      }
      const huge = await post(
        `<egainSurvey sid="1"><survey><question>${'x'.repeat(20_000)}</question><answer>a</answer></survey></egainSurvey>`,
      )
      expect(huge.statusCode).toBe(413)
      expect((await post('{"sid":"1"}', 'application/json')).statusCode).toBe(415)
      expect((await post('sid=1', 'application/x-www-form-urlencoded')).statusCode).toBe(415)
    })
  })

  it('answers unknown ECE paths with 404 in its error form', async () => {
    const res = await h.app.inject({ url: `${ECE}/nothingHere/1000` })
    expect(res.statusCode).toBe(404)
    expect(res.body).toContain('<ns2:code>404-100</ns2:code>')
  })
})
