import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { localDate } from '../../src/core/local-time.js'
import type { RunningServer } from '../../src/main.js'
import { startServer } from '../../src/main.js'
import { postgresBackend } from '../e2e/backends.js'
import { Phone } from '../support/baresip.js'
import { demoDocs } from '../support/harness.js'
import { loginAt } from '../support/login.js'
import { natsUrl } from '../support/nats.js'
import { PushSink } from '../support/pbx-sink.js'
import type { RunningRtpengine } from '../support/rtpengine.js'
import { startRtpengine } from '../support/rtpengine.js'
import { readWav, seconds } from '../support/tones.js'
import { until } from '../support/until.js'

const CALLER_HZ = 440
const AGENT_HZ = 1320
const TCP_AGENT_HZ = 880
const WEBKEY = 'crm-secret'
const nats = natsUrl()
const root = process.env.TEST_DATABASE_URL
if (process.env.CI && !root) throw new Error('CI requires TEST_DATABASE_URL for the cluster voice suite')

/** The seconds of a phone's last call in which the tone of `hz` made most of what it heard. */
async function secondsOf(phone: Phone, hz: number) {
  const heard = readWav(await phone.lastHeard())
  const timeline = seconds(heard.channels[0]!, heard.rate, [hz])
  return { count: timeline.filter((x) => (x.share[hz] ?? 0) > 0.5).length, timeline }
}

