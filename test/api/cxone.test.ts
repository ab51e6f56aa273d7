import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TenantDoc } from '../../src/config/document.js'
import type { Command } from '../../src/core/commands.js'
import { agentState } from '../../src/core/commands.js'
import { cxoneStandIn } from '../support/cxone-stand-in.js'
import { databases } from '../support/databases.js'
import type { Harness } from '../support/harness.js'
import { demoDocs, startHarness } from '../support/harness.js'

const [pglite] = databases()
const T0 = Date.UTC(2026, 10, 2, 10) // the harness's clock: 10:00:00 UTC
const MIN = 60_000
const at = (minutes: number, seconds = 0) => T0 + minutes * MIN + seconds * 1000
const iso = (t: number) => new Date(t).toISOString()
const CREDS = {
  tenantName: 'Demo_Tenant',
  accessKeyId: 'ICIK6JQHUUZANCQ====',
  accessKeySecret: '3MMUKO7PCQ====',
}

type Intraday = {
  startDate: string
  reportData: {
    queueReport: Record<string, unknown>[]
    agentQueueReport: Record<string, unknown>[]
    agentSystemPerformanceReport: Record<string, unknown>[]
  }
}
type States = {
  agentStateList: { loginId: string; eventCode: string; reasonCode: string; eventUtcTime: string }[]
}

