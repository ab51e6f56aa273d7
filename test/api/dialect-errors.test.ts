import { XMLValidator } from 'fast-xml-parser'
import type { InjectOptions, Response } from 'light-my-request'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { dayKey } from '../../src/api/pbx/auth.js'
import { databases } from '../support/databases.js'
import type { Harness } from '../support/harness.js'
import { startHarness } from '../support/harness.js'

const [pglite] = databases()
type Dialect = 'native' | 'ece' | 'aicc' | 'pbx'
// 500 before 429: a limit reached stays reached for the rest of the minute.
const STATUSES = [404, 405, 411, 413, 414, 415, 500, 429] as const
type Status = (typeof STATUSES)[number]

const ECE = '/system/egain/chat/entrypoint'
const LONG_ID = 'x'.repeat(101)
const LONG_PATH = 'y'.repeat(5000)
const BIG = 'z'.repeat(80 * 1024)

/** What each dialect's error looks like, as its own clients parse it. */
function inForm(dialect: Dialect, status: number, res: Response): string[] {
  const problems: string[] = []
  if (res.statusCode !== status) problems.push(`status ${res.statusCode}: ${res.body.slice(0, 200)}`)
  switch (dialect) {
    case 'native': {
      const body = res.json<{ error?: { code?: unknown; message?: unknown } }>()
      if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string')
        problems.push(`not {error: {code, message}}: ${res.body.slice(0, 200)}`)
      break
    }
    case 'ece':
      if (!String(res.headers['content-type']).startsWith('application/xml')) problems.push('not XML')
      if (XMLValidator.validate(res.body) !== true) problems.push('not well-formed')
      if (!res.body.includes(`<ns2:code>${status}-`)) problems.push(`no ${status}- code: ${res.body}`)
      break
    case 'aicc': {
      const body = res.json<Record<string, unknown>>()
      if (Object.keys(body).sort().join() !== 'resultCode,resultDesc' || typeof body.resultCode !== 'string')
        problems.push(`not {resultCode, resultDesc}: ${res.body.slice(0, 200)}`)
      break
    }
    case 'pbx': {
      const body = res.json<Record<string, unknown>>()
      if (body.status !== 'error' || typeof body.message !== 'string')
        problems.push(`not {status: "error", message}: ${res.body.slice(0, 200)}`)
      break
    }
  }
  return problems
}

