import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../../src/main.js'
import { startDemoServer } from '../support/demo-server.js'
import { runSimulation } from '../../src/cli/simulate.js'

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
  }, 60_000)
})
