import { describe, expect, it } from 'vitest'
import { agent, CHAT, demoLike, group, queue } from '../../../test/support/tenant-builder.js'
import { entryPointStatus } from '../availability.js'
import type { TenantConfig } from '../tenant-config.js'
import { Router } from './router.js'

const T0 = Date.UTC(2026, 10, 2, 10, 0, 0)

/** Fires each timer at its own instant up to `to`, as the runtime's clock would. */
function runUntil(router: Router, to: number): void {
  for (let at = router.nextTimerAt(); at !== undefined && at <= to; at = router.nextTimerAt()) router.tick(at)
  router.tick(to)
}

function setup(config: TenantConfig = demoLike()) {
  let n = 0
  const router = new Router({ tenantId: 't1', config, now: T0, lastSeq: 0, newId: () => `id${++n}` })
  let c = 0
  const chat = (ep = '1000', at = T0, priority?: number) =>
    router.admitContact(
      {
        contactId: `c${++c}`,
        entryPointId: ep,
        customer: { name: 'Ann' },
        subject: null,
        ...(priority === undefined ? {} : { priority }),
      },
      at,
    )
  const ready = (id: string, at = T0, channel: 'chat' | 'voice' = 'chat') =>
    router.setAgentState(id, channel, 'ready', null, id, at)
  const offerOf = (contactId: string) => router.contacts.get(contactId)?.offer ?? undefined
  return { router, chat, ready, offerOf }
}

