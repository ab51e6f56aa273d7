import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  AgentActivity,
  AgentInterval,
  AgentQueueInterval,
  ContactRecord,
  QueueInterval,
} from '../../src/app/report-ports.js'
import { SqlReportStore } from '../../src/adapters/storage/sql-report-store.js'
import { databases } from '../support/databases.js'
import type { Harness } from '../support/harness.js'
import { FakeTime, startHarness } from '../support/harness.js'
import { scriptedDay } from '../support/scripted-day.js'

const Q = 15 * 60_000
const floorQ = (t: number): number => t - (t % Q)
const DAY_START = Date.UTC(2026, 10, 2, 7)
const ALL = { from: 0, to: Date.UTC(2100, 0, 1) }
// From config/demo.yaml.
const SERVICE_LEVEL: Record<string, number> = { support: 60_000, sales: 30_000, messages: 3600_000 }
const SHORT_ABANDON = 10_000

type Row = Record<string, number | string>
const bump = (m: Map<string, Row>, key: string, base: Row, field: string, by = 1): void => {
  const row = m.get(key) ?? { ...base }
  row[field] = ((row[field] as number | undefined) ?? 0) + by
  m.set(key, row)
}

/** The interval tables counted again, straight from the contact records (no fold, no deltas). */
function recount(records: readonly ContactRecord[], ends: readonly number[]) {
  const queues = new Map<string, Row>()
  const agents = new Map<string, Row>()
  for (const c of records)
    for (const v of c.visits) {
      if (v.endedAt !== null) {
        const key = `${v.queueId}|${floorQ(v.endedAt)}`
        const base = { queueId: v.queueId, intervalStart: floorQ(v.endedAt) }
        const aKey = `${v.agentId}|${v.queueId}|${floorQ(v.endedAt)}`
        const aBase = { agentId: v.agentId ?? '', ...base }
        if (v.outcome !== 'overflowed') bump(queues, key, base, 'contactsReceived')
        if (v.outcome === 'abandoned')
          bump(
            queues,
            key,
            base,
            v.endedAt - v.enteredAt <= SHORT_ABANDON ? 'abandonedShort' : 'abandonedLong',
          )
        if (v.outcome === 'timed_out') bump(queues, key, base, 'timedOut')
        if ((v.outcome === 'handled' || v.outcome === 'transferred') && v.connectedAt !== null) {
          const waited = v.connectedAt - v.enteredAt
          bump(queues, key, base, waited <= (SERVICE_LEVEL[v.queueId] ?? 0) ? 'handledShort' : 'handledLong')
          bump(queues, key, base, 'handleTime', v.endedAt - v.connectedAt)
          bump(queues, key, base, 'queueDelayTime', waited)
          bump(agents, aKey, aBase, 'handled')
          bump(agents, aKey, aBase, 'handleTime', v.endedAt - v.connectedAt)
          if (v.outcome === 'transferred') bump(queues, key, base, 'transferredOut')
          if (v.closedAt !== null) {
            bump(queues, key, base, 'workTime', v.closedAt - v.endedAt)
            bump(agents, aKey, aBase, 'workTime', v.closedAt - v.endedAt)
          }
        }
      }
      // What stood at each interval's end (the fold looks just before events stamped at the end).
      for (const b of ends) {
        const key = `${v.queueId}|${b - Q}`
        const base = { queueId: v.queueId, intervalStart: b - Q }
        if (v.enteredAt >= b) continue
        const waiting =
          (v.connectedAt === null || v.connectedAt >= b) && (v.endedAt === null || v.endedAt >= b)
        const workedUntil = v.closedAt ?? (v.outcome === 'handled' ? null : v.endedAt)
        if (waiting) {
          bump(queues, key, base, 'backlog')
          if (b - v.enteredAt > (SERVICE_LEVEL[v.queueId] ?? 0)) bump(queues, key, base, 'backlogExpired')
        } else if (
          v.connectedAt !== null &&
          v.connectedAt < b &&
          (workedUntil === null || workedUntil >= b)
        ) {
          bump(queues, key, base, 'active')
          bump(agents, `${v.agentId}|${v.queueId}|${b - Q}`, { agentId: v.agentId ?? '', ...base }, 'active')
        }
      }
    }
  return { queues, agents }
}

