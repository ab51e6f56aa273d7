import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { InProcessBus } from '../../src/adapters/cluster/in-process-bus.js'
import type { OpenedDatabase } from '../../src/adapters/storage/opened-database.js'
import { SqlAiccSessionStore } from '../../src/adapters/storage/sql-aicc-session-store.js'
import type { AiccUser } from '../../src/app/aicc-sessions.js'
import { AiccSessions } from '../../src/app/aicc-sessions.js'
import type { Switchboard } from '../../src/app/switchboard.js'
import { agentState } from '../../src/core/commands.js'
import { demoTenants, startClusterNode, until } from '../support/cluster-node.js'
import { databases } from '../support/databases.js'
import { FakeTime } from '../support/harness.js'

const [harness] = databases().slice(-1)
const USER: AiccUser = { tenantId: 't1', appKey: 'app', channelId: 'web', userId: 'u1', userName: 'Li Lei' }
const TIMEOUT_MS = 120_000 // the default sessionTimeoutSeconds

describe('AICC chats whose client calls any node of a cluster', () => {
  let opened: OpenedDatabase
  const nodes: Switchboard[] = []
  const bus = new InProcessBus()
  beforeEach(async () => {
    opened = await harness!.open()
  })
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop()
    await opened.close()
  })

  it('are released only when the client stopped calling every node, and serve each message once', async () => {
    for (const id of ['a', 'b']) nodes.push(await startClusterNode(opened, bus, id, demoTenants(['t1'])))
    const [a, b] = nodes as [Switchboard, Switchboard]
    await until('the nodes know each other', () => a.liveNodes() === 2 && b.liveNodes() === 2)
    const store = new SqlAiccSessionStore(opened.db)
    // Each node keeps its own clock of the client's calls (their timers run on fake time here).
    const time = new FakeTime(Date.now())
    const onA = new AiccSessions(a, store, time, time)
    const onB = new AiccSessions(b, store, time, time)
    await a.tenant('t1').run(agentState('agent1', 'chat', 'ready', 'agent1'))
    const contact = await onA.connect(USER, '1000', 'aicc-chat-1')
    const poll = (s: AiccSessions) => s.poll(USER, 0, new AbortController().signal)
    await poll(onA)
    // The load balancer sends the client's next calls to b; a last heard it long ago.
    time.advance(TIMEOUT_MS / 2)
    await poll(onB)
    await until(
      'b wrote down that the client called',
      async () => (await store.lastSeen('t1', 'app/web/u1')) === time.now(),
    )
    time.advance(TIMEOUT_MS / 2 + 1_000)
    await onA.sweep()
    expect((await onB.open(USER))?.id, 'a released a chat the client still calls b about').toBe(contact.id)
    // The customer is gone from every node: b's sweep releases the chat.
    time.advance(TIMEOUT_MS)
    await onB.sweep()
    await until('the chat is released', async () => (await onB.open(USER)) === undefined)

    // A node that served fewer events cannot move the stored cursor back (events would repeat).
    await store.save('t1', { key: 'k', contactId: 'c', deliveredSeq: 9 }, time.now())
    await store.save('t1', { key: 'k', contactId: 'c', deliveredSeq: 4 }, time.now())
    expect((await store.get('t1', 'k'))?.deliveredSeq).toBe(9)
    await store.save('t1', { key: 'k', contactId: 'a-new-chat', deliveredSeq: 0 }, time.now())
    expect(await store.get('t1', 'k')).toMatchObject({ contactId: 'a-new-chat', deliveredSeq: 0 })
  })
})
