import { agentState } from '../../src/core/commands.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SipResponse } from '../../src/channels/voice/sip/message.js'
import { callIdOf, cseqOf, toOf } from '../../src/channels/voice/sip/message.js'
import type { DomainEvent } from '../../src/core/events.js'
import type { RunningServer } from '../../src/main.js'
import { demoDocs } from '../support/harness.js'
import type { RunningRtpengine } from '../support/rtpengine.js'
import { startRtpengine } from '../support/rtpengine.js'
import { breachesOfRfc3261, recorder } from '../support/sip-trace.js'
import type { SippRun } from '../support/sipp.js'
import { freeSipPort } from '../support/baresip.js'
import { NgClient } from '../../src/adapters/media/rtpengine/ng-client.js'
import { sipp } from '../support/sipp.js'
import { until } from '../support/until.js'
import { startVoiceServer } from '../support/voice-server.js'

// The SIP stack driven by SIPp (Debian's sip-tester), a tool nobody here wrote, with scenarios
// kept as XML in test/voice/sipp: each states every message it expects, so an unexpected answer
// fails it. Our side of every message is also checked against RFC 3261 (sip-trace).

let rtp: RunningRtpengine
let server: RunningServer
let target: string
const trace = recorder()
const stopRinging = new AbortController()
let ringing: { readonly done: Promise<SippRun> } | undefined

beforeAll(async () => {
  rtp = await startRtpengine()
  server = await startVoiceServer(demoDocs(), rtp)
  target = `127.0.0.1:${server.voice!.sip.port}`
  server.voice!.trace(trace.listen)
}, 60_000)

afterAll(async () => {
  await server?.stop()
  await rtp?.stop()
})

/** A scenario's run passed; its logs say why when it did not. */
function passed(run: SippRun, code = 0): void {
  expect(run.code, `${run.errors}\n${run.messages.slice(-6000)}`).toBe(code)
}

const demo = () => server.sb.runtime('demo')
const setVoice = (agentId: string, state: 'ready' | 'not_ready') =>
  demo().run(agentState(agentId, 'voice', state, agentId, state === 'ready' ? null : 'Break'))
const reachable = (agentId: string) =>
  demo().query({ type: 'agent', agentId })?.channels.voice?.reachable === true
const eventsSince = async (seq: number): Promise<DomainEvent[]> =>
  server.sb.queries.events('demo', { afterSeq: seq, limit: 1000 })
const lastSeq = async () => (await eventsSince(0)).at(-1)?.seq ?? 0
/**
 * The first call queued after `from` (from `phone`, when given: a scenario calling from a number of
 * its own), once it has ended: its ContactEnded.
 */
async function callEnded(from: number, phone?: string, timeoutMs = 45_000) {
  return until(
    `the call${phone ? ` from ${phone}` : ''} to end`,
    async () => {
      const events = await eventsSince(from)
      const queued = events.flatMap((e) =>
        e.type === 'ContactQueued' && (phone === undefined || e.customer.phone === phone)
          ? [e.contactId]
          : [],
      )[0]
      return events.flatMap((e) => (e.type === 'ContactEnded' && e.contactId === queued ? [e] : []))[0]
    },
    timeoutMs,
  )
}

/** What the server answered to the calls of one scenario run, by Call-ID. */
const answersTo = (callIdPart: string): SipResponse[] =>
  trace.messages
    .filter((t) => t.dir === 'out' && t.msg.kind === 'response' && callIdOf(t.msg).includes(callIdPart))
    .map((t) => t.msg as SipResponse)

/** Until rtpengine sends some party of the call its media at `port` (a stream that moved). */
async function mediaGoesTo(callId: string, port: number): Promise<void> {
  const ng = await NgClient.open({
    host: '127.0.0.1',
    port: Number(rtp.ng.split(':')[1]),
    timeoutMs: 500,
    attempts: 2,
  })
  try {
    await until(`rtpengine to send to port ${port}`, async () => {
      const reply = await ng.command('query', { 'call-id': callId })
      return JSON.stringify(reply).includes(`"port":${port}`) ? true : undefined
    })
  } finally {
    ng.close()
  }
}

/** A SIPp phone of extension 801 registered, its out-of-call scenario answering the next call. */
async function agentPhone(
  extension: string,
  agentId: string,
  answer: 'agent-hangs-up' | 'agent-rings' | 'agent-moves',
  signal?: AbortSignal,
  keys?: Record<string, string>,
): Promise<{ readonly done: Promise<SippRun> }> {
  const run = sipp('agent', target, {
    service: extension,
    auth: { user: extension, password: `phone${extension}` },
    extra: ['-oocsf', answer, '-aa'],
    keys,
    ...(signal ? { signal, timeoutSeconds: 900 } : {}),
  })
  await until(`the SIPp phone of ${extension} registered`, () => (reachable(agentId) ? true : undefined))
  // Wrapped: an async function would wait for a promise it returns.
  return { done: run }
}