describe('CXone WFM connector (document 003) against a stand-in that checks every field', () => {
  let h: Harness
  let cx: Awaited<ReturnType<typeof cxoneStandIn>>
  let demo: TenantDoc

  beforeEach(async () => {
    let clock = () => T0
    cx = await cxoneStandIn(CREDS, () => clock())
    const docs = demoDocs()
    demo = docs[0] as TenantDoc
    demo.cxone = {
      enabled: true,
      baseUrl: cx.base,
      ...CREDS,
      acdType: 'Generic_Switchboard',
      agents: {
        agent1: { cxoneAgentId: '11eb0706-b268-988f-811b-005056a15ae6', userName: 'alice@demo.example' },
      },
      heartbeatSeconds: 60,
    }
    h = await startHarness(pglite!, docs)
    clock = h.time.now
  })
  afterEach(async () => {
    await h.close()
    await cx.close()
  })

  const run = (command: Command) => h.sb.runtime('demo').run(command)
  /** Time passes; the projector folds and the dispatcher sends, as the server's timers would. */
  async function until(t: number): Promise<void> {
    while (h.time.now() < t) {
      await h.advance(Math.min(10_000, t - h.time.now()))
      await h.reporting.projector.catchUp('demo')
      for (let i = 0; i < 10 && (await h.dispatcher.drain()).tried > 0; i++);
    }
  }
  const intraday = (start: number) =>
    (cx.received.intraday as Intraday[]).filter((r) => r.startDate === iso(start))
  const states = () => (cx.received.states as States[]).flatMap((s) => s.agentStateList)

  it('pushes lasting agent states, each closed interval, a correction for late wrap-up, and survives an outage', async () => {
    await run(agentState('agent1', 'chat', 'ready', 'agent1'))
    await run(agentState('agent2', 'chat', 'ready', 'agent2'))
    // agent2 flickers: one second on break, then back. WFM hears of neither one-second state.
    await h.advance(1000)
    await run(agentState('agent2', 'chat', 'not_ready', 'agent2', 'Break'))
    await h.advance(1000)
    await run(agentState('agent2', 'chat', 'ready', 'agent2'))
    await run(agentState('agent2', 'email', 'ready', 'agent2'))

    await until(at(2))
    await run({
      type: 'admitContact',
      contact: { contactId: 'c1', entryPointId: '1000', customer: { name: 'Ann' }, subject: null },
    })
    const offer = h.sb.runtime('demo').query({ type: 'contact', contactId: 'c1' })!.offer!
    await until(at(2, 5))
    await run({ type: 'acceptOffer', offerId: offer.offerId, agentId: offer.agentId })
    await until(at(14))
    await run({ type: 'endContact', contactId: 'c1', by: 'agent', agentId: offer.agentId })
    // Wrap-up (120 s on support) runs past 10:15: the 10:00 interval goes out before it ends.
    await until(at(15, 10))
    expect(cx.problems).toEqual([])
    const first = intraday(at(0))
    expect(first).toHaveLength(1)
    const support = () => first.at(-1)!.reportData.queueReport.find((q) => q.queueValue === 'support')
    expect(support()).toMatchObject({
      queueName: 'Customer support',
      isOutbound: false,
      contactsReceived: 1,
      handledShort: 1,
      handledLong: 0,
      abandonedShort: 0,
      abandonedLong: 0,
      handleTime: (at(14) - at(2, 5)) / 1000,
      queueDelayTime: 5,
      workTime: 0,
      svcLvlPct: 100,
      rightPartyContacts: 0,
      wrongPartyContacts: 0,
    })
    // Every configured queue is reported, a quiet one with zeros.
    expect(first[0]!.reportData.queueReport.map((q) => q.queueValue)).toEqual([
      'support',
      'sales',
      'voice-support',
      'messages',
    ])
    expect(first[0]!.reportData.agentSystemPerformanceReport).toContainEqual({
      agentValue: 'agent1',
      agentId: '11eb0706-b268-988f-811b-005056a15ae6',
      readyTime: 2 * 60 + 5,
      notReadyTime: 0,
      loginTime: 900,
    })

    await until(at(16, 30))
    const corrected = intraday(at(0))
    expect(corrected).toHaveLength(2)
    expect(corrected[1]!.reportData.queueReport.find((q) => q.queueValue === 'support')).toMatchObject({
      workTime: 120,
    })
    expect(corrected[1]!.reportData.agentQueueReport).toContainEqual(
      expect.objectContaining({ agentValue: 'agent1', handled: 1, handledTime: 715, workTime: 120 }),
    )

    // The activity report of 10:00–10:15: agent1's states, with CXone's names for them.
    const activity = (
      cx.received.activity as { startDate: string; reportData: Record<string, unknown>[] }[]
    ).find((a) => a.startDate === iso(at(0)))!
    expect(activity.reportData.find((a) => a.agentValue === 'agent1')).toEqual({
      agentValue: 'agent1',
      agentId: '11eb0706-b268-988f-811b-005056a15ae6',
      userName: 'alice@demo.example',
      agentActivity: [
        { state: 'Available', startTime: iso(at(0)), duration: 2 * MIN + 5000, reason: '' },
        { state: 'ChatContact', startTime: iso(at(2, 5)), duration: 715_000, reason: '' },
        { state: 'AfterContactWork', startTime: iso(at(14)), duration: MIN, reason: '' },
      ],
    })

    // States as they happened; agent2's one-second states left out.
    expect(states().filter((s) => s.loginId === 'alice@demo.example')).toEqual([
      {
        loginId: 'alice@demo.example',
        acdId: 'Demo_Tenant',
        eventCode: 'Available',
        reasonCode: '',
        eventUtcTime: iso(at(0)),
      },
      {
        loginId: 'alice@demo.example',
        acdId: 'Demo_Tenant',
        eventCode: 'ChatContact',
        reasonCode: '',
        eventUtcTime: iso(at(2, 5)),
      },
      {
        loginId: 'alice@demo.example',
        acdId: 'Demo_Tenant',
        eventCode: 'AfterContactWork',
        reasonCode: '',
        eventUtcTime: iso(at(14)),
      },
      {
        loginId: 'alice@demo.example',
        acdId: 'Demo_Tenant',
        eventCode: 'Available',
        reasonCode: '',
        eventUtcTime: iso(at(16)),
      },
    ])
    expect(
      states()
        .filter((s) => s.loginId === 'agent2')
        .map((s) => [s.eventCode, s.eventUtcTime]),
    ).toEqual([['Available', iso(at(0, 2))]])

    // CXone is down for an hour: nothing is lost, and it all arrives in order afterwards.
    cx.setDown(true)
    await run(agentState('agent1', 'chat', 'not_ready', 'agent1', 'Lunch'))
    await until(at(50))
    await run(agentState('agent1', 'chat', 'ready', 'agent1'))
    await until(at(80))
    const before = cx.received.intraday.length
    cx.setDown(false)
    await until(at(150))
    expect(cx.problems).toEqual([])
    const starts = (cx.received.intraday as Intraday[]).slice(before).map((r) => r.startDate)
    expect(starts.slice(0, 5)).toEqual([at(15), at(30), at(45), at(60), at(75)].map(iso))
    expect(starts).toEqual([...starts].sort())
    expect(
      states()
        .filter((s) => s.loginId === 'alice@demo.example')
        .slice(4)
        .map((s) => [s.eventCode, s.reasonCode, s.eventUtcTime]),
    ).toEqual([
      ['Unavailable', 'Lunch', iso(at(16, 30))],
      ['Available', '', iso(at(50))],
    ])
    // Over 2.5 hours the token was refreshed rather than asked for again.
    expect(cx.calls.refresh).toBeGreaterThanOrEqual(1)
    expect(cx.calls.token).toBe(1)
    // Three quiet hours later both tokens have expired: the refresh is refused, the access key
    // gets a new one, and the push goes out.
    await h.advance(3 * 3600_000)
    await run(agentState('agent1', 'chat', 'not_ready', 'agent1', 'Meeting'))
    await until(h.time.now() + MIN)
    expect(cx.calls.token).toBe(2)
    expect(states().at(-1)).toMatchObject({ eventCode: 'Unavailable', reasonCode: 'Meeting' })
    expect(cx.problems).toEqual([])
  })

  it('item 3: on a quiet floor a state that lasts 3 s is sent within 10 s of its start plus 3 s', async () => {
    // The server's own timers only: the projection follows commits and its own wake-ups.
    h.reporting.start()
    const started = h.time.now()
    await run(agentState('agent1', 'chat', 'ready', 'agent1'))
    h.reporting.committed('demo')
    let sentAt: number | undefined
    while (sentAt === undefined && h.time.now() <= started + 20_000) {
      await h.advance(500)
      await h.reporting.projector.idle('demo')
      for (let i = 0; i < 10 && (await h.dispatcher.drain()).tried > 0; i++);
      if (states().some((s) => s.loginId === 'alice@demo.example' && s.eventUtcTime === iso(started)))
        sentAt = h.time.now()
    }
    expect(sentAt, 'the ready state reached CXone').toBeDefined()
    expect(sentAt! - started).toBeLessThanOrEqual(13_000)
  })

  it('keeps the connection monitor: heartbeat, ACD type, and a status for supervisors', async () => {
    expect(await h.cxoneMonitor.check('demo')).toMatchObject({
      connected: true,
      acdType: 'Generic_Switchboard',
    })
    expect(cx.calls).toMatchObject({ heartbeat: 1, acdType: 1, token: 1 })
    const supervisor = await h.login('supervisor')
    const status = await h.app.inject({
      url: '/api/v1/wfm/status',
      headers: { authorization: `Bearer ${supervisor}` },
    })
    expect(status.json()).toMatchObject({
      enabled: true,
      connected: true,
      acdType: 'Generic_Switchboard',
      deadLetters: 0,
    })
    cx.setDown(true)
    expect(await h.cxoneMonitor.check('demo')).toMatchObject({
      connected: false,
      error: expect.stringContaining('503'),
    })
  })

  const intervalsSent = () => (cx.received.intraday as Intraday[]).map((r) => r.startDate)
  const queueRow = (r: Intraday, queueId: string) =>
    r.reportData.queueReport.find((q) => q.queueValue === queueId)!

  it('item 3: a connector turned on late sends the last day, a report rebuild sends it again, and nothing before the first event', async () => {
    await h.sb.applyDocument({ ...demo, cxone: { ...demo.cxone!, enabled: false } })
    await run(agentState('agent1', 'chat', 'ready', 'agent1'))
    await until(at(3))
    await run({
      type: 'admitContact',
      contact: { contactId: 'c1', entryPointId: '1000', customer: { name: 'Ann' }, subject: null },
    })
    const offer = h.sb.runtime('demo').query({ type: 'contact', contactId: 'c1' })!.offer!
    await run({ type: 'acceptOffer', offerId: offer.offerId, agentId: offer.agentId })
    await until(at(20))
    await run({ type: 'endContact', contactId: 'c1', by: 'agent', agentId: offer.agentId })
    await until(at(65))
    expect(intervalsSent(), 'nothing goes out while the connector is off').toEqual([])

    await h.sb.applyDocument(demo)
    await until(at(65, 10))
    expect(cx.problems).toEqual([])
    // The day so far, each closed interval once, none from before the tenant's first event.
    const day = [at(0), at(15), at(30), at(45)].map(iso)
    expect(intervalsSent()).toEqual(day)
    const first = [...(cx.received.intraday as Intraday[])]
    expect(queueRow(first[1]!, 'support')).toMatchObject({ contactsReceived: 1, handledShort: 1 })
    // States from while it was off are history, not live states: the activity report has them.
    expect(states()).toEqual([])
    expect((cx.received.activity as { startDate: string }[]).map((a) => a.startDate)).toEqual(day)

    const rebuilt = await h.reporting.rebuild('demo')
    expect(rebuilt).toBeGreaterThan(0)
    for (let i = 0; i < 10 && (await h.dispatcher.drain()).tried > 0; i++);
    expect(intervalsSent()).toEqual([...day, ...day])
    const again = (cx.received.intraday as Intraday[]).slice(day.length)
    expect(again.map((r) => r.reportData)).toEqual(first.map((r) => r.reportData))
    expect(states(), 'a rebuild sends no state again').toEqual([])
    expect(cx.problems).toEqual([])
  })

  it('item 3: a contact ended by its max wait is counted in an outcome, and every interval adds up', async () => {
    const support = demo.queues.find((q) => q.id === 'support')!
    await h.sb.applyDocument({
      ...demo,
      queues: demo.queues.map((q) => (q === support ? { ...q, maxWaitSeconds: 60 } : q)),
    })
    // The only agent declines it: the chat waits its minute and is ended by the queue.
    await run(agentState('agent1', 'chat', 'ready', 'agent1'))
    await run({
      type: 'admitContact',
      contact: { contactId: 'late', entryPointId: '1000', customer: { name: 'Bo' }, subject: null },
    })
    const offer = h.sb.runtime('demo').query({ type: 'contact', contactId: 'late' })!.offer!
    await run({ type: 'rejectOffer', offerId: offer.offerId, agentId: offer.agentId, reason: 'busy' })
    await until(at(2))
    const ended = await h.sb.queries.events('demo', { afterSeq: 0, limit: 100 })
    expect(ended.map((e) => e.type)).toContain('ContactTimedOut')
    await until(at(15, 10))
    const report = (cx.received.intraday as Intraday[]).find((r) => r.startDate === iso(at(0)))!
    for (const q of report.reportData.queueReport)
      expect(
        (q.handledShort as number) +
          (q.handledLong as number) +
          (q.abandonedShort as number) +
          (q.abandonedLong as number),
        `${q.queueValue as string} adds up`,
      ).toBe(q.contactsReceived)
    expect(queueRow(report, 'support')).toMatchObject({ contactsReceived: 1, abandonedLong: 1, svcLvlPct: 0 })

    const supervisor = await h.login('supervisor')
    const rows = (
      await h.app.inject({
        url: '/api/v1/reports/queue-intervals?from=2026-11-02&timeZone=UTC',
        headers: { authorization: `Bearer ${supervisor}` },
      })
    ).json() as { rows: Record<string, unknown>[] }
    expect(rows.rows.find((r) => r.queueId === 'support')).toMatchObject({
      contactsReceived: 1,
      timedOut: 1,
      abandonedLong: 0,
      serviceLevelPct: 0,
    })
    const stats = (
      await h.app.inject({
        url: '/api/v1/queues/support/stats',
        headers: { authorization: `Bearer ${supervisor}` },
      })
    ).json() as { serviceLevel: number | null }
    expect(stats.serviceLevel, 'the live service level counts the chat that timed out').toBe(0)
  })
})
