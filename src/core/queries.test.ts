import { describe, expect, it } from 'vitest'
import { demoLike } from '../../test/support/tenant-builder.js'
import { agentState, applyCommand } from './commands.js'
import type { Query } from './queries.js'
import { answerQuery } from './queries.js'
import { Router } from './routing/router.js'

const T0 = Date.UTC(2026, 10, 2, 10, 0, 0)

describe('queries', () => {
  it('answer from memory in plain JSON: what another node would receive is what this one sees', () => {
    let n = 0
    const r = new Router({ tenantId: 't1', config: demoLike(), now: T0, lastSeq: 0, newId: () => `id${++n}` })
    applyCommand(r, agentState('agent1', 'chat', 'ready', 'agent1'), T0)
    for (const id of ['c1', 'c2', 'c3', 'c4'])
      applyCommand(
        r,
        {
          type: 'admitContact',
          contact: { contactId: id, entryPointId: '1000', customer: { name: 'Ann' }, subject: null },
        },
        T0,
      )
    const queries: Query[] = [
      { type: 'contact', contactId: 'c1' },
      { type: 'agent', agentId: 'agent1' },
      { type: 'agents' },
      { type: 'contactWait', contactId: 'c4' },
      { type: 'queueStats', queueId: 'support' },
      { type: 'floor' },
      { type: 'entryPoint', entryPointId: '1000' },
    ]
    for (const q of queries) {
      const answer = answerQuery(r, q, T0 + 1000)
      expect(JSON.parse(JSON.stringify(answer)), q.type).toEqual(answer)
    }
    expect(answerQuery(r, { type: 'agent', agentId: 'agent1' }, T0)?.channels.chat).toMatchObject({
      state: 'ready',
    })
    expect(answerQuery(r, { type: 'contactWait', contactId: 'c4' }, T0)).toMatchObject({ position: 1 })
    expect(answerQuery(r, { type: 'contact', contactId: 'nope' }, T0)).toBeNull()
    expect(answerQuery(r, { type: 'agent', agentId: 'nope' }, T0)).toBeNull()
  })
})