/** Login, ready and not-ready time per agent and interval, sliced from the activity timeline. */
function recountAgents(activities: readonly AgentActivity[], foldedTo: number): Map<string, Row> {
  const out = new Map<string, Row>()
  for (const a of activities) {
    if (a.state === 'LoggedOut') continue
    const until = Math.min(a.endedAt ?? foldedTo, foldedTo)
    for (let t = a.startedAt; t < until; t = floorQ(t) + Q) {
      const end = Math.min(floorQ(t) + Q, until)
      const key = `${a.agentId}|${floorQ(t)}`
      const base = { agentId: a.agentId, intervalStart: floorQ(t) }
      bump(out, key, base, 'loginTime', end - t)
      if (a.state === 'Available') bump(out, key, base, 'readyTime', end - t)
      if (a.state === 'Unavailable') bump(out, key, base, 'notReadyTime', end - t)
    }
  }
  return out
}

/** Rows keyed like the recount, zeros dropped on both sides (a missing row reads as zeros). */
function keyed(rows: readonly object[], keyOf: (r: Row) => string): Map<string, Row> {
  const m = new Map<string, Row>()
  for (const r of rows as Row[]) {
    const kept = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== 0))
    const figures = Object.keys(kept).filter((k) => !['queueId', 'agentId', 'intervalStart'].includes(k))
    if (figures.length > 0) m.set(keyOf(r), kept)
  }
  return m
}

