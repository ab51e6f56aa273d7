import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { databases } from '../support/databases.js'
import type { Harness } from '../support/harness.js'
import { startHarness } from '../support/harness.js'

const [pglite] = databases()

describe('agent liveness', () => {
  let h: Harness
  let token: string
  beforeEach(async () => {
    h = await startHarness(pglite!)
    token = await h.login('agent1')
    await h.app.inject({
      method: 'PUT',
      url: '/api/v1/agents/agent1/channels/chat',
      headers: { authorization: `Bearer ${token}` },
      payload: { state: 'ready' },
    })
  })
  afterEach(async () => {
    await h.close()
  })
  const me = async () =>
    (
      (
        await h.app.inject({ url: '/api/v1/agents/agent1', headers: { authorization: `Bearer ${token}` } })
      ).json() as { channels: { chat: { state: string; reason: string | null } } }
    ).channels.chat

  it('takes an agent whose client went away off routing after 30 s, and logs it out after 5 min', async () => {
    // The agent's desktop long-polls once (1 s), then vanishes.
    await h.app.inject({
      url: '/api/v1/agents/agent1/events?after=0&wait=1',
      headers: { authorization: `Bearer ${token}` },
    })
    await h.advance(29_000)
    expect(await me()).toMatchObject({ state: 'ready' })
    await h.advance(1_000)
    expect(await me()).toMatchObject({ state: 'not_ready', reason: 'disconnected' })
    expect((await h.app.inject({ url: '/api/v1/entry-points/1000/status' })).json()).toMatchObject({
      allowed: false,
      reason: 'agent_not_available',
    })
    await h.advance(270_000)
    expect(await me()).toMatchObject({ state: 'logged_out' })
    const events = (
      await h.app.inject({
        url: '/api/v1/agents/agent1/events?after=0',
        headers: { authorization: `Bearer ${token}` },
      })
    ).json() as {
      events: { type: string; state?: string; by?: string }[]
    }
    expect(events.events.filter((e) => e.type === 'AgentStateChanged').map((e) => [e.state, e.by])).toEqual([
      ['ready', 'agent1'],
      ['not_ready', 'system:presence'],
      ['logged_out', 'system:presence'],
    ])
  })

  it('leaves an agent alone while it comes back within the grace period, and agents that never streamed', async () => {
    await h.app.inject({
      url: '/api/v1/agents/agent1/events?after=0&wait=1',
      headers: { authorization: `Bearer ${token}` },
    })
    await h.advance(20_000)
    const back = h.sb.presence.attach('demo', 'agent1')
    await h.advance(60_000)
    expect(await me()).toMatchObject({ state: 'ready' })
    back()
    // agent2 only uses REST: never watched.
    const t2 = await h.login('agent2')
    await h.app.inject({
      method: 'PUT',
      url: '/api/v1/agents/agent2/channels/chat',
      headers: { authorization: `Bearer ${t2}` },
      payload: { state: 'ready' },
    })
    await h.advance(400_000)
    expect(await me()).toMatchObject({ state: 'logged_out' })
    const agent2 = (
      await h.app.inject({ url: '/api/v1/agents/agent2', headers: { authorization: `Bearer ${t2}` } })
    ).json() as { channels: { chat: { state: string } } }
    expect(agent2.channels.chat.state).toBe('ready')
  })
})

describe('agent liveness across a restart, and a phone as presence', () => {
  let h: Harness
  afterEach(async () => {
    await h.close()
  })
  const channels = async (agentId: string, token: string) =>
    (
      (
        await h.app.inject({
          url: `/api/v1/agents/${agentId}`,
          headers: { authorization: `Bearer ${token}` },
        })
      ).json() as { channels: Record<string, { state: string; reason: string | null }> }
    ).channels
  const setState = (agentId: string, token: string, channel: string, state: string) =>
    h.app.inject({
      method: 'PUT',
      url: `/api/v1/agents/${agentId}/channels/${channel}`,
      headers: { authorization: `Bearer ${token}` },
      payload: { state },
    })

  it('item 2: an agent whose client streamed is watched again after a restart; a REST-only one is not', async () => {
    h = await startHarness(pglite!)
    const t1 = await h.login('agent1')
    const t2 = await h.login('agent2')
    await setState('agent1', t1, 'chat', 'ready')
    await setState('agent2', t2, 'chat', 'ready')
    // agent1's desktop holds a stream when the server goes down; it never comes back.
    h.sb.presence.attach('demo', 'agent1')
    await h.advance(1_000)
    h = await h.restart()
    await h.advance(29_000)
    expect((await channels('agent1', t1)).chat).toMatchObject({ state: 'ready' })
    await h.advance(1_000)
    expect((await channels('agent1', t1)).chat).toMatchObject({ state: 'not_ready', reason: 'disconnected' })
    await h.advance(270_000)
    expect((await channels('agent1', t1)).chat).toMatchObject({ state: 'logged_out' })
    expect((await channels('agent2', t2)).chat).toMatchObject({ state: 'ready' })
  })

  it('item 5: a registered phone keeps its agent signed in to voice when the desktop goes', async () => {
    h = await startHarness(pglite!)
    const t1 = await h.login('agent1')
    await setState('agent1', t1, 'chat', 'ready')
    await setState('agent1', t1, 'voice', 'ready')
    await h.sb
      .runtime('demo')
      .run({ type: 'setReachable', agentId: 'agent1', channel: 'voice', reachable: true })
    await h.app.inject({
      url: '/api/v1/agents/agent1/events?after=0&wait=1',
      headers: { authorization: `Bearer ${t1}` },
    })
    await h.advance(300_000)
    const after = await channels('agent1', t1)
    expect(after.chat).toMatchObject({ state: 'logged_out' })
    expect(after.voice).toMatchObject({ state: 'ready' })
    // Without its phone, voice goes the way of the desktop.
    await h.sb
      .runtime('demo')
      .run({ type: 'setReachable', agentId: 'agent1', channel: 'voice', reachable: false })
    await h.app.inject({
      url: '/api/v1/agents/agent1/events?after=0&wait=1',
      headers: { authorization: `Bearer ${t1}` },
    })
    await h.advance(300_000)
    expect((await channels('agent1', t1)).voice).toMatchObject({ state: 'logged_out' })
  })
})
