import { agentState } from '../../src/core/commands.js'
import { afterEach, describe, expect, it } from 'vitest'
import { databases } from '../support/databases.js'
import type { Harness } from '../support/harness.js'
import { startHarness } from '../support/harness.js'

const [pglite] = databases()

describe('item 2: estimated wait at the edges', () => {
  let h: Harness
  afterEach(async () => {
    await h.close()
  })
  const runtime = () => h.sb.runtime('demo')
  const setState = (agentId: string, state: string, reason?: string) =>
    runtime().run(agentState(agentId, 'chat', state as 'ready', agentId, reason ?? null))
  const admit = (id: string) =>
    runtime().run({
      type: 'admitContact',
      contact: { contactId: id, entryPointId: '1000', customer: { name: id }, subject: null },
    })
  const waits = (ids: string[]) =>
    ids.map((contactId) => runtime().query({ type: 'contactWait', contactId })?.estimatedWaitMs)
  const native = async () =>
    (await h.app.inject({ url: '/api/v1/entry-points/1000/status' })).json() as {
      estimatedWaitSeconds: number | null
      estimatedWaitReason: string | null
    }
  const ece = async () =>
    (await h.app.inject({ url: '/system/egain/chat/entrypoint/liveSessionStatus/1000' })).body

  /** agent1 and agent2 take 3 chats each and serve a few, so the queue has a history. */
  async function busyFloor(): Promise<string[]> {
    await setState('agent1', 'ready')
    await setState('agent2', 'ready')
    let n = 0
    const served = async () => {
      const offers = runtime()
        .query({ type: 'contacts' })
        .filter((c) => c.state === 'offered')
      for (const c of offers)
        await runtime().run({ type: 'acceptOffer', offerId: c.offer!.offerId, agentId: c.offer!.agentId })
    }
    for (let i = 0; i < 6; i++) await admit(`busy-${++n}`)
    await served()
    const waiting: string[] = []
    for (let i = 0; i < 12; i++) {
      const id = `w-${i}`
      await admit(id)
      waiting.push(id)
      await h.advance(7_000)
      // Every so often an agent finishes a chat and the head of the line moves up.
      if (i % 3 === 2) {
        const done = runtime()
          .query({ type: 'contacts' })
          .find((c) => c.state === 'connected')!
        await runtime().run({
          type: 'wrapUp',
          contactId: done.id,
          agentId: done.agentId!,
          code: null,
          notes: null,
        })
        await served()
      }
    }
    return waiting.filter((id) => runtime().query({ type: 'contact', contactId: id })?.state === 'queued')
  }

  it('nobody able to serve: no finite estimate, natively null with the reason, in ECE the documented -1.0', async () => {
    h = await startHarness(pglite!)
    await setState('agent1', 'ready')
    await admit('c1')
    await admit('c2')
    // The one agent leaves for a meeting with nothing in hand: nobody can serve the queue.
    await runtime().run({
      type: 'acceptOffer',
      offerId: runtime().query({ type: 'contact', contactId: 'c1' })!.offer!.offerId,
      agentId: 'agent1',
    })
    await runtime().run({ type: 'wrapUp', contactId: 'c1', agentId: 'agent1', code: null, notes: null })
    const stillQueued = runtime().query({ type: 'contact', contactId: 'c2' })?.state
    if (stillQueued === 'offered')
      await runtime().run({
        type: 'rejectOffer',
        offerId: runtime().query({ type: 'contact', contactId: 'c2' })!.offer!.offerId,
        agentId: 'agent1',
        reason: null,
      })
    await setState('agent1', 'not_ready', 'Meeting')
    expect(waits(['c2'])).toEqual([null])
    expect(await native()).toMatchObject({
      estimatedWaitSeconds: null,
      estimatedWaitReason: 'nobody_can_serve',
    })
    expect(await ece()).toContain('<ns2:waitTime>-1.0</ns2:waitTime>')
    // The customer gives up: a newcomer would still be told no figure.
    await runtime().run({ type: 'endContact', contactId: 'c2', by: 'customer', agentId: null })
    expect(await ece()).toContain('<ns2:waitTime>-1.0</ns2:waitTime>')
    // Back from the meeting: a figure again.
    await setState('agent1', 'ready')
    expect((await native()).estimatedWaitSeconds).toEqual(expect.any(Number))
  })

  it('never decreases with the place in line, and is the same after a restart', async () => {
    h = await startHarness(pglite!)
    const waiting = await busyFloor()
    expect(waiting.length).toBeGreaterThanOrEqual(3)
    const before = waits(waiting)
    for (let i = 1; i < before.length; i++)
      expect(before[i]!, `place ${i + 1}`).toBeGreaterThanOrEqual(before[i - 1]!)
    h = await h.restart()
    // Agents are back as they were (ready, with their chats): the same queue, the same estimates.
    expect(waits(waiting)).toEqual(before)
  })
})
