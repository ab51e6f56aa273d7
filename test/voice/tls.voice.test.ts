import { agentState } from '../../src/core/commands.js'
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { topVia } from '../../src/channels/voice/sip/message.js'
import type { RunningServer } from '../../src/main.js'
import { Phone } from '../support/baresip.js'
import { demoDocs } from '../support/harness.js'
import type { RunningRtpengine } from '../support/rtpengine.js'
import { startRtpengine } from '../support/rtpengine.js'
import { recorder } from '../support/sip-trace.js'
import { until } from '../support/until.js'
import { startVoiceServer } from '../support/voice-server.js'

// SIP over TLS (RFC 3261 §26) with a self-signed certificate made for the test: a real phone
// (baresip, trusting that certificate) registers over TLS and takes a call on that connection.

let rtp: RunningRtpengine
let server: RunningServer
let agent: Phone | undefined
let caller: Phone | undefined
const trace = recorder()
const dir = mkdtempSync(path.join(os.tmpdir(), 'sip-tls-'))
const cert = path.join(dir, 'cert.pem')

beforeAll(async () => {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  )
  rtp = await startRtpengine()
  server = await startVoiceServer(demoDocs(), rtp, {
    sipTls: { port: 0, certFile: cert, keyFile: path.join(dir, 'key.pem') },
  })
  server.voice!.trace(trace.listen)
}, 60_000)

afterAll(async () => {
  await agent?.stop()
  await caller?.stop()
  await server?.stop()
  await rtp?.stop()
})

describe('SIP over TLS', () => {
  it('a phone registers over TLS and its calls ring on that connection', async () => {
    const tlsPort = server.voice!.sip.tlsPort!
    expect(tlsPort).toBeGreaterThan(0)
    agent = await Phone.start({
      account: `<sip:801@127.0.0.1:${tlsPort};transport=tls>;auth_pass=phone801;regint=600`,
      toneHz: 880,
      autoAnswer: true,
      config: [`sip_cafile ${cert}`],
    })
    await agent.waitFor(/200 OK \(\) \[1 binding\]/, 10_000, 0)
    const runtime = server.sb.runtime('demo')
    await until('801 reachable', () =>
      runtime.query({ type: 'agent', agentId: 'agent1' })?.channels.voice?.reachable ? true : undefined,
    )
    await runtime.run(agentState('agent1', 'voice', 'ready', 'agent1'))
    caller = await Phone.caller('5551234', 440)
    caller.dial(`sip:8000@127.0.0.1:${server.voice!.sip.port}`)
    await agent.waitFor(/Call established/, 20_000, 0)
    // The INVITE to the phone went over TLS, on the connection the phone opened.
    const invite = trace.messages.find(
      (t) => t.dir === 'out' && t.msg.kind === 'request' && t.msg.method === 'INVITE',
    )
    expect(invite && topVia(invite.msg).transport).toBe('TLS')
    const register = trace.messages.find(
      (t) => t.dir === 'in' && t.msg.kind === 'request' && t.msg.method === 'REGISTER',
    )
    expect(register && topVia(register.msg).transport).toBe('TLS')
    caller.hangup()
  }, 60_000)
})