describe('SIPp against the SIP stack', () => {
  it.each([['UDP', 'u1'] as const, ['TCP', 't1'] as const])(
    'registers with digest and unregisters over %s',
    async (_, transport) => {
      passed(
        await sipp('register', target, {
          transport,
          service: '801',
          auth: { user: '801', password: 'phone801' },
        }),
      )
    },
  )

  it('queues a caller behind a record-routing SIPp proxy; a SIPp agent answers and hangs up; the ACK and BYE follow the route set', async () => {
    const agent = await agentPhone('801', 'agent1', 'agent-hangs-up')
    await setVoice('agent1', 'ready')
    const proxyPort = await freeSipPort()
    const proxy = sipp('proxy', target, { port: proxyPort })
    const from = await lastSeq()
    passed(
      await sipp('caller-via-proxy', `127.0.0.1:${proxyPort}`, {
        service: '8000',
        keys: { server_port: target.split(':')[1]! },
      }),
    )
    passed(await proxy)
    passed(await agent.done, 97) // the agent's phone stops itself (stop_now) once its call is over
    const events = await until('the call to end', async () => {
      const e = await eventsSince(from)
      return e.some((x) => x.type === 'ContactEnded') ? e : undefined
    })
    expect(events.find((e) => e.type === 'ContactConnected')).toMatchObject({ agentId: 'agent1' })
    expect(events.find((e) => e.type === 'ContactEnded')).toMatchObject({ by: 'agent' })
    await setVoice('agent1', 'not_ready')
  })

  it('keeps a SIPp agent phone that rings until the server cancels it (callers below wait, ringing it)', async () => {
    ringing = await agentPhone('802', 'agent2', 'agent-rings', stopRinging.signal)
    await setVoice('agent2', 'ready')
  })

  it('a caller who hangs up while queued gets 200 to its BYE and counts abandoned', async () => {
    const from = await lastSeq()
    passed(await sipp('caller-hangs-up', target, { service: '8000' }))
    expect(await callEnded(from)).toMatchObject({ state: 'abandoned', by: 'customer' })
  })

  it('CANCEL racing the INVITE: 200 to the CANCEL, 487 to the INVITE, and no call answered', async () => {
    passed(await sipp('cancel-race', target, { service: '8000' }))
    const answers = answersTo('cancel-race').filter((r) => cseqOf(r).method === 'INVITE')
    expect(answers.map((r) => r.status).filter((s) => s >= 200)).not.toContain(200)
    expect(answers.map((r) => r.status)).toContain(487)
    await until('no call left', () => (server.voice!.channel.activeCalls === 0 ? true : undefined))
  })

  it('an INVITE resent after its 200 on the same branch is absorbed: one call, one To tag', async () => {
    const from = await lastSeq()
    passed(await sipp('invite-again', target, { service: '8000' }))
    const answers = answersTo('invite-again').filter((r) => cseqOf(r).method === 'INVITE' && r.status > 100)
    expect(answers.map((r) => r.status)).toContain(200)
    expect(new Set(answers.map((r) => toOf(r).params.tag)).size).toBe(1)
    await until('the call to end', async () =>
      (await eventsSince(from)).some((e) => e.type === 'ContactEnded') ? true : undefined,
    )
    // This scenario calls from its own number: other calls may still be settling.
    const mine = (await eventsSince(from)).filter(
      (e) => e.type === 'ContactQueued' && e.customer.phone === '5550777',
    )
    expect(mine).toHaveLength(1)
  })

  it.each([
    ['Require with an unknown extension gets 420 with Unsupported', 'require'],
    ['Max-Forwards 0 gets 483', 'max-forwards'],
  ])('%s', async (_, scenario) => {
    passed(await sipp(scenario, target, { service: '8000' }))
  })

  it('takes a carrier call with tel: URIs', async () => {
    const from = await lastSeq()
    passed(await sipp('tel-uri', target, { service: '8000' }))
    expect(await callEnded(from)).toMatchObject({ by: 'customer' })
  })

  it('a session interval below Min-SE gets 422 with Min-SE (RFC 4028 §8.1)', async () => {
    passed(await sipp('session-too-small', target, { service: '8000' }))
  })

  it('hold and resume by re-INVITE: the moved stream is followed, each answer a new version (RFC 3264 §8)', async () => {
    const from = await lastSeq()
    const moved = await freeSipPort()
    const run = sipp('reinvite-hold', target, { service: '8000', keys: { moved_port: String(moved) } })
    const queued = await until('the call queued', async () =>
      (await eventsSince(from)).find((e) => e.type === 'ContactQueued'),
    )
    // rtpengine now sends the caller's audio to the port the hold moved it to.
    await mediaGoesTo((queued as { contactId: string }).contactId, moved)
    passed(await run)
    const described = answersTo('reinvite-hold')
      .filter((r) => r.status === 200 && cseqOf(r).method === 'INVITE' && r.body.length > 0)
      .map((r) => ({ seq: cseqOf(r).seq, origin: /^o=\S+ (\S+) (\d+)/m.exec(r.body.toString()) }))
    const first = new Map(described.map((d) => [d.seq, d.origin]))
    const origins = [1, 2, 3].map((seq) => first.get(seq))
    expect(new Set(origins.map((o) => o?.[1])).size, 'one session id').toBe(1)
    const versions = origins.map((o) => Number(o?.[2]))
    expect(versions[1]).toBe(versions[0]! + 1)
    expect(versions[2]).toBe(versions[1]! + 1)
  })

  it('an UPDATE with an offer is answered with our description (RFC 3311)', async () => {
    passed(
      await sipp('update', target, { service: '8000', keys: { moved_port: String(await freeSipPort()) } }),
    )
  })

  it('an offer with no codec the calls can carry gets 488 with a 305 Warning, and no call', async () => {
    const from = await lastSeq()
    passed(await sipp('no-common-codec', target, { service: '8000' }))
    expect((await eventsSince(from)).filter((e) => e.type === 'ContactQueued')).toHaveLength(0)
  })

  it('ends calls whose caller is gone, with a BYE, as the system: a 2xx never ACKed (64·T1) and a session timer never refreshed (RFC 4028)', async () => {
    // Both wait on the server's timers (32 s and 60 s): they run side by side.
    const from = await lastSeq()
    const noAck = sipp('no-ack', target, { service: '8000' })
    const expiring = sipp('session-expires', target, { service: '8000', timeoutSeconds: 120 })
    passed(await noAck)
    passed(await expiring)
    // Each scenario calls from a number of its own.
    const ended = await Promise.all([callEnded(from, '5550201', 90_000), callEnded(from, '5550202', 90_000)])
    expect(ended.map((e) => e.by)).toEqual(['system', 'system'])
  }, 150_000)

  it("follows the agent's phone when its hold and resume move its stream: each answer a new version, through rtpengine", async () => {
    const moved = await freeSipPort()
    const agent = await agentPhone('801', 'agent1', 'agent-moves', undefined, { moved_port: String(moved) })
    await setVoice('agent1', 'ready')
    const from = await lastSeq()
    const caller = sipp('caller-talks', target, { service: '8000' })
    const connected = await until('the call connected to agent1', async () =>
      (await eventsSince(from)).find((e) => e.type === 'ContactConnected' && e.agentId === 'agent1'),
    )
    const callId = (connected as { contactId: string }).contactId
    // rtpengine now sends the caller's audio to the port the agent's phone moved to.
    await mediaGoesTo(callId, moved)
    passed(await agent.done, 97) // the phone stops itself (stop_now) once its call is over
    passed(await caller)
    // The phone's hold and resume (CSeq 1 and 2 of its own) were answered with our description,
    // one session, one version higher each time than the INVITE that rang it.
    const toPhone = trace.messages.filter((t) => t.dir === 'out' && callIdOf(t.msg).startsWith(`${callId}-`))
    const ring = toPhone.find((t) => t.msg.kind === 'request' && t.msg.method === 'INVITE')!.msg
    const answers = toPhone
      .filter((t) => t.msg.kind === 'response' && t.msg.status === 200 && cseqOf(t.msg).method === 'INVITE')
      .map((t) => t.msg)
    const origin = (m: { body: Buffer }) => /^o=\S+ (\S+) (\d+)/m.exec(m.body.toString())
    const versions = [ring, ...answers].map((m) => origin(m))
    expect(new Set(versions.map((o) => o?.[1])).size, 'one session id').toBe(1)
    expect(versions.map((o) => Number(o?.[2]) - Number(versions[0]?.[2]))).toEqual([0, 1, 2])
    await setVoice('agent1', 'not_ready')
  })

  it("ends a call whose media stopped both ways after the tenant's mediaTimeoutSeconds, as the system", async () => {
    const tenant = demoDocs()[0]!
    await server.sb.applyDocument({ ...tenant, voice: { ...tenant.voice!, mediaTimeoutSeconds: 3 } })
    // The router is rebuilt with the new configuration: the ringing phone is routable again.
    await until('802 reachable again', () => (reachable('agent2') ? true : undefined))
    await setVoice('agent2', 'ready')
    const from = await lastSeq()
    passed(await sipp('dead-media', target, { service: '8000' }))
    const ended = await callEnded(from, '5550303')
    expect(ended).toMatchObject({ by: 'system' })
  })

  it('the ringing phone was cancelled each time, as RFC 3261 §9 says (no error in its log)', async () => {
    stopRinging.abort()
    const run = await ringing!.done
    expect(run.errors).not.toMatch(/Aborting/)
    expect(run.messages).toMatch(/CANCEL sip:/)
  })

  it('keeps RFC 3261 on our side of every message of these scenarios', () => {
    expect(trace.messages.length).toBeGreaterThan(0)
    expect(breachesOfRfc3261(trace.messages)).toEqual([])
  })
})
