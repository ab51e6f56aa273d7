import { describe, expect, it } from 'vitest'
import type { DomainEvent } from '../../core/events.js'
import { C2C, clickToCallEventOf, failureOf } from './click-to-call.js'

const at = { seq: 1, at: 0, tenantId: 't' }
const ev = (e: Record<string, unknown>) => ({ ...at, ...e }) as unknown as DomainEvent

describe("click-to-call's events (002)", () => {
  it('tells the page each step of its call in 002’s ids, 168101 once', () => {
    expect(clickToCallEventOf(ev({ type: 'ContactQueued', contactId: 'c' }), false)).toMatchObject({
      eventId: C2C.queued,
      resultDesc: 'Call in queue',
      last: false,
    })
    expect(clickToCallEventOf(ev({ type: 'ContactConnected', contactId: 'c' }), false)?.eventId).toBe(
      C2C.connected,
    )
    // The next agent after a transfer takes the same call: the page is not told to dial again.
    expect(clickToCallEventOf(ev({ type: 'ContactConnected', contactId: 'c' }), true)).toBeUndefined()
    expect(clickToCallEventOf(ev({ type: 'ContactTransferred', contactId: 'c' }), true)).toMatchObject({
      eventId: C2C.transferred,
      resultDesc: 'Call transfered',
    })
    expect(clickToCallEventOf(ev({ type: 'ContactOffered', contactId: 'c' }), false)).toBeUndefined()
  })

  it('ends with 168103 at the queue’s longest wait, 168105 when the system ended it unanswered, else 168110 by who hung up', () => {
    expect(clickToCallEventOf(ev({ type: 'ContactTimedOut', contactId: 'c' }), false)).toMatchObject({
      eventId: C2C.queueTimeout,
      cause: { causeId: -1 },
      last: true,
    })
    expect(
      clickToCallEventOf(ev({ type: 'ContactEnded', contactId: 'c', by: 'system' }), false),
    ).toMatchObject({
      eventId: C2C.failed,
      last: true,
    })
    expect(
      clickToCallEventOf(ev({ type: 'ContactEnded', contactId: 'c', by: 'system' }), true),
    ).toMatchObject({
      eventId: C2C.released,
      cause: { causeId: -1 },
    })
    expect(
      clickToCallEventOf(ev({ type: 'ContactEnded', contactId: 'c', by: 'customer' }), false),
    ).toMatchObject({
      eventId: C2C.released,
      cause: { causeId: 0, causeDesc: 'released by the customer' },
    })
    expect(clickToCallEventOf(ev({ type: 'ContactEnded', contactId: 'c', by: 'agent' }), true)).toMatchObject(
      {
        eventId: C2C.released,
        cause: { causeId: 1 },
      },
    )
  })

  it('says why a call was not placed', () => {
    expect(failureOf('agent_not_available').causeDesc).toBe('no agent can take calls now')
    expect(failureOf('queue_depth_reached').causeDesc).toBe('the queue is full')
    expect(failureOf('something_new').causeDesc).toMatch(/something_new/)
  })
})