async function pbx(node: RunningServer, method: string, path: string, form?: string) {
  const key = createHash('md5')
    .update(WEBKEY + localDate('Europe/London', Date.now()))
    .digest('hex')
  const res = await fetch(`${node.url}/coocenter-api${path}`, {
    method,
    headers: {
      accept: 'application/json',
      authorization: key,
      ...(form !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: form,
  })
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test reads the answer it expects
  return { status: res.status, body: (await res.json()) as any }
}

// Two cluster nodes in this process, on one PostgreSQL database, the machine's NATS and one
// rtpengine: the agent's phone registers through the node that owns the tenant, the caller
// reaches the other one. The call stays where it arrived; the router's decisions come over NATS.
if (nats && root)
  describe('a call at one cluster node rings a phone registered through another', () => {
    const database = postgresBackend(root)
    let rtp: RunningRtpengine
    const nodes: Record<string, RunningServer> = {}
    let agent: Phone
    let tcpAgent: Phone
    let caller: Phone
    let sink: PushSink
    // The node that runs the tenant's router (the phone registers through it), and the other one.
    let owner: RunningServer
    let other: RunningServer
    const sipOf = (n: RunningServer) => `127.0.0.1:${n.voice!.sip.port}`
    /**
     * The caller reaches the node that does not own the tenant; the agent's phone rings and is
     * answered once the caller has heard the queue's music. (An instant answer would not do for
     * baresip 1.0: a new source within its first five frames is not flushed from its jitter
     * buffer, and one whose sequence numbers lie behind the first source's is then dropped as
     * late, all call long.) Resolves with where the caller's and the agent's logs were.
     */
    const answeredCall = async (agentPhone: Phone) => {
      const marks = { caller: caller.mark, agent: agentPhone.mark }
      caller.dial(`sip:8000@${sipOf(other)}`)
      await caller.waitFor(/Call established/, 10_000, marks.caller)
      await agentPhone.waitFor(/Incoming call/i, 20_000, marks.agent)
      await caller.hearing(500)
      agentPhone.command('/accept')
      await agentPhone.waitFor(/Call established/, 20_000, marks.agent)
      expect(other.voice!.channel.activeCalls).toBe(1)
      expect(owner.voice!.channel.activeCalls).toBe(0)
      return marks
    }
    /** An agent's state on a channel, set through the node the call does not reach. */
    const setState = async (agentId: string, state: string, channel = 'voice') => {
      const token = await loginAt(other.url, agentId, 'agent')
      const res = await fetch(`${other.url}/api/v1/agents/${agentId}/channels/${channel}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ state }),
      })
      return ((await res.json()) as { channels: Record<string, unknown> }).channels[channel]
    }
    const setVoice = (agentId: string, state: string) => setState(agentId, state)
    const events = async (n: RunningServer) =>
      (await n.sb.queries.events('demo', { afterSeq: 0, limit: 1000 })) as unknown as {
        type: string
        contactId?: string
        agentId?: string
        by?: string
      }[]

    beforeAll(async () => {
      rtp = await startRtpengine()
      sink = await PushSink.start()
      const docs = demoDocs()
      docs[0]!.pbx = {
        ...docs[0]!.pbx!,
        webKey: WEBKEY,
        pushUrl: sink.url,
        allowPrivateNetwork: true,
        pauseSeconds: 2,
      }
      const configFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'voice-cluster-')), 'config.yaml')
      writeFileSync(configFile, stringify({ tenants: docs }))
      const { DATABASE_URL } = await database.env()
      for (const nodeId of ['a', 'b'])
        nodes[nodeId] = await startServer({
          port: 0,
          host: '127.0.0.1',
          dataDir: undefined,
          databaseUrl: DATABASE_URL,
          configFile,
          logLevel: 'warn',
          cluster: { natsUrl: nats, nodeId, leaseMs: 3000 },
          voice: { sipHost: '127.0.0.1', sipPort: 0, rtpengine: rtp.ng },
        })
    }, 60_000)

    afterAll(async () => {
      await Promise.all([agent, tcpAgent, caller].map((p) => p?.stop()))
      for (const n of Object.values(nodes)) await n.stop()
      await rtp?.stop()
      await sink?.stop()
      await database.cleanup()
    })

    it('takes the call where it arrived, rings the agent through the owner-registered phone, and bridges audio', async () => {
      owner = await until('a node owns demo', () => Object.values(nodes).find((n) => n.sb.isRunning('demo')))
      other = Object.values(nodes).find((n) => n !== owner)!
      agent = await Phone.start({
        account: `<sip:802@${sipOf(owner)};transport=udp>;auth_pass=phone802;regint=600`,
        toneHz: AGENT_HZ,
        autoAnswer: false,
      })
      await agent.waitFor(/200 OK \(\) \[1 binding\]/, 10_000, 0)
      // The other node learnt the binding over NATS.
      await until('the other node knows the phone', () =>
        other.voice!.channel.registrar.binding('demo', '802') ? true : undefined,
      )
      expect(await setVoice('agent2', 'ready')).toMatchObject({ state: 'ready', reachable: true })

      caller = await Phone.caller('5551234', CALLER_HZ)
      const { caller: mark } = await answeredCall(agent)
      await caller.hearing(caller.heardMs() + 3000) // three seconds of conversation to listen to
      caller.hangup()
      await caller.waitFor(/session closed|terminated/i, 10_000, mark)

      const log = await until('the call ended in the log', async () => {
        const all = await events(owner)
        return all.some((e) => e.type === 'ContactEnded') ? all : undefined
      })
      expect(log.find((e) => e.type === 'ContactConnected')).toMatchObject({ agentId: 'agent2' })
      expect(log.find((e) => e.type === 'ContactEnded')).toMatchObject({ by: 'customer' })
      // The caller heard the agent, through the rtpengine of the node the call arrived at.
      const agentTone = await secondsOf(caller, AGENT_HZ)
      expect(
        agentTone.count,
        JSON.stringify({ timeline: agentTone.timeline, recording: caller.heard().at(-1) }),
      ).toBeGreaterThanOrEqual(2)
    }, 90_000)

    it("shows and ends the call through 004's API of the node that does not hold it; extension statuses go out once", async () => {
      // The first call's after-call pause is over: 802 is at rest again.
      const hintOf802 = async (n: RunningServer) => {
        const all = (await pbx(n, 'GET', '/extensions/extension-hints-status')).body as {
          extension: string
          status: string
        }[]
        return all.find((h) => h.extension === '802')?.status
      }
      await until('802 idle again', async () => ((await hintOf802(owner)) === '0' ? true : undefined))
      const before = sink.events.length
      const { agent: agentMark } = await answeredCall(agent)

      // The owner's node lists the call held by the other, and says 802 is in a call.
      const calls = await pbx(owner, 'POST', '/extensions/current-calls')
      expect(calls.body.data).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            calleridnum: '5551234',
            connectedlinenum: '802',
            channelstatedesc: 'Up',
          }),
          expect.objectContaining({ calleridnum: '802', connectedlinenum: '5551234', channelstate: '6' }),
        ]),
      )
      expect(await hintOf802(owner)).toBe('1')
      expect(await hintOf802(other)).toBe('1')
      // ...and hangs it up there.
      expect(await pbx(owner, 'POST', '/extensions/hangup', 'extension=802')).toEqual({
        status: 200,
        body: { status: 'success', message: 'hangup extension success' },
      })
      await agent.waitFor(/terminated|closed/i, 10_000, agentMark)
      const ended = await until('the call ended by the agent', async () =>
        (await events(owner)).filter((e) => e.type === 'ContactEnded').at(-1)?.by === 'agent'
          ? true
          : undefined,
      )
      expect(ended).toBe(true)
      // Hanging up an extension in no call is an error in 004's form, from either node.
      expect((await pbx(other, 'POST', '/extensions/hangup', 'extension=802')).body.status).toBe('error')

      // 802 went ringing, in call, busy (after-call pause), idle: each pushed once, by one node.
      const states = await until('802 idle pushed', () => {
        const s = sink.events
          .slice(before)
          .filter((e) => e.event === 'extensionstatus' && e.exten === '802')
          .map((e) => e.status)
        return s.at(-1) === '0' ? s : undefined
      })
      expect(states).toEqual(['8', '1', '2', '0'])
      expect(sink.breaches).toEqual([])
    }, 90_000)

    it('rings a phone on a TCP connection to the other node through that node, which relays the call', async () => {
      // 803's phone keeps a TCP connection to the owner's node: only that node can reach it.
      tcpAgent = await Phone.start({
        account: `<sip:803@${sipOf(owner)};transport=tcp>;auth_pass=phone803;regint=600`,
        toneHz: TCP_AGENT_HZ,
        autoAnswer: false,
      })
      await tcpAgent.waitFor(/200 OK \(\) \[1 binding\]/, 10_000, 0)
      const binding = await until('the other node knows the TCP phone', () =>
        other.voice!.channel.registrar.binding('demo', '803'),
      )
      expect(binding).toMatchObject({ source: { transport: 'TCP' }, edge: sipOf(owner) })
      expect(await setVoice('agent2', 'not_ready')).toMatchObject({ state: 'not_ready' })
      expect(await setVoice('agent3', 'ready')).toMatchObject({ state: 'ready', reachable: true })

      const { caller: mark } = await answeredCall(tcpAgent)
      await caller.hearing(caller.heardMs() + 2000)
      caller.hangup()
      await caller.waitFor(/session closed|terminated/i, 10_000, mark)
      // The BYE reached the phone through the relay too.
      await tcpAgent.waitFor(/terminated|closed/i, 10_000, 0)

      expect((await secondsOf(caller, TCP_AGENT_HZ)).count).toBeGreaterThanOrEqual(1)
      expect((await secondsOf(tcpAgent, CALLER_HZ)).count).toBeGreaterThanOrEqual(1)
    }, 90_000)

    it('tells a click-to-call’s events (002) on whichever node the page polls, each once', async () => {
      expect(await setState('agent2', 'ready', 'chat')).toMatchObject({ state: 'ready' })
      await setVoice('agent1', 'ready')
      await until('the phone line takes calls', async () => {
        const r = await fetch(`${other.url}/api/v1/entry-points/8000/status`)
        return ((await r.json()) as { allowed: boolean }).allowed ? true : undefined
      })
      const page = await aiccPage(owner)
      const sent = await page(owner, 'POST', '/apiaccess/ccmessaging/send', {
        channel: 'WEB',
        content: 'start',
        controlType: 'CONNECT',
        from: page.userId,
        mediaType: 'TEXT',
        sourceType: 'CUSTOMER',
        to: 'web-1000',
      })
      expect(sent.resultCode).toBe('0')
      const create = { channel: 'WEB', mediaAbility: '0' }
      expect(await page(owner, 'POST', '/apiaccess/ccmessaging/v1/createClickToCall', create)).toMatchObject({
        resultCode: '0',
      })
      // The page's polls reach the other node: it goes on from what the first node wrote down.
      const poll = '/apiaccess/ccmessaging/v1/getClickToCallEvents?channel=WEB'
      expect(await page(other, 'GET', poll)).toMatchObject({ resultCode: '0', eventId: 168102 })
      await page(owner, 'POST', '/apiaccess/ccmessaging/v1/dropClickToCall', { channel: 'WEB' })
      expect(await page(other, 'GET', poll)).toMatchObject({ eventId: 168110, content: { causeId: 0 } })
      // Told its last event: no node has anything more to tell of it.
      expect(await page(owner, 'GET', poll)).toMatchObject({ resultCode: '160032' })
    }, 60_000)
  })

/**
 * A customer's page in document 002's way (its app key, fabric token and ccmessaging token,
 * renewed as the answers say), calling whichever node it is given.
 */
async function aiccPage(first: RunningServer) {
  const userId = `cluster${Date.now()}`
  const token = await fetch(`${first.url}/apigovernance/api/oauth/tokenByAkSk`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ app_key: 'demo-app-key', app_secret: 'demo-app-secret' }),
  })
  const fabric = `Bearer ${((await token.json()) as { AccessToken: string }).AccessToken}`
  let cc = ''
  const call = async (node: RunningServer, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${node.url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        'x-app-key': 'demo-app-key',
        authorization: fabric,
        ...(cc ? { 'ccmessaging-token': cc } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    cc = res.headers.get('ccmessaging-token') ?? cc
    return (await res.json()) as AiccAnswer
  }
  const applied = await call(first, 'POST', '/apiaccess/ccmessaging/applyToken', {
    userId,
    userName: 'Li Lei',
    channelId: 'web-1000',
    locale: 'en_US',
  })
  cc = applied.token ?? ''
  return Object.assign(call, { userId })
}

/** What 002's calls answer, as far as these steps read it. */
interface AiccAnswer {
  resultCode: string
  resultDesc: string
  token?: string
  eventId?: number
  content?: Record<string, unknown>
}