describe('Router', () => {
  it('offers a new chat to the agent available longest', () => {
    const { chat, ready, offerOf } = setup()
    ready('agent2', T0)
    ready('agent1', T0 + 1000)
    const a = chat('1000', T0 + 2000)
    expect(a.admitted).toBe(true)
    expect(offerOf(a.contact.id)?.agentId).toBe('agent2')
    // agent2's clock moved with the offer; the next chat goes to agent1.
    const b = chat('1000', T0 + 3000)
    expect(offerOf(b.contact.id)?.agentId).toBe('agent1')
  })

  it('queues the fourth concurrent chat of a 3-chat agent', () => {
    const { router, chat, ready } = setup()
    ready('agent1')
    const ids = [1, 2, 3, 4].map((i) => chat('1000', T0 + i).contact.id)
    for (const id of ids.slice(0, 3))
      router.acceptOffer(router.contacts.get(id)!.offer!.offerId, 'agent1', T0 + 10)
    const fourth = router.contacts.get(ids[3]!)!
    expect(fourth.state).toBe('queued')
    expect(router.queues.get('support')!.position(fourth.id)).toBe(1)
    expect(router.pool.agents.get('agent1')!.channels.get('chat')!.activeTasks).toBe(3)
  })

  it('returns a rejected contact to its original place and passes over the agent who rejected', () => {
    const { router, chat, ready, offerOf } = setup()
    ready('agent1')
    const first = chat('1000', T0 + 1).contact.id
    // Fill agent1 so the next two chats wait.
    chat('1000', T0 + 2)
    chat('1000', T0 + 3)
    const waiting = [chat('1000', T0 + 4).contact.id, chat('1000', T0 + 5).contact.id]
    expect(waiting.map((id) => router.queues.get('support')!.position(id))).toEqual([1, 2])
    router.rejectOffer(offerOf(first)!.offerId, 'agent1', 'busy', T0 + 6)
    // The rejected contact is older than both waiting ones: it is first in line again.
    expect(router.contacts.get(first)!.state).toBe('queued')
    expect(router.contacts.get(first)!.enqueuedAt).toBe(T0 + 1)
    expect(router.queues.get('support')!.position(first)).toBe(1)
    // agent1's freed slot went to the next contact, not back to the one it rejected.
    expect(offerOf(waiting[0]!)?.agentId).toBe('agent1')
    ready('agent2', T0 + 7)
    expect(offerOf(first)?.agentId).toBe('agent2')
  })

  it('requeues a timed-out offer and marks the agent not responding after N misses', () => {
    const { router, chat, ready, offerOf } = setup()
    ready('agent1')
    const a = chat('1000', T0).contact.id
    const b = chat('1000', T0 + 1).contact.id
    router.tick(T0 + 30_001)
    expect(router.contacts.get(a)!.state).toBe('queued')
    expect(offerOf(b)).toBeUndefined()
    const s = router.pool.agents.get('agent1')!.channels.get('chat')!
    expect(s.missedOffers).toBe(2)
    expect(s.notResponding).toBe(true)
    expect(entryPointStatus(router, '1000', T0 + 30_001).agentsAvailable).toBe(0)
    // Becoming ready again clears it; the held contacts come back after the decline hold.
    ready('agent1', T0 + 31_000)
    router.tick(T0 + 91_000)
    expect(offerOf(a)?.agentId).toBe('agent1')
  })

  it('serves the oldest contact first across the queues an agent serves, priority before age', () => {
    const config = demoLike({
      queues: [queue('support', ['chat-support']), queue('sales', ['chat-sales'], { priority: 5 })],
    })
    const { router, chat, ready, offerOf } = setup(config)
    expect(chat('1000', T0 + 1).admitted).toBe(false) // refused: nobody ready yet
    // agent1 and agent3 are ready but full, so new chats wait.
    ready('agent1', T0 + 2)
    ready('agent3', T0 + 2)
    for (let i = 0; i < 3; i++) {
      for (const ep of ['1000', '1001']) {
        const o = offerOf(chat(ep, T0 + 3).contact.id)!
        router.acceptOffer(o.offerId, o.agentId, T0 + 4)
      }
    }
    router.drain()
    const support = chat('1000', T0 + 10).contact.id
    const sales = chat('1001', T0 + 20).contact.id
    ready('agent4', T0 + 30)
    // agent4 (2 chats) serves both queues: sales has priority 5, so it goes first despite being younger.
    const offers = router.drain().events.filter((e) => e.type === 'ContactOffered')
    expect(offers.map((e) => 'contactId' in e && e.contactId)).toEqual([sales, support])
    expect(offerOf(sales)?.agentId).toBe('agent4')
    const decision = offers[0]!.type === 'ContactOffered' ? offers[0]!.decision : undefined
    expect(decision?.contenders?.map((c) => c.contactId)).toEqual([sales, support])
  })

  it('lines a continued contact up at its original enqueue time, and offers it first to its preferred agent', () => {
    const { router, chat, ready, offerOf } = setup()
    ready('agent1', T0)
    // agent1 is full: new chats wait.
    for (let i = 0; i < 3; i++) {
      const o = offerOf(chat('1000', T0 + 1).contact.id)!
      router.acceptOffer(o.offerId, 'agent1', T0 + 2)
    }
    const waiting = chat('1000', T0 + 100).contact.id
    // A contact that started earlier (a chat that became a call) goes ahead of it.
    const earlier = router.admitContact(
      {
        contactId: 'c-call',
        entryPointId: '1000',
        customer: { name: 'Bo' },
        subject: null,
        enqueuedAt: T0 + 50,
      },
      T0 + 200,
    )
    expect(earlier.contact.enqueuedAt).toBe(T0 + 50)
    expect(router.queues.get('support')!.position('c-call')).toBe(1)
    expect(router.queues.get('support')!.position(waiting)).toBe(2)
    // Never later than now.
    const future = router.admitContact(
      {
        contactId: 'c-late',
        entryPointId: '1000',
        customer: { name: 'Cy' },
        subject: null,
        enqueuedAt: T0 + 9e9,
      },
      T0 + 300,
    )
    expect(future.contact.enqueuedAt).toBe(T0 + 300)
    // The preferred agent, ready and free, gets it before the agent available longest.
    ready('agent2', T0 + 400)
    ready('agent3', T0 + 500)
    router.drain()
    const mine = router.admitContact(
      {
        contactId: 'c-mine',
        entryPointId: '1000',
        customer: { name: 'Di' },
        subject: null,
        preferredAgentId: 'agent3',
      },
      T0 + 600,
    )
    expect(offerOf(mine.contact.id)?.agentId).toBe('agent3')
    const offered = router.drain().events.find((e) => e.type === 'ContactOffered' && e.contactId === 'c-mine')
    expect(offered?.type === 'ContactOffered' && offered.decision.rule).toMatch(/preferred agent/)
  })

  it('relaxes to the next tier after its wait', () => {
    const config = demoLike({
      skillGroups: [group('tier1', { agent1: 5 }), group('tier2', { agent2: 5 })],
      queues: [queue('support', [['tier1'], ['tier2']])],
      entryPoints: [
        {
          id: '1000',
          name: 'x',
          channel: 'chat',
          queueId: 'support',
          active: true,
          calendarId: null,
          chat: CHAT,
          leaveMessageQueueId: null,
        },
      ],
    })
    const { router, chat, ready, offerOf } = setup(config)
    ready('agent1')
    router.setAgentState('agent1', 'chat', 'not_ready', 'break', null, T0)
    ready('agent2')
    // agent1 is not ready, but is ready-to-serve? No: eligibility counts ready agents of every tier.
    const c = chat('1000', T0 + 1).contact.id
    expect(router.contacts.get(c)!.state).toBe('queued')
    router.tick(T0 + 29_000)
    expect(offerOf(c)).toBeUndefined()
    router.tick(T0 + 30_001)
    expect(offerOf(c)?.agentId).toBe('agent2')
    expect(router.contacts.get(c)!.offer).not.toBeNull()
  })

  it('holds the slot through wrap-up and frees it on wrap-up or its timer', () => {
    const config = demoLike({
      queues: [queue('support', ['chat-support'], { wrapUpSeconds: 60 }), queue('sales', ['chat-sales'])],
    })
    const { router, chat, ready, offerOf } = setup(config)
    router.pool.agents
      .get('agent1')!
      .channels.set('chat', { ...router.pool.agents.get('agent1')!.channels.get('chat')!, maxTasks: 1 })
    ready('agent1')
    const a = chat('1000', T0).contact.id
    const b = chat('1000', T0 + 1).contact.id
    router.acceptOffer(offerOf(a)!.offerId, 'agent1', T0 + 2)
    router.endContact(a, 'customer', null, T0 + 3)
    expect(router.contacts.get(a)!.state).toBe('wrap_up')
    expect(offerOf(b)).toBeUndefined()
    const closed = router.wrapUp(a, 'agent1', 'solved', 'ok', T0 + 4)
    expect(closed.state).toBe('closed')
    expect(offerOf(b)?.agentId).toBe('agent1')
    router.acceptOffer(offerOf(b)!.offerId, 'agent1', T0 + 5)
    router.endContact(b, 'agent', 'agent1', T0 + 6)
    router.tick(T0 + 6 + 60_000)
    expect(router.contacts.has(b)).toBe(false)
    expect(router.pool.agents.get('agent1')!.channels.get('chat')!.activeTasks).toBe(0)
  })

  it('blocks new chats while an exclusive voice call is active', () => {
    const { router, chat, ready, offerOf } = setup()
    ready('agent4')
    ready('agent4', T0, 'voice')
    const call = chat('8000', T0 + 1).contact.id
    expect(offerOf(call)?.agentId).toBe('agent4')
    const c = chat('1000', T0 + 2).contact.id
    expect(offerOf(c)).toBeUndefined()
    router.rejectOffer(offerOf(call)!.offerId, 'agent4', null, T0 + 3)
    expect(offerOf(c)?.agentId).toBe('agent4')
  })

  it('routes calls to a voice agent only while its phone is reachable', () => {
    const voice = {
      domain: null,
      realm: 't1',
      extensions: [],
      trunks: [],
      numbers: {},
      queues: {},
      registrationSeconds: { min: 60, max: 3600 },
      recordCalls: true,
      menus: {},
      survey: null,
    }
    const { router, chat, ready, offerOf } = setup(demoLike({ voice }))
    ready('agent4', T0, 'voice')
    // Ready, but no registered phone: nobody to ring, and the line says so.
    expect(router.pool.agents.get('agent4')!.channels.get('voice')).toMatchObject({
      state: 'ready',
      reachable: false,
    })
    expect(entryPointStatus(router, '8000', T0)).toMatchObject({
      allowed: false,
      reason: 'agent_not_available',
    })
    router.setReachable('agent4', 'voice', true, T0 + 1)
    const call = chat('8000', T0 + 2).contact.id
    expect(offerOf(call)?.agentId).toBe('agent4')
    // The phone's registration ends while it rings: the call goes back to its place in the line.
    router.setReachable('agent4', 'voice', false, T0 + 3)
    expect(router.contacts.get(call)).toMatchObject({ state: 'queued', offer: null, enqueuedAt: T0 + 2 })
    const events = router.drain().events
    expect(
      events
        .filter((e) => e.type === 'AgentStateChanged')
        .map((e) => (e as { reachable?: boolean }).reachable),
    ).toEqual([false, true, false])
    expect(events.find((e) => e.type === 'OfferRescinded')).toMatchObject({ reason: 'device_unreachable' })
  })

  it('ends a call dropped by the system: abandoned while waiting, to wrap-up once connected', () => {
    const { router, chat, ready, offerOf } = setup()
    ready('agent4', T0, 'voice')
    const talking = chat('8000', T0 + 1).contact.id
    router.acceptOffer(offerOf(talking)!.offerId, 'agent4', T0 + 2)
    ready('agent4', T0 + 3, 'chat')
    const waiting = chat('8000', T0 + 4).contact.id
    expect(router.contacts.get(waiting)!.state).toBe('queued')
    router.endContact(waiting, 'system', null, T0 + 5)
    router.endContact(talking, 'system', null, T0 + 6)
    const ended = router.drain().events.filter((e) => e.type === 'ContactEnded')
    expect(ended).toMatchObject([
      { contactId: waiting, by: 'system', state: 'abandoned' },
      { contactId: talking, by: 'system', state: 'wrap_up' },
    ])
  })

  it('counts availability per skill group of the queue, not per channel (ECE CSCvq11852)', () => {
    const { router, ready } = setup()
    ready('agent3') // chat-sales only
    expect(entryPointStatus(router, '1001', T0).agentsAvailable).toBe(1)
    const support = entryPointStatus(router, '1000', T0)
    expect(support).toMatchObject({
      agentsAvailable: 0,
      availableSlots: 0,
      eligibility: 1,
      allowed: false,
      reason: 'agent_not_available',
    })
  })

  it('reports inactive entry points, full queues and slots', () => {
    const { router, chat, ready } = setup()
    expect(entryPointStatus(router, '1002', T0)).toMatchObject({
      allowed: false,
      reason: 'entry_point_inactive',
    })
    expect(entryPointStatus(router, 'nope', T0)).toMatchObject({
      allowed: false,
      reason: 'invalid_entry_point',
    })
    ready('agent1')
    expect(entryPointStatus(router, '1000', T0)).toMatchObject({
      allowed: true,
      availableSlots: 3,
      agentsAvailable: 1,
    })
    for (let i = 0; i < 8; i++) chat('1000', T0 + i)
    expect(entryPointStatus(router, '1000', T0 + 10)).toMatchObject({
      allowed: false,
      reason: 'queue_depth_reached',
      eligibility: 2,
      queueDepth: 5,
      availableSlots: 0,
    })
    const refused = chat('1000', T0 + 11)
    expect(refused).toMatchObject({ admitted: false, reason: 'queue_depth_reached' })
  })

  it('refuses chats outside business hours and says when it opens', () => {
    const config = demoLike({
      calendars: [
        { id: 'office', timeZone: 'UTC', weekly: { mon: [{ open: '09:00', close: '17:00' }] }, holidays: [] },
      ],
      entryPoints: [
        {
          id: '1000',
          name: 'x',
          channel: 'chat',
          queueId: 'support',
          active: true,
          calendarId: 'office',
          chat: CHAT,
          leaveMessageQueueId: null,
        },
      ],
    })
    const { router, chat, ready } = setup(config)
    ready('agent1')
    const sunday = Date.UTC(2026, 10, 1, 12)
    expect(chat('1000', sunday)).toMatchObject({ admitted: false, reason: 'outside_business_hours' })
    expect(entryPointStatus(router, '1000', sunday)).toMatchObject({
      open: false,
      nextOpenAt: Date.UTC(2026, 10, 2, 9),
      reason: 'outside_business_hours',
    })
    expect(chat('1000', Date.UTC(2026, 10, 2, 9, 30)).admitted).toBe(true)
  })

  it('overflows at max wait keeping the original enqueue time, or times out without a target', () => {
    const config = demoLike({
      queues: [
        queue('support', ['chat-support'], { maxWaitSeconds: 60, overflowQueueId: 'sales' }),
        queue('sales', ['chat-sales'], { maxWaitSeconds: 60 }),
      ],
    })
    const { router, chat, ready } = setup(config)
    ready('agent3')
    router.setAgentState('agent3', 'chat', 'not_ready', 'x', null, T0)
    ready('agent1')
    router.setAgentState('agent1', 'chat', 'not_ready', 'x', null, T0)
    ready('agent2')
    for (let i = 0; i < 3; i++) chat('1000', T0)
    const c = chat('1000', T0 + 5).contact.id
    runUntil(router, T0 + 65_000)
    expect(router.contacts.get(c)).toMatchObject({
      queueId: 'sales',
      enqueuedAt: T0 + 5,
      overflows: 1,
      state: 'queued',
    })
    runUntil(router, T0 + 125_006)
    expect(router.contacts.has(c)).toBe(false)
    const events = router.drain().events.map((e) => e.type)
    expect(events).toContain('ContactOverflowed')
    expect(events).toContain('ContactTimedOut')
  })

  it('rebuilds after a restart: queued contacts keep their place, offers stay with their agent', () => {
    const { router, chat, ready, offerOf } = setup()
    ready('agent1')
    const ids = [0, 1, 2, 3, 4].map((i) => chat('1000', T0 + i).contact.id)
    router.acceptOffer(offerOf(ids[0]!)!.offerId, 'agent1', T0 + 10)
    const changes = router.drain()
    const byId = new Map(changes.contacts.map((c) => [c.id, c]))
    const agents = changes.agents
    const fresh = new Router({
      tenantId: 't1',
      config: demoLike(),
      now: T0 + 100,
      lastSeq: router.lastSeq,
      newId: () => 'n' + Math.random(),
    })
    fresh.restore(agents, [...byId.values()], T0 + 100)
    const restored = fresh.drain()
    expect(restored.events.filter((e) => e.type === 'OfferRescinded')).toHaveLength(0)
    // agent1 is ready with one connected chat and the two offers it had: nothing more fits.
    expect(fresh.contacts.get(ids[0]!)!.state).toBe('connected')
    expect(fresh.contacts.get(ids[1]!)!.offer).toEqual(byId.get(ids[1]!)!.offer)
    expect(fresh.pool.agents.get('agent1')!.channels.get('chat')!.activeTasks).toBe(3)
    expect(fresh.contacts.get(ids[3]!)!.enqueuedAt).toBe(T0 + 3)
    expect(fresh.queues.get('support')!.position(ids[3]!)).toBe(1)
    expect(restored.events[0]!.seq).toBe(router.lastSeq + 1)
  })

  it('abandons a waiting chat and counts it', () => {
    const { router, chat, ready } = setup()
    ready('agent1')
    for (let i = 0; i < 3; i++) chat('1000', T0)
    const c = chat('1000', T0).contact.id
    router.endContact(c, 'customer', null, T0 + 2_000)
    expect(router.queues.get('support')!.waiting.size).toBe(0)
    expect(router.countToday(router.queues.get('support')!, T0 + 2000)).toMatchObject({
      abandoned: 1,
      abandonedShort: 1,
    })
  })

  it('transfers to a queue keeping the enqueue time, and to a named agent', () => {
    const { router, chat, ready, offerOf } = setup()
    ready('agent1')
    const c = chat('1000', T0).contact.id
    router.acceptOffer(offerOf(c)!.offerId, 'agent1', T0 + 1)
    ready('agent2', T0 + 2)
    const moved = router.transfer(c, 'agent1', { agentId: 'agent2' }, T0 + 3)
    expect(moved.offer?.agentId).toBe('agent2')
    router.acceptOffer(moved.offer!.offerId, 'agent2', T0 + 4)
    ready('agent3', T0 + 5)
    const toSales = router.transfer(c, 'agent2', { queueId: 'sales' }, T0 + 6)
    expect(toSales).toMatchObject({ queueId: 'sales', enqueuedAt: T0, transfers: 2 })
    expect(toSales.offer?.agentId).toBe('agent3')
    expect(() => router.transfer(c, 'agent3', { queueId: 'support' }, T0 + 7)).toThrow(
      expect.objectContaining({ code: 'NOT_ASSIGNED_AGENT' }),
    )
  })

  it('refuses offers answered late or by another agent', () => {
    const { router, chat, ready, offerOf } = setup()
    ready('agent1')
    const c = chat('1000', T0).contact.id
    const offerId = offerOf(c)!.offerId
    expect(() => router.acceptOffer(offerId, 'agent2', T0 + 1)).toThrow(
      expect.objectContaining({ code: 'OFFER_NOT_FOUND' }),
    )
    expect(() => router.acceptOffer(offerId, 'agent1', T0 + 30_000)).toThrow(
      expect.objectContaining({ code: 'OFFER_EXPIRED' }),
    )
    // After the timeout fired the offer is gone, yet a late accept still learns why (409, not 404).
    router.tick(T0 + 30_000)
    expect(() => router.acceptOffer(offerId, 'agent1', T0 + 30_001)).toThrow(
      expect.objectContaining({ code: 'OFFER_EXPIRED' }),
    )
  })

  it('refuses a second answer to an offer already accepted', () => {
    const { router, chat, ready, offerOf } = setup()
    ready('agent1')
    const c = chat('1000', T0).contact.id
    const offerId = offerOf(c)!.offerId
    router.acceptOffer(offerId, 'agent1', T0 + 1)
    expect(() => router.acceptOffer(offerId, 'agent1', T0 + 2)).toThrow(
      expect.objectContaining({ code: 'OFFER_NOT_PENDING' }),
    )
    expect(() => router.rejectOffer(offerId, 'agent1', null, T0 + 2)).toThrow(
      expect.objectContaining({ code: 'OFFER_NOT_PENDING' }),
    )
  })

  it('sequences messages per contact and keeps strangers out', () => {
    const { router, chat, ready, offerOf } = setup()
    ready('agent1')
    const c = chat('1000', T0).contact.id
    expect(router.postMessage(c, 'customer', null, 'hello', T0 + 1).messageSeq).toBe(1)
    expect(() => router.postMessage(c, 'agent', 'agent1', 'hi', T0 + 2)).toThrow(
      expect.objectContaining({ code: 'NOT_ASSIGNED_AGENT' }),
    )
    router.acceptOffer(offerOf(c)!.offerId, 'agent1', T0 + 3)
    expect(router.postMessage(c, 'agent', 'agent1', 'hi', T0 + 4).messageSeq).toBe(2)
  })
})

