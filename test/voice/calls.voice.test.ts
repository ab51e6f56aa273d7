import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HOLD_MUSIC_NOTES } from '../../src/channels/voice/prompts.js'
import type { RunningServer } from '../../src/main.js'
import { Phone } from '../support/baresip.js'
import { demoDocs } from '../support/harness.js'
import type { RunningRtpengine } from '../support/rtpengine.js'
import { startRtpengine } from '../support/rtpengine.js'
import { startVoiceServer } from '../support/voice-server.js'
import { until } from '../support/until.js'
import { breachesOfRfc3261, recorder } from '../support/sip-trace.js'
import { readWav, seconds } from '../support/tones.js'
import { NgClient } from '../../src/adapters/media/rtpengine/ng-client.js'

// Real phones (baresip), a real media server (rtpengine) and the real server, all on loopback.
// The caller's phone sends 440 Hz, agent phones 880 Hz (agent1) and 1320 Hz (agent2).
const CALLER_HZ = 440
const AGENT1_HZ = 880
const AGENT2_HZ = 1320
const MUSIC = [...HOLD_MUSIC_NOTES]

let rtp: RunningRtpengine
let server: RunningServer
let agent1: Phone
let agent2: Phone
let caller: Phone
let caller2: Phone
let sip: string
const tokens: Record<string, string> = {}
const trace = recorder()

async function api<T = unknown>(
  method: string,
  url: string,
  user: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${tokens[user]}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  })
  const type = res.headers.get('content-type') ?? ''
  return {
    status: res.status,
    body: (type.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer())) as T,
  }
}

