import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../../src/main.js'
import { startDemoServer } from '../support/demo-server.js'
import { runSimulation } from '../../src/cli/simulate.js'
import { runExport, runRebuild } from '../../src/cli/export.js'

// The simulator drives a live server in real time: a short, bounded run.
describe('switchboard simulate', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startDemoServer('silent')
  })
  afterAll(() => server.stop())

  it('plays customers and agents and accounts for every customer', async () => {
    const s = await runSimulation({
      url: server.url,
      tenant: 'demo',
      entryPointId: '1000',
      agents: ['agent1', 'agent2'],
      password: 'agent',
      ratePerMinute: 240,
      handleSeconds: 0.5,
      patienceSeconds: 30,
      durationSeconds: 3,
      seed: 3,
      progress: false,
    })
    expect(s.errors).toBe(0)
    expect(s.arrivals).toBeGreaterThan(3)
    expect(s.refused + s.answered + s.abandoned).toBe(s.arrivals)
    expect(s.answered).toBeGreaterThan(0)
    expect(s.occupancy).toBeGreaterThan(0)
    expect(s.occupancy).toBeLessThanOrEqual(1)
    // The agents logged out at the end.
    const login = await fetch(`${server.url}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'supervisor', password: 'supervisor' }),
    })
    const { token } = (await login.json()) as { token: string }
    const agents = (await (
      await fetch(`${server.url}/api/v1/agents`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { agents: { id: string; channels: { chat: { state: string } } }[] }
    expect(
      agents.agents.filter((a) => a.id === 'agent1' || a.id === 'agent2').map((a) => a.channels.chat.state),
    ).toEqual(['logged_out', 'logged_out'])

    // What `switchboard export` and `switchboard rebuild-reports` do: every customer has a record,
    // and a rebuild from the event log gives the same export.
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'switchboard-export-')), 'contacts.csv')
    const remote = { url: server.url, tenant: 'demo', username: 'supervisor', password: 'supervisor' }
    const today = new Date().toISOString().slice(0, 10)
    const exportToday = () =>
      runExport({ ...remote, report: 'contacts', from: today, timeZone: 'UTC', format: 'csv', out })
    expect(await exportToday()).toBe(s.arrivals)
    const before = readFileSync(out, 'utf8')
    const outcomes = before
      .split('\r\n')
      .slice(1, -1)
      .map((line) => line.split(',')[7])
    expect(outcomes.filter((o) => o === 'handled')).toHaveLength(s.answered)
    await expect(runRebuild({ ...remote })).rejects.toThrow(/403/)
    expect(await runRebuild({ ...remote, username: 'admin', password: 'admin' })).toBeGreaterThan(s.arrivals)
    await exportToday()
    expect(readFileSync(out, 'utf8')).toBe(before)
  }, 60_000)
})