describe('strategies', () => {
  const strategyConfig = (strategy: TenantConfig['queues'][number]['strategy']) =>
    demoLike({
      agents: [agent('a'), agent('b'), agent('c')],
      skillGroups: [group('g', { a: 2, b: 9, c: 5 })],
      queues: [queue('q', ['g'], { strategy })],
      entryPoints: [
        {
          id: 'e',
          name: 'e',
          channel: 'chat',
          queueId: 'q',
          active: true,
          calendarId: null,
          chat: CHAT,
          leaveMessageQueueId: null,
        },
      ],
    })

  function firstOffers(
    strategy: Parameters<typeof strategyConfig>[0],
    prep?: (s: ReturnType<typeof setup>) => void,
  ): string[] {
    const s = setup(strategyConfig(strategy))
    s.ready('c', T0)
    s.ready('a', T0 + 1)
    s.ready('b', T0 + 2)
    prep?.(s)
    return [0, 1, 2, 3].map((i) => s.offerOf(s.chat('e', T0 + 10 + i).contact.id)!.agentId)
  }

  it('longest available rotates by the time each agent last became busy', () => {
    expect(firstOffers('longest_available')).toEqual(['c', 'a', 'b', 'c'])
  })
  it('most proficient picks the highest proficiency while it has room', () => {
    expect(firstOffers('most_proficient')).toEqual(['b', 'b', 'b', 'c'])
  })
  it('least occupied spreads by load ratio', () => {
    expect(firstOffers('least_occupied')).toEqual(['c', 'a', 'b', 'c'])
  })
  it('round robin cycles in id order', () => {
    expect(firstOffers('round_robin')).toEqual(['a', 'b', 'c', 'a'])
  })
  it('fewest handled prefers the agent with fewer connected contacts', () => {
    const offers = firstOffers('fewest_handled', (s) => {
      // c and a each handle one chat and close it; b has handled none.
      for (const id of ['c', 'a']) {
        const x = s.chat('e', T0 + 3).contact
        const offer = s.offerOf(x.id)!
        s.router.acceptOffer(offer.offerId, offer.agentId, T0 + 4)
        s.router.wrapUp(x.id, offer.agentId, null, null, T0 + 5)
        expect(offer.agentId).toBe(id)
      }
    })
    expect(offers[0]).toBe('b')
  })
})
