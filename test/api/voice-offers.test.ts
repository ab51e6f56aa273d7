import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { databases } from '../support/databases.js'
import type { Harness } from '../support/harness.js'
import { demoDocs, startHarness } from '../support/harness.js'

const [pglite] = databases()

describe('calls on the agent desktop', () => {
  let h: Harness
  beforeEach(async () => {
    h = await startHarness(pglite!, demoDocs())
  })
  afterEach(async () => {
    await h.close()
  })

  it('answers a call only on the phone: accepting it on the desktop is refused, declining works', async () => {
    const token = await h.login('agent4')
    const auth = { authorization: `Bearer ${token}` }
    // agent4's phone is registered (what the registrar tells the router), and agent4 is ready.
    await h.sb
      .runtime('demo')
      .run({ type: 'setReachable', agentId: 'agent4', channel: 'voice', reachable: true })
    const ready = await h.app.inject({
      method: 'PUT',
      url: '/api/v1/agents/agent4/channels/voice',
      headers: auth,
      payload: { state: 'ready' },
    })
    expect(ready.json()).toMatchObject({ channels: { voice: { routable: true, reachable: true } } })
    const call = await h.sb.runtime('demo').run({
      type: 'admitContact',
      contact: {
        contactId: 'call-1',
        entryPointId: '8000',
        customer: { name: 'Ann', phone: '5551234' },
        subject: null,
      },
    })
    const offer = call.contact.offer!
    expect(offer.agentId).toBe('agent4')
    const accept = await h.app.inject({
      method: 'POST',
      url: `/api/v1/offers/${offer.offerId}/accept`,
      headers: auth,
    })
    expect(accept.statusCode).toBe(409)
    expect(accept.json()).toMatchObject({ error: { code: 'CONTACT_STATE_CONFLICT' } })
    expect(accept.json().error.message).toMatch(/answered on your phone/)
    const decline = await h.app.inject({
      method: 'POST',
      url: `/api/v1/offers/${offer.offerId}/reject`,
      headers: auth,
      payload: { reason: 'busy' },
    })
    expect(decline.statusCode).toBe(200)
    expect(h.sb.runtime('demo').query({ type: 'contact', contactId: 'call-1' })?.state).toBe('queued')
  })
})