describe('hardening item 7: every dialect answers every failure in its own form', () => {
  let h: Harness
  beforeEach(async () => {
    h = await startHarness(pglite!)
  })
  afterEach(async () => {
    vi.restoreAllMocks()
    await h.close()
  })

  it('item 7: 404, 405, 411, 413, 414, 415, 429 and 500 of native, ECE, AICC and PBX, as one table', async () => {
    const supervisor = `Bearer ${await h.login('supervisor')}`
    const fabric = (
      await h.app.inject({
        method: 'POST',
        url: '/apigovernance/api/oauth/tokenByAkSk',
        payload: { app_key: 'demo-app-key', app_secret: 'demo-app-secret' },
      })
    ).json<{ AccessToken: string }>().AccessToken
    const aiccHeaders = { 'x-app-key': 'demo-app-key', authorization: `Bearer ${fabric}` }
    const ccToken = (
      await h.app.inject({
        method: 'POST',
        url: '/apiaccess/ccmessaging/applyToken',
        headers: aiccHeaders,
        payload: { userId: 'u1', userName: 'U', channelId: 'web-1000', locale: 'en_US' },
      })
    ).json<{ token: string }>().token
    const aicc = { ...aiccHeaders, 'ccmessaging-token': ccToken }
    const pbx = { authorization: dayKey('demo-webkey', 'Europe/London', h.time.now()) }
    const noLength = (url: string, headers: Record<string, string>, type: string): InjectOptions => ({
      method: 'POST',
      url,
      headers: { ...headers, 'content-type': type },
    })
    const many = async (n: number, req: () => InjectOptions): Promise<Response> => {
      let last: Response | undefined
      for (let i = 0; i < n; i++) last = await h.app.inject(req())
      return last!
    }
    const failing = (fn: () => void) => async (req: InjectOptions) => {
      fn()
      return h.app.inject(req)
    }

    // Each cell: how to provoke the failure in that dialect.
    const table: Record<Dialect, Record<Status, () => Promise<Response>>> = {
      native: {
        404: () => h.app.inject({ url: '/api/v1/no-such-thing' }),
        405: () => h.app.inject({ method: 'DELETE', url: '/api/v1/entry-points/1000/status' }),
        411: () => h.app.inject(noLength('/api/v1/login', {}, 'application/json')),
        413: () =>
          h.app.inject({ method: 'POST', url: '/api/v1/login', payload: { username: BIG, password: 'x' } }),
        414: () =>
          h.app.inject({ url: `/api/v1/contacts/${LONG_ID}`, headers: { authorization: supervisor } }),
        415: () =>
          h.app.inject({
            method: 'POST',
            url: '/api/v1/login',
            headers: { 'content-type': 'application/xml' },
            payload: '<login/>',
          }),
        429: () =>
          many(12, () => ({
            method: 'POST',
            url: '/api/v1/login',
            payload: { username: 'x', password: 'y' },
          })),
        500: () =>
          failing(() => vi.spyOn(h.sb.queries, 'contact').mockRejectedValue(new Error('disk on fire')))({
            url: '/api/v1/contacts/c-1',
            headers: { authorization: supervisor },
          }),
      },
      ece: {
        404: () => h.app.inject({ url: `${ECE}/no-such-call/1000` }),
        405: () => h.app.inject({ method: 'DELETE', url: `${ECE}/agentAvailability/1000` }),
        411: () => h.app.inject(noLength(`${ECE}/survey`, {}, 'application/xml')),
        413: () =>
          h.app.inject({
            method: 'POST',
            url: `${ECE}/survey`,
            headers: { 'content-type': 'application/xml' },
            payload: `<egainSurvey sid="a">${BIG}</egainSurvey>`,
          }),
        414: () => h.app.inject({ url: `${ECE}/agentAvailability/${LONG_ID}` }),
        415: () =>
          h.app.inject({ method: 'POST', url: `${ECE}/survey`, payload: { egainSurvey: { sid: 'a' } } }),
        429: () =>
          many(32, () => ({
            method: 'POST',
            url: `${ECE}/survey`,
            headers: { 'content-type': 'application/xml' },
            payload:
              '<egainSurvey sid="nobody"><survey><question>q</question><answer>a</answer></survey></egainSurvey>',
          })),
        500: () =>
          failing(() => vi.spyOn(h.sb.queries, 'contact').mockRejectedValue(new Error('disk on fire')))({
            method: 'POST',
            url: `${ECE}/survey`,
            headers: { 'content-type': 'application/xml' },
            payload:
              '<egainSurvey sid="s1"><survey><question>q</question><answer>a</answer></survey></egainSurvey>',
          }),
      },
      aicc: {
        404: () =>
          h.app.inject({ method: 'POST', url: '/apiaccess/ccmessaging/no-such-call', headers: aicc }),
        405: () => h.app.inject({ method: 'GET', url: '/apiaccess/ccmessaging/send', headers: aicc }),
        411: () => h.app.inject(noLength('/apiaccess/ccmessaging/send', aicc, 'application/json')),
        413: () =>
          h.app.inject({
            method: 'POST',
            url: '/apiaccess/ccmessaging/send',
            headers: aicc,
            payload: { content: BIG },
          }),
        414: () => h.app.inject({ url: `/apiaccess/ccmessaging/${LONG_PATH}`, headers: aicc }),
        415: () =>
          h.app.inject({
            method: 'POST',
            url: '/apiaccess/ccmessaging/send',
            headers: { ...aicc, 'content-type': 'application/xml' },
            payload: '<send/>',
          }),
        429: () =>
          many(22, () => ({
            method: 'POST',
            url: '/apigovernance/api/oauth/tokenByAkSk',
            payload: { app_key: 'demo-app-key', app_secret: 'wrong' },
          })),
        500: () =>
          failing(() =>
            vi.spyOn(h.sb, 'tenant').mockImplementation(() => {
              throw new Error('disk on fire')
            }),
          )({
            method: 'POST',
            url: '/apiaccess/ccmessaging/send',
            headers: aicc,
            payload: {
              channel: 'WEB',
              controlType: 'CONNECT',
              from: 'u1',
              mediaType: 'TEXT',
              sourceType: 'CUSTOMER',
              to: 'web-1000',
            },
          }),
      },
      pbx: {
        404: () => h.app.inject({ method: 'POST', url: '/coocenter-api/no/such-call', headers: pbx }),
        405: () => h.app.inject({ method: 'DELETE', url: '/coocenter-api/queues/agent-pause', headers: pbx }),
        411: () =>
          h.app.inject(
            noLength('/coocenter-api/queues/agent-pause', pbx, 'application/x-www-form-urlencoded'),
          ),
        413: () =>
          h.app.inject({
            method: 'POST',
            url: '/coocenter-api/queues/agent-pause',
            headers: { ...pbx, 'content-type': 'text/plain' },
            payload: BIG,
          }),
        414: () => h.app.inject({ method: 'POST', url: `/coocenter-api/${LONG_PATH}`, headers: pbx }),
        415: () =>
          h.app.inject({
            method: 'POST',
            url: '/coocenter-api/queues/agent-pause',
            headers: { ...pbx, 'content-type': 'application/xml' },
            payload: '<pause/>',
          }),
        429: () =>
          many(1201, () => ({ method: 'POST', url: '/coocenter-api/queues/queue-info', headers: pbx })),
        500: () =>
          failing(() =>
            vi.spyOn(h.sb, 'tenant').mockImplementation(() => {
              throw new Error('disk on fire')
            }),
          )({
            method: 'POST',
            url: '/coocenter-api/queues/agent-pause',
            headers: { ...pbx, 'content-type': 'application/x-www-form-urlencoded' },
            payload: 'queue=630&member=801&state=on',
          }),
      },
    }

    const problems: string[] = []
    for (const [dialect, row] of Object.entries(table) as [
      Dialect,
      Record<Status, () => Promise<Response>>,
    ][])
      for (const status of STATUSES) {
        const res = await row[status]()
        vi.restoreAllMocks()
        problems.push(...inForm(dialect, status, res).map((p) => `${dialect} ${status}: ${p}`))
        if (status === 405 && res.statusCode === 405 && !res.headers.allow)
          problems.push(`${dialect} 405: no Allow header`)
      }
    expect(problems).toEqual([])
  }, 60_000)

  it('item 7: /readyz reports each tenant’s router, and is not ready while one is not running', async () => {
    const ready = await h.app.inject({ url: '/readyz' })
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toMatchObject({ status: 'ready', tenants: { demo: 'running' } })
    vi.spyOn(h.sb, 'isRunning').mockReturnValue(false)
    const down = await h.app.inject({ url: '/readyz' })
    expect(down.statusCode).toBe(503)
    expect(down.json()).toMatchObject({
      status: 'not_ready',
      reason: 'the router of demo is not running',
      tenants: { demo: 'service_not_running' },
    })
  })
})