for (const db of databases()) {
  describe(`interval reports over a scripted day [${db.name}]`, () => {
    let h: Harness
    let store: SqlReportStore
    let arrivals = 0
    let folds = 0

    beforeAll(async () => {
      h = await startHarness(db, undefined, undefined, new FakeTime(DAY_START - 60_000))
      store = new SqlReportStore(h.opened.db)
      const day = await scriptedDay(h, {
        seed: 20261102,
        start: DAY_START,
        hours: 10,
        arrivalsPerHour: 45,
        // Fold while the day runs, as the server does: the result must not depend on when.
        every: { ms: 7 * 60_000, run: async () => (folds += await h.reporting.projector.catchUp('demo')) },
      })
      arrivals = day.arrivals
      await h.advance(3600_000)
      folds += await h.reporting.projector.catchUp('demo')
    }, 120_000)
    afterAll(async () => {
      await h?.close()
    })

    it('keeps one record per contact that agrees with the router', async () => {
      const records = await store.contactRecords('demo', ALL)
      expect(records).toHaveLength(arrivals)
      for (const r of records) {
        const c = await h.sb.queries.contact('demo', r.contactId)
        expect(c, r.contactId).toBeDefined()
        const outcome = {
          closed: 'handled',
          abandoned: 'abandoned',
          timed_out: 'timed_out',
          rejected: 'refused',
        }[c!.state as 'closed']
        expect({ id: r.contactId, outcome: r.outcome, closedAt: r.closedAt }).toEqual({
          id: c!.id,
          outcome,
          closedAt: c!.closedAt,
        })
        // The router forgets the agent of a contact sent back to the queue; the record keeps it.
        if (c!.agentId !== null) expect(r.agentId).toBe(c!.agentId)
        if (r.outcome !== 'refused') expect(r.queueId).toBe(c!.queueId)
        expect(r.transfers).toHaveLength(c!.transfers)
      }
      const outcomes = records.map((r) => r.outcome)
      // The day is busy enough to exercise every path.
      expect(outcomes.filter((o) => o === 'handled').length).toBeGreaterThan(arrivals / 2)
      expect(outcomes).toContain('abandoned')
      expect(records.some((r) => r.transfers.length > 0)).toBe(true)
      expect(records.some((r) => r.missedOffers > 0)).toBe(true)
    })

    it('counts every queue and agent interval figure as an independent recount of the records does', async () => {
      const records = await store.contactRecords('demo', ALL)
      const checkpoint = await store.checkpoint('demo')
      const foldedTo = (checkpoint!.state as { at: number }).at
      const ends: number[] = []
      for (let b = floorQ(DAY_START) + Q; b <= foldedTo; b += Q) ends.push(b)
      const expected = recount(records, ends)

      const queueRows = await store.queueIntervals('demo', ALL)
      const qKey = (r: Row) => `${r.queueId}|${r.intervalStart}`
      expect(keyed(queueRows, qKey)).toEqual(keyed([...expected.queues.values()], qKey))

      const agentQueueRows = await store.agentQueueIntervals('demo', ALL)
      const aqKey = (r: Row) => `${r.agentId}|${r.queueId}|${r.intervalStart}`
      expect(keyed(agentQueueRows, aqKey)).toEqual(keyed([...expected.agents.values()], aqKey))

      const activities = await store.activities('demo', ALL)
      const agentRows = await store.agentIntervals('demo', ALL)
      const aKey = (r: Row) => `${r.agentId}|${r.intervalStart}`
      expect(keyed(agentRows, aKey)).toEqual(keyed([...recountAgents(activities, foldedTo).values()], aKey))

      // Sanity of the day itself: the figures a supervisor would look at are all there.
      const sum = (rows: QueueInterval[], f: keyof QueueInterval) =>
        rows.reduce((n, r) => n + (r[f] as number), 0)
      expect(sum(queueRows, 'contactsReceived')).toBeGreaterThanOrEqual(arrivals)
      for (const f of [
        'abandonedShort',
        'abandonedLong',
        'handledShort',
        'handledLong',
        'transferredOut',
        'workTime',
        'backlog',
        'backlogExpired',
        'active',
      ] as const)
        expect(sum(queueRows, f), f).toBeGreaterThan(0)
      // Wrap-up that ended after its contact's interval closed was added to that interval.
      expect(
        records.some((r) =>
          r.visits.some((v) => v.closedAt !== null && floorQ(v.closedAt) > floorQ(v.endedAt!)),
        ),
      ).toBe(true)
      // A logged-in agent's interval is fully accounted for, never over 15 minutes.
      for (const r of agentRows as AgentInterval[]) {
        expect(r.loginTime).toBeLessThanOrEqual(Q)
        expect(r.readyTime + r.notReadyTime).toBeLessThanOrEqual(r.loginTime)
      }
      expect(activities.some((a) => a.state === 'Unavailable' && a.reason === 'Break')).toBe(true)
    })

    it('exports the day over the API, in JSON and CSV and in any time zone, to supervisors only', async () => {
      const supervisor = await h.login('supervisor')
      const get = (url: string, token = supervisor) =>
        h.app.inject({ url, headers: { authorization: `Bearer ${token}` } })
      const json = await get('/api/v1/reports/queue-intervals?from=2026-11-02&timeZone=America/New_York')
      expect(json.statusCode).toBe(200)
      const rows = (json.json() as { rows: Record<string, unknown>[] }).rows
      const stored = await store.queueIntervals('demo', ALL)
      expect(rows).toHaveLength(stored.length)
      // Field by field against the rows the recount checked, in the export's units.
      rows.forEach((r, i) => {
        const q = stored[i]!
        expect(r.intervalStart).toBe(
          new Date(q.intervalStart - 5 * 3600_000).toISOString().replace('Z', '-05:00'),
        )
        expect(r).toMatchObject({
          queueId: q.queueId,
          contactsReceived: q.contactsReceived,
          handledShort: q.handledShort,
          handledLong: q.handledLong,
          abandonedShort: q.abandonedShort,
          abandonedLong: q.abandonedLong,
          handleTimeSeconds: q.handleTime / 1000,
          workTimeSeconds: q.workTime / 1000,
          queueDelaySeconds: q.queueDelayTime / 1000,
          backlogAtEnd: q.backlog,
        })
        const offered = q.handledShort + q.handledLong + q.abandonedLong + q.timedOut
        expect(r.serviceLevelPct).toBe(
          offered === 0 ? null : Math.round((1000 * q.handledShort) / offered) / 10,
        )
      })

      const csv = await get('/api/v1/reports/contacts?from=2026-11-02&format=csv')
      expect(csv.headers['content-type']).toContain('text/csv')
      const lines = csv.body.trimEnd().split('\r\n')
      expect(lines[0]).toContain('contactId,channel,entryPointId,queueId')
      expect(lines).toHaveLength(arrivals + 1)

      const record = await get('/api/v1/contacts/day-1/record')
      expect(record.json()).toMatchObject({
        contactId: 'day-1',
        arrivedAt: expect.stringMatching(/\+00:00$/),
      })

      const agent = await h.login('agent1')
      expect((await get('/api/v1/reports/contacts?from=2026-11-02', agent)).statusCode).toBe(403)
      const bad = await get('/api/v1/reports/contacts?from=2026-02-30')
      expect(bad.statusCode).toBe(400)
      expect(bad.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } })
      expect((await get('/api/v1/reports/contacts?from=2026-01-01&to=2026-12-31')).statusCode).toBe(400)
      expect((await get('/api/v1/reports/contacts?from=2026-11-02&timeZone=Mars/Olympus')).statusCode).toBe(
        400,
      )
    })

    it('rebuilds every projection from the event log to the same rows', async () => {
      const read = async () => ({
        queues: await store.queueIntervals('demo', ALL),
        agentQueues: (await store.agentQueueIntervals('demo', ALL)) as AgentQueueInterval[],
        agents: await store.agentIntervals('demo', ALL),
        contacts: await store.contactRecords('demo', ALL),
        activities: await store.activities('demo', ALL),
        checkpoint: await store.checkpoint('demo'),
      })
      const before = await read()
      expect(folds).toBeGreaterThan(0)
      const events = await h.reporting.projector.rebuild('demo')
      expect(events).toBe(before.checkpoint!.lastSeq)
      expect(await read()).toEqual(before)
    })
  })
}
