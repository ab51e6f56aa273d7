import { describe, expect, it } from 'vitest'
import { demoLike } from '../../test/support/tenant-builder.js'
import type { Command } from './commands.js'
import { applyCommand } from './commands.js'
import { DomainError } from './errors.js'
import { Router } from './routing/router.js'

const T0 = Date.UTC(2026, 10, 2, 10, 0, 0)

function router(): Router {
  let n = 0
  return new Router({ tenantId: 't1', config: demoLike(), now: T0, lastSeq: 0, newId: () => `id${++n}` })
}

/** Applies commands one second apart, each answer and the router's changes kept. */
function play(r: Router, commands: readonly (Command | ((r: Router) => Command))[]) {
  return commands.map((c, i) => {
    const command = typeof c === 'function' ? c(r) : c
    const result = applyCommand(r, command, T0 + i * 1000)
    return { command, result, changes: r.drain() }
  })
}

const ready = (agentId: string): Command => ({
  type: 'setAgentState',
  agentId,
  channel: 'chat',
  state: 'ready',
  reason: null,
  by: agentId,
})
const offerOf = (r: Router, contactId: string) => r.contacts.get(contactId)?.offer?.offerId ?? ''

describe('commands', () => {
  it('are plain data: sent through JSON they change a second router exactly as they did the first', () => {
    const first = play(router(), [
      ready('agent1'),
      ready('agent2'),
      {
        type: 'admitContact',
        contact: { contactId: 'c1', entryPointId: '1000', customer: { name: 'Ann' }, subject: 'Order' },
      },
      (r) => ({
        type: 'acceptOffer',
        offerId: offerOf(r, 'c1'),
        agentId: r.contacts.get('c1')!.offer!.agentId,
      }),
      {
        type: 'postMessage',
        contactId: 'c1',
        from: 'customer',
        agentId: null,
        text: 'Hello',
        extras: { clientMessageId: 'm1' },
      },
      (r) => ({
        type: 'markRead',
        contactId: 'c1',
        by: 'agent',
        agentId: r.contacts.get('c1')!.agentId,
        upToSeq: 1,
      }),
      (r) => ({
        type: 'transfer',
        contactId: 'c1',
        agentId: r.contacts.get('c1')!.agentId!,
        target: { queueId: 'sales' },
      }),
      { type: 'stopWaiting', contactId: 'c1' },
      { type: 'tick' },
    ])
    // What went over the wire: each command as JSON text, read back on the other side.
    const sent = first.map((s) => JSON.parse(JSON.stringify(s.command)) as Command)
    const second = play(router(), sent)
    expect(JSON.parse(JSON.stringify(second))).toEqual(JSON.parse(JSON.stringify(first)))
    expect(first.at(-2)?.result).toMatchObject({ state: 'abandoned' })
  })

  it('pauses and resumes an agent, resuming ends its wrap-ups; refuses one not signed in', () => {
    const r = router()
    expect(() =>
      applyCommand(
        r,
        { type: 'pauseAgent', agentId: 'agent1', channel: 'chat', paused: true, reason: 'Lunch', by: 'pbx' },
        T0,
      ),
    ).toThrow(DomainError)
    expect(
      applyCommand(r, { type: 'signIn', agentId: 'agent1', channel: 'chat', by: 'pbx' }, T0),
    ).toMatchObject({ state: 'ready' })
    applyCommand(
      r,
      {
        type: 'admitContact',
        contact: { contactId: 'c1', entryPointId: '1000', customer: { name: 'Ann' }, subject: null },
      },
      T0,
    )
    applyCommand(r, { type: 'acceptOffer', offerId: offerOf(r, 'c1'), agentId: 'agent1' }, T0 + 1)
    applyCommand(r, { type: 'endContact', contactId: 'c1', by: 'customer', agentId: null }, T0 + 2)
    expect(r.contacts.get('c1')?.state).toBe('wrap_up')
    r.drain()
    expect(
      applyCommand(
        r,
        { type: 'pauseAgent', agentId: 'agent1', channel: 'chat', paused: true, reason: 'Lunch', by: 'pbx' },
        T0 + 3,
      ),
    ).toMatchObject({ state: 'not_ready', reason: 'Lunch' })
    // Signing in again leaves the pause alone.
    expect(
      applyCommand(r, { type: 'signIn', agentId: 'agent1', channel: 'chat', by: 'pbx' }, T0 + 4),
    ).toMatchObject({ state: 'not_ready' })
    expect(
      applyCommand(
        r,
        { type: 'pauseAgent', agentId: 'agent1', channel: 'chat', paused: false, reason: null, by: 'pbx' },
        T0 + 5,
      ),
    ).toMatchObject({ state: 'ready' })
    expect(r.drain().events.map((e) => e.type)).toContain('ContactClosed')
    expect(r.contacts.has('c1')).toBe(false)
  })

  it('ends what nobody is there for: a gone customer, voice contacts with no call, an away agent', () => {
    const r = router()
    play(r, [ready('agent1')])
    applyCommand(
      r,
      {
        type: 'admitContact',
        contact: { contactId: 'c1', entryPointId: '1000', customer: { name: 'Ann' }, subject: null },
      },
      T0,
    )
    expect(applyCommand(r, { type: 'customerGone', contactId: 'c1' }, T0 + 1)).toMatchObject({
      state: 'abandoned',
    })
    expect(applyCommand(r, { type: 'customerGone', contactId: 'c1' }, T0 + 2)).toBeNull()
    expect(applyCommand(r, { type: 'dropOrphanedCalls', calls: [] }, T0 + 3)).toBe(0)
    expect(applyCommand(r, { type: 'agentAway', agentId: 'agent1', state: 'not_ready' }, T0 + 4)).toBe(1)
    expect(r.pool.agents.get('agent1')?.channels.get('chat')).toMatchObject({
      state: 'not_ready',
      reason: 'disconnected',
    })
    expect(applyCommand(r, { type: 'agentAway', agentId: 'agent1', state: 'not_ready' }, T0 + 5)).toBe(0)
  })
})
