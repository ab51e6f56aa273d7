import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import type { RunningServer } from '../../src/main.js'
import { startServer } from '../../src/main.js'
import { postgresBackend } from '../e2e/backends.js'
import { Phone } from '../support/baresip.js'
import { demoDocs } from '../support/harness.js'
import { natsUrl } from '../support/nats.js'
import type { RunningRtpengine } from '../support/rtpengine.js'
import { startRtpengine } from '../support/rtpengine.js'
import { readWav, seconds } from '../support/tones.js'
import { until } from '../support/until.js'

const CALLER_HZ = 440
const AGENT_HZ = 1320
const nats = natsUrl()
const root = process.env.TEST_DATABASE_URL
if (process.env.CI && !root) throw new Error('CI requires TEST_DATABASE_URL for the cluster voice suite')

// Two cluster nodes in this process, on one PostgreSQL database, the machine's NATS and one
// rtpengine: the agent's phone registers through the node that owns the tenant, the caller
// reaches the other one. The call stays where it arrived; the router's decisions come over NATS.
if (nats && root)
  describe('a call at one cluster node rings a phone registered through another', () => {
    const database = postgresBackend(root)
    let rtp: RunningRtpengine
    const nodes: Record<string, RunningServer> = {}
    let agent: Phone
    let caller: Phone

    beforeAll(async () => {
      rtp = await startRtpengine()
      const docs = demoDocs()
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
      await Promise.all([agent, caller].map((p) => p?.stop()))
      for (const n of Object.values(nodes)) await n.stop()
      await rtp?.stop()
      await database.cleanup()
    })

    it('takes the call where it arrived, rings the agent through the owner-registered phone, and bridges audio', async () => {
      const owner = await until('a node owns demo', () =>
        Object.values(nodes).find((n) => n.sb.isRunning('demo')),
      )
      const other = Object.values(nodes).find((n) => n !== owner)!
      const sipOf = (n: RunningServer) => `127.0.0.1:${n.voice!.sip.port}`
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
      const login = await fetch(`${other.url}/api/v1/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'agent2', password: 'agent' }),
      })
      const { token } = (await login.json()) as { token: string }
      const setVoice = async (state: string) => {
        const res = await fetch(`${other.url}/api/v1/agents/agent2/channels/voice`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ state }),
        })
        return ((await res.json()) as { channels: { voice: unknown } }).channels.voice
      }
      expect(await setVoice('ready')).toMatchObject({ state: 'ready', reachable: true })

      caller = await Phone.caller('5551234', CALLER_HZ)
      const mark = caller.mark
      caller.dial(`sip:8000@${sipOf(other)}`)
      await caller.waitFor(/Call established/, 10_000, mark)
      // The agent's phone rings; the caller hears the queue's music until the agent answers. (An
      // instant answer would not do for baresip 1.0: a new source within its first five frames is
      // not flushed from its jitter buffer, and one whose sequence numbers lie behind the first
      // source's is then dropped as late, all call long.)
      await agent.waitFor(/Incoming call/i, 20_000, 0)
      await caller.hearing(500)
      agent.command('/accept')
      await agent.waitFor(/Call established/, 20_000, 0)
      expect(other.voice!.channel.activeCalls).toBe(1)
      expect(owner.voice!.channel.activeCalls).toBe(0)
      await caller.hearing(caller.heardMs() + 3000) // three seconds of conversation to listen to
      caller.hangup()
      await caller.waitFor(/session closed|terminated/i, 10_000, mark)

      const events = await until('the call ended in the log', async () => {
        const all = (await owner.sb.queries.events('demo', { afterSeq: 0, limit: 1000 })) as unknown as {
          type: string
          agentId?: string
          by?: string
        }[]
        return all.some((e) => e.type === 'ContactEnded') ? all : undefined
      })
      expect(events.find((e) => e.type === 'ContactConnected')).toMatchObject({ agentId: 'agent2' })
      expect(events.find((e) => e.type === 'ContactEnded')).toMatchObject({ by: 'customer' })
      // The caller heard the agent, through the rtpengine of the node the call arrived at.
      const heard = readWav(await caller.lastHeard())
      const timeline = seconds(heard.channels[0]!, heard.rate, [AGENT_HZ])
      expect(
        timeline.filter((s) => (s.share[AGENT_HZ] ?? 0) > 0.5).length,
        JSON.stringify({ timeline, recording: caller.heard().at(-1) }),
      ).toBeGreaterThanOrEqual(2)
    }, 90_000)
  })
