import { agentState } from '../../src/core/commands.js'
import { afterEach, describe, expect, it } from 'vitest'
import { SqlOutboxStore } from '../../src/adapters/storage/sql-outbox-store.js'
import { PbxPush } from '../../src/api/pbx/push.js'
import type { CallRecord, HintStatus, PhoneStatus, Ring } from '../../src/app/voice-ports.js'
import { databases } from '../support/databases.js'
import type { Harness } from '../support/harness.js'
import { demoDocs, startHarness } from '../support/harness.js'
import { PushSink } from '../support/pbx-sink.js'

const [pglite] = databases()
const caller = { number: '5551234', name: 'Ann', dialled: '8000', trunkId: 'local-trunk' }

describe("004's pushed events through the outbox", () => {
  let h: Harness
  let sink: PushSink
  afterEach(async () => {
    await h.close()
    await sink.stop()
  })

  it('sends cc_cdr once the after-call pause ends, and loses nothing to an outage and a restart', async () => {
    sink = await PushSink.start()
    const docs = demoDocs()
    docs[0]!.pbx = { ...docs[0]!.pbx!, pushUrl: sink.url, allowPrivateNetwork: true, pauseSeconds: 20 }
    h = await startHarness(pglite!, docs)
    // The phones as the voice channel would report them (its own tests drive the real ones).
    let hint: HintStatus = 0
    const phones = async (): Promise<PhoneStatus[]> => [
      { extension: '804', agentId: 'agent4', address: '127.0.0.1', latencyMs: 3, hint },
    ]
    const push = new PbxPush({
      sb: h.sb,
      outbox: new SqlOutboxStore(h.opened.db),
      kick: () => undefined,
      telephony: { phones },
      log: { error: (_obj, msg) => expect.fail(msg) },
    })
    push.start()

    // A call offered to agent4, answered, ended by the agent: wrap-up (the after-call pause) starts.
    const runtime = h.sb.runtime('demo')
    await runtime.run({ type: 'setReachable', agentId: 'agent4', channel: 'voice', reachable: true })
    await runtime.run(agentState('agent4', 'voice', 'ready', 'test'))
    const start = h.time.now()
    const admitted = await runtime.run({
      type: 'admitContact',
      contact: {
        contactId: 'call-1',
        entryPointId: '8000',
        customer: { name: 'Ann', phone: '5551234' },
        subject: null,
      },
    })
    const offerId = admitted.contact.offer!.offerId
    const ring: Ring = { offerId, agentId: 'agent4', startedAt: start, endedAt: null, outcome: null }
    push.ringing('demo', 'call-1', caller, ring)
    hint = 8
    push.linesChanged('demo')
    await h.advance(3000)
    await runtime.run({ type: 'acceptOffer', offerId, agentId: 'agent4' })
    push.ringEnded('demo', 'call-1', caller, { ...ring, endedAt: start + 3000, outcome: 'ANSWER' })
    await h.advance(60_000)
    await runtime.run({ type: 'endContact', contactId: 'call-1', by: 'agent', agentId: 'agent4' })
    const record: CallRecord = {
      tenantId: 'demo',
      contactId: 'call-1',
      caller,
      startedAt: start,
      endedAt: h.time.now(),
      endedBy: 'agent',
      queueId: 'voice-support',
      enqueuedAt: start,
      agentId: 'agent4',
      answeredAt: start + 3000,
      rings: [{ ...ring, endedAt: start + 3000, outcome: 'ANSWER' }],
      holdMs: 12_400,
      recording: 'call-1.wav',
      endedIn: 'talking',
      menu: null,
      rating: null,
    }
    push.finished(record)
    hint = 0
    push.linesChanged('demo')

    // The CRM is down: nothing goes, everything waits.
    sink.failing = true
    await push.stop()
    push.start()
    await h.dispatcher.drain()
    expect(sink.refused).toBeGreaterThan(0)
    expect(sink.events).toEqual([])
    // The pause ends after 20 s (the agent did not end it sooner): now cc_cdr can be written.
    await h.advance(20_000)
    await push.stop()

    // A restart, then the CRM comes back: every event once, in order per call and per extension.
    h = await h.restart()
    sink.failing = false
    for (let i = 0; i < 10 && sink.events.length < 7; i++) {
      h.time.advance(5000)
      await h.dispatcher.drain()
    }
    const call = sink.of('call-1')
    expect(call.map((e) => e.event)).toEqual(['dialbegein', 'dialend', 'hangup', 'cdr', 'cc_cdr'])
    // Idle as agent4 signs in to voice, ringing, idle again once the call and its pause are over.
    expect(sink.events.filter((e) => e.event === 'extensionstatus').map((e) => e.status)).toEqual([
      '0',
      '8',
      '0',
    ])
    expect(call[0]).toMatchObject({
      timestamp: (start / 1000).toFixed(6),
      channel: expect.stringMatching(/^SIP\/local-trunk-/),
      destchannel: expect.stringMatching(/^SIP\/804-/),
      destuniqueid: offerId,
    })
    expect(call[3]).toMatchObject({
      callerid: '"Ann" <5551234>',
      // Europe/London in November: the local time is UTC.
      starttime: '2026-11-02 10:00:00',
      answertime: '2026-11-02 10:00:03',
      endtime: '2026-11-02 10:01:03',
      duration: '63',
      billableseconds: '60',
    })
    expect(call[4]).toMatchObject({
      queueCode: '630',
      agentCode: '804',
      queueTime: '3',
      ringTime: '3',
      talkingTime: '60',
      holdTime: 12,
      pauseTime: 20,
      hangupSide: 'agent',
      cdrState: 'bridged',
      filePath: 'call-1.wav',
      missCause: '',
    })
    expect(sink.breaches).toEqual([])
  })
})