async function login(user: string, password: string): Promise<void> {
  const res = await fetch(`${server.url}/api/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user, password }),
  })
  tokens[user] = ((await res.json()) as { token: string }).token
}

const setVoice = (agent: string, state: 'ready' | 'not_ready' | 'logged_out') =>
  api('PUT', `/api/v1/agents/${agent}/channels/voice`, agent, {
    state,
    ...(state === 'not_ready' ? { reason: 'Break' } : {}),
  })

interface Ev {
  type: string
  contactId?: string
  agentId?: string
  state?: string
  by?: string
  reason?: string
}

/** The tenant's stored events so far. */
/** Until the agent's voice channel holds no call (its wrap-up from the last one is over). */
const voiceFree = (agent: string) =>
  until(`${agent} free of its last call`, async () => {
    const a = await api<{ channels: { voice: { activeTasks: number } } }>(
      'GET',
      `/api/v1/agents/${agent}`,
      agent,
    )
    return a.body.channels.voice.activeTasks === 0 ? true : undefined
  })

async function events(): Promise<Ev[]> {
  return (await server.sb.queries.events('demo', { afterSeq: 0, limit: 5000 })) as unknown as Ev[]
}

const registered = (phone: Phone) => phone.waitFor(/200 OK \(\) \[1 binding\]/, 10_000, 0)

beforeAll(async () => {
  rtp = await startRtpengine()
  const docs = demoDocs()
  const demo = docs[0]!
  // Quicker than the demo: 5 s ring timeout, 2 s wrap-up, an announcement every 4 s.
  demo.queues = demo.queues.map((q) =>
    q.id === 'voice-support' ? { ...q, offerTimeoutSeconds: 5, wrapUpSeconds: 2 } : q,
  )
  demo.voice = { ...demo.voice!, announceEverySeconds: 4 }
  server = await startVoiceServer(docs, rtp)
  sip = `127.0.0.1:${server.voice!.sip.port}`
  server.voice!.trace(trace.listen)
  for (const u of ['agent1', 'agent2']) await login(u, 'agent')
  await login('supervisor', 'supervisor')
  // agent1's phone rings without answering; agent2's answers at once.
  agent1 = await Phone.start({
    account: `<sip:801@${sip};transport=udp>;auth_pass=phone801;regint=600`,
    toneHz: AGENT1_HZ,
    autoAnswer: false,
  })
  agent2 = await Phone.start({
    account: `<sip:802@${sip};transport=udp>;auth_pass=phone802;regint=600`,
    toneHz: AGENT2_HZ,
    autoAnswer: true,
  })
  caller = await Phone.caller('5551234', CALLER_HZ)
  caller2 = await Phone.caller('5559876', CALLER_HZ)
  await Promise.all([registered(agent1), registered(agent2)])
}, 60_000)

afterAll(async () => {
  await Promise.all([agent1, agent2, caller, caller2].map((p) => p?.stop()))
  await server?.stop()
  await rtp?.stop()
})

describe('voice calls through the B2BUA and rtpengine, with real SIP phones', () => {
  it('makes an agent routable for calls only while its phone is registered', async () => {
    const { body } = await api<{ channels: { voice: { reachable: boolean } } }>(
      'GET',
      '/api/v1/agents/agent1',
      'agent1',
    )
    expect(body.channels.voice.reachable).toBe(true)
    // A phone with the wrong password is refused and its agent stays unreachable.
    const intruder = await Phone.start({
      account: `<sip:803@${sip};transport=udp>;auth_pass=wrong;regint=600`,
      toneHz: 500,
      autoAnswer: true,
    })
    try {
      await intruder.waitFor(/401 Unauthorized|403|failed/i, 10_000, 0)
      await login('agent3', 'agent')
      const a3 = await api<{ channels: { voice: { reachable: boolean } } }>(
        'GET',
        '/api/v1/agents/agent3',
        'agent3',
      )
      expect(a3.body.channels.voice.reachable).toBe(false)
    } finally {
      await intruder.stop()
    }
  })

  it('queues a call with music, rings the longest-available agent, moves on at the ring timeout, bridges audio both ways and records it', async () => {
    await setVoice('agent1', 'ready')
    await new Promise((r) => setTimeout(r, 50))
    await setVoice('agent2', 'ready')
    const mark = caller.mark
    caller.dial(`sip:8000@${sip}`)
    await caller.waitFor(/Call established/, 10_000, mark)
    // agent1 (ready longest) rings and does not answer; after 5 s the call goes to agent2.
    await agent1.waitFor(/Incoming call/i, 10_000, 0)
    await agent2.waitFor(/Call established/, 20_000, 0)
    await new Promise((r) => setTimeout(r, 4000))
    caller.hangup()
    await caller.waitFor(/session closed|terminated/i, 10_000, mark)

    const queued = (await events()).find((e) => e.type === 'ContactQueued')!
    // The caller's BYE is answered at once; the contact ends a moment later.
    const all = await until('the contact to end', async () => {
      const now = await events()
      return now.some((e) => e.type === 'ContactEnded' && e.contactId === queued.contactId) ? now : undefined
    })
    const mine = all.filter((e) => e.contactId === queued.contactId)
    expect(mine.filter((e) => e.type === 'ContactOffered').map((e) => e.agentId)).toEqual([
      'agent1',
      'agent2',
    ])
    expect(mine.find((e) => e.type === 'OfferTimedOut')).toMatchObject({ agentId: 'agent1' })
    expect(mine.find((e) => e.type === 'ContactConnected')).toMatchObject({ agentId: 'agent2' })
    expect(mine.find((e) => e.type === 'ContactEnded')).toMatchObject({ by: 'customer' })

    // The caller heard the hold music while agent1's phone rang, then agent2's tone.
    const heard = readWav(await caller.lastHeard())
    const callerSeconds = seconds(heard.channels[0]!, heard.rate, [...MUSIC, AGENT2_HZ])
    const musicSecond = callerSeconds.findIndex((s) => MUSIC.some((f) => (s.share[f] ?? 0) > 0.2))
    const agentSecond = callerSeconds.findIndex((s) => (s.share[AGENT2_HZ] ?? 0) > 0.5)
    expect(musicSecond).toBeGreaterThanOrEqual(0)
    expect(agentSecond).toBeGreaterThan(musicSecond)
    // agent2 heard the caller's tone.
    const a2 = readWav(await agent2.lastHeard())
    expect(
      seconds(a2.channels[0]!, a2.rate, [CALLER_HZ]).filter((s) => (s.share[CALLER_HZ] ?? 0) > 0.5).length,
    ).toBeGreaterThanOrEqual(2)

    // The server's recording: the caller on the left, the agent on the right.
    const info = await until('the recording', async () => {
      const c = await api<{ recording?: { url: string; durationMs: number } | null }>(
        'GET',
        `/api/v1/contacts/${queued.contactId}`,
        'supervisor',
      )
      return c.body.recording ?? undefined
    })
    expect(info.durationMs).toBeGreaterThan(3000)
    const wav = await api<Buffer>('GET', info.url, 'supervisor')
    expect(wav.status).toBe(200)
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'rec-')), 'call.wav')
    writeFileSync(file, wav.body)
    const rec = readWav(file)
    expect(rec.channels).toHaveLength(2)
    const left = seconds(rec.channels[0]!, rec.rate, [CALLER_HZ])
    const right = seconds(rec.channels[1]!, rec.rate, [AGENT2_HZ])
    expect(left.filter((s) => (s.share[CALLER_HZ] ?? 0) > 0.5).length).toBeGreaterThanOrEqual(3)
    expect(right.filter((s) => (s.share[AGENT2_HZ] ?? 0) > 0.5).length).toBeGreaterThanOrEqual(2)
    // Agents may not download recordings.
    expect((await api('GET', info.url, 'agent2')).status).toBe(403)
  }, 60_000)

  it('counts a caller who hangs up while queued as abandoned, with music and announcements meanwhile', async () => {
    await setVoice('agent1', 'not_ready')
    await voiceFree('agent2')
    // agent2 takes a first call; the second caller has to wait.
    let mark = caller.mark
    caller.dial(`sip:8000@${sip}`)
    await caller.waitFor(/Call established/, 10_000, mark)
    await agent2.waitFor(/Call established/, 10_000, mark === 0 ? 0 : undefined)
    const mark2 = caller2.mark
    caller2.dial(`sip:8000@${sip}`)
    await caller2.waitFor(/Call established/, 10_000, mark2)
    // Long enough for the first announcement (about 6 s) and some music after it.
    await new Promise((r) => setTimeout(r, 13_000))
    caller2.hangup()
    await caller2.waitFor(/session closed|terminated/i, 10_000, mark2)
    mark = caller.mark
    caller.hangup()
    await caller.waitFor(/session closed|terminated/i, 10_000, mark)

    const all = await events()
    const second = all.filter((e) => e.type === 'ContactQueued').at(-1)!
    const ended = await until('the abandoned contact', async () => {
      const c = await api<{ state: string }>('GET', `/api/v1/contacts/${second.contactId}`, 'supervisor')
      return c.body.state === 'abandoned' ? c.body : undefined
    })
    expect(ended.state).toBe('abandoned')
    expect(all.some((e) => e.type === 'ContactOffered' && e.contactId === second.contactId)).toBe(false)

    // While waiting: music, and something that is not music (the spoken position), both heard.
    const heard = readWav(await caller2.lastHeard())
    const s = seconds(heard.channels[0]!, heard.rate, MUSIC)
    const music = s.filter((x) => MUSIC.some((f) => (x.share[f] ?? 0) > 0.2)).length
    const speech = s.filter((x) => x.rms > 500 && MUSIC.every((f) => (x.share[f] ?? 0) < 0.05)).length
    expect(music).toBeGreaterThanOrEqual(2)
    expect(speech).toBeGreaterThanOrEqual(1)
  }, 60_000)

  it('cancels the ringing phone when the caller hangs up first, and counts the call abandoned', async () => {
    await voiceFree('agent2')
    await setVoice('agent2', 'not_ready')
    await setVoice('agent1', 'ready')
    const mark = caller.mark
    const a1 = agent1.mark
    caller.dial(`sip:8000@${sip}`)
    await caller.waitFor(/Call established/, 10_000, mark)
    await agent1.waitFor(/Incoming call/i, 10_000, a1)
    caller.hangup()
    // agent1's phone stops ringing: our CANCEL reached it.
    await agent1.waitFor(/terminated|closed|cancel/i, 10_000, a1)
    const call = (await events()).filter((e) => e.type === 'ContactQueued').at(-1)!
    const mine = await until('the contact to end', async () => {
      const now = (await events()).filter((e) => e.contactId === call.contactId)
      return now.some((e) => e.type === 'ContactEnded') ? now : undefined
    })
    expect(mine.find((e) => e.type === 'OfferRescinded')).toMatchObject({
      agentId: 'agent1',
      reason: 'abandoned',
    })
    expect(mine.find((e) => e.type === 'ContactEnded')).toMatchObject({ by: 'customer', state: 'abandoned' })
    await setVoice('agent1', 'not_ready')
    await setVoice('agent2', 'ready')
  }, 60_000)

  it("plays music to the caller while the agent holds, and follows a blind transfer from the agent's phone", async () => {
    await voiceFree('agent2')
    const mark = caller.mark
    const a2 = agent2.mark
    caller.dial(`sip:8000@${sip}`)
    await caller.waitFor(/Call established/, 10_000, mark)
    await agent2.waitFor(/Call established/, 10_000, a2)
    await new Promise((r) => setTimeout(r, 2000))
    agent2.command('/hold')
    await new Promise((r) => setTimeout(r, 3000))
    agent2.command('/resume')
    await new Promise((r) => setTimeout(r, 3000))
    await setVoice('agent1', 'ready')
    const a1 = agent1.mark
    agent2.command(`/transfer sip:801@${sip}`)
    await agent1.waitFor(/Incoming call/i, 10_000, a1)
    await new Promise((r) => setTimeout(r, 1500))
    agent1.command('/accept')
    await agent1.waitFor(/Call established/, 10_000, a1)
    await new Promise((r) => setTimeout(r, 3000))
    caller.hangup()
    await caller.waitFor(/session closed|terminated/i, 10_000, mark)

    const call = (await events()).filter((e) => e.type === 'ContactQueued').at(-1)!
    const all = await until('the contact to end', async () => {
      const now = await events()
      return now.some((e) => e.type === 'ContactEnded' && e.contactId === call.contactId) ? now : undefined
    })
    const mine = all.filter((e) => e.contactId === call.contactId)
    expect(mine.find((e) => e.type === 'ContactTransferred')).toMatchObject({
      fromAgentId: 'agent2',
      toAgentId: 'agent1',
    })
    expect(mine.filter((e) => e.type === 'ContactConnected').map((e) => e.agentId)).toEqual([
      'agent2',
      'agent1',
    ])
    expect(mine.find((e) => e.type === 'ContactEnded')).toMatchObject({ agentId: 'agent1', by: 'customer' })

    // What the caller heard, second by second: agent2, music (held 3 s, then ringing agent1), agent1.
    // (baresip drops a moment of audio when the stream's source changes, so seconds are counted,
    // not lined up exactly.)
    const heard = readWav(await caller.lastHeard())
    const timeline = seconds(heard.channels[0]!, heard.rate, [...MUSIC, AGENT1_HZ, AGENT2_HZ]).map((x) =>
      (x.share[AGENT2_HZ] ?? 0) > 0.5
        ? 'agent2'
        : (x.share[AGENT1_HZ] ?? 0) > 0.5
          ? 'agent1'
          : MUSIC.some((f) => (x.share[f] ?? 0) > 0.2)
            ? 'music'
            : 'other',
    )
    const count = (what: string) => timeline.filter((t) => t === what).length
    const why = timeline.join(' ')
    expect(count('agent2'), why).toBeGreaterThanOrEqual(2)
    expect(count('music'), why).toBeGreaterThanOrEqual(3)
    expect(count('agent1'), why).toBeGreaterThanOrEqual(2)
    expect(timeline.indexOf('agent2'), why).toBeLessThan(timeline.lastIndexOf('agent1'))
    expect(timeline.lastIndexOf('agent2'), why).toBeLessThan(timeline.indexOf('agent1'))
  }, 60_000)

  it('kept to RFC 3261 in every SIP message of these calls', () => {
    const methods = new Set(
      trace.messages.filter((t) => t.msg.kind === 'request').map((t) => (t.msg as { method: string }).method),
    )
    // The trace covers whole calls: registration, set-up, ring timeout, hold, transfer, hang-up.
    for (const m of ['REGISTER', 'INVITE', 'ACK', 'CANCEL', 'BYE', 'REFER', 'NOTIFY'])
      expect(methods).toContain(m)
    expect(breachesOfRfc3261(trace.messages)).toEqual([])
  })

  it('item 8: a server that stops hangs up its calls and leaves rtpengine none (10.5 crashes on stop with a recorded one)', async () => {
    await until('agent2 free for a call', async () => {
      const a = await api<{ channels: { voice: { state: string; activeTasks: number } } }>(
        'GET',
        '/api/v1/agents/agent2',
        'agent2',
      )
      return a.body.channels.voice.state === 'ready' && a.body.channels.voice.activeTasks === 0
        ? true
        : undefined
    })
    const mark = caller2.mark
    const a2 = agent2.mark
    caller2.dial(`sip:8000@${sip}`)
    await agent2.waitFor(/Call established/, 15_000, a2)
    const [host, port] = rtp.ng.split(':')
    const ng = await NgClient.open({ host: host!, port: Number(port) })
    try {
      expect((await ng.command('list', { limit: 100 })).calls).toHaveLength(1)
      await server.stop()
      // Both phones are told the call is over, and rtpengine holds no call (nor its recording).
      await caller2.waitFor(/session closed|terminated/i, 10_000, mark)
      await agent2.waitFor(/session closed|terminated/i, 10_000, a2)
      expect((await ng.command('list', { limit: 100 })).calls).toEqual([])
    } finally {
      ng.close()
    }
  })
})
