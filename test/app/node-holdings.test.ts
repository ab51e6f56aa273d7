import { describe, expect, it } from 'vitest'
import { InProcessBus } from '../../src/adapters/cluster/in-process-bus.js'
import { NodeHoldings } from '../../src/app/node-holdings.js'
import { Presence } from '../../src/app/presence.js'
import type { Command } from '../../src/core/commands.js'
import { FakeTime } from '../support/harness.js'

const SETTINGS = { notReadyAfterMs: 30_000, logoutAfterMs: 300_000 }

/** Time passes a second at a time, the bus delivering in between, as on real time. */
async function pass(bus: InProcessBus, time: FakeTime, ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 1_000) {
    time.advance(Math.min(1_000, left))
    await bus.flush()
  }
}

/** A node's presence: its share of the cluster's streams, and the commands it sent the owner. */
async function node(bus: InProcessBus, time: FakeTime, nodeId: string, owner = false) {
  const sent: Command[] = []
  const presence = new Presence(
    () => ({ run: async (c: Command) => void sent.push(c) }),
    time,
    time,
    () => SETTINGS,
  )
  const share = new NodeHoldings({
    bus,
    nodeId,
    subject: 'presence',
    clock: time,
    scheduler: time,
    orphaned: (t, a) => owner && presence.orphaned(t, a),
  })
  presence.share = share
  await share.start()
  return { presence, share, sent }
}

describe('presence across cluster nodes', () => {
  it('keeps an agent ready while another node holds its stream, and marks it away once none does', async () => {
    const bus = new InProcessBus()
    const time = new FakeTime(1_000_000)
    const b = await node(bus, time, 'b')
    const c = await node(bus, time, 'c')
    // The agent's desktop reconnects through the load balancer: its old stream on c closes, the
    // new one is on b.
    const closeOnC = c.presence.attach('t', 'agent1')
    const closeOnB = b.presence.attach('t', 'agent1')
    closeOnC()
    await bus.flush()
    expect(c.share.elsewhere('t', 'agent1')).toBe(1)
    await pass(bus, time, SETTINGS.notReadyAfterMs + 1)
    expect(c.sent).toEqual([])
    // Now the agent closes the tab: b's timers run, and say it to the owner.
    closeOnB()
    await bus.flush()
    expect(c.share.elsewhere('t', 'agent1')).toBe(0)
    await pass(bus, time, SETTINGS.notReadyAfterMs + 1)
    expect(b.sent).toEqual([{ type: 'agentAway', agentId: 'agent1', state: 'not_ready' }])
  })

  it('lets a node that starts later learn the streams others hold, and starts the timers of those of a node that died', async () => {
    const bus = new InProcessBus()
    const time = new FakeTime(1_000_000)
    const b = await node(bus, time, 'b')
    b.presence.attach('t', 'agent2')
    const owner = await node(bus, time, 'owner', true)
    expect(owner.share.elsewhere('t', 'agent2')).toBe(0)
    time.advance(5_000) // b's next snapshot
    await bus.flush()
    expect(owner.share.elsewhere('t', 'agent2')).toBe(1)
    // b dies without a word: its snapshots stop, and the owner starts the agent's timers.
    b.share.stop()
    await pass(bus, time, 20_000)
    expect(owner.share.elsewhere('t', 'agent2')).toBe(0)
    await pass(bus, time, SETTINGS.notReadyAfterMs)
    expect(owner.sent).toEqual([{ type: 'agentAway', agentId: 'agent2', state: 'not_ready' }])
  })

  it("lists what other nodes hold of a tenant (their calls are not a new owner's to end), once it heard them all", async () => {
    const bus = new InProcessBus()
    const time = new FakeTime(1_000_000)
    const calls = (nodeId: string) =>
      new NodeHoldings({
        bus,
        nodeId,
        subject: 'voice-calls',
        clock: time,
        scheduler: time,
        orphaned: () => undefined,
      })
    const b = calls('b')
    await b.start()
    b.said('t', 'call-1', 1)
    b.said('u', 'call-2', 1)
    const owner = calls('owner')
    await owner.start()
    // Just started: it has not heard every node say all it holds yet.
    expect(owner.settled()).toBe(false)
    await pass(bus, time, 5_001)
    expect(owner.settled()).toBe(true)
    expect(owner.heldElsewhere('t')).toEqual(['call-1'])
    b.said('t', 'call-1', 0)
    await bus.flush()
    expect(owner.heldElsewhere('t')).toEqual([])
  })
})
