import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { RunningServer } from '../../src/main.js'
import { demoDocs } from '../support/harness.js'
import { jssipPhone } from '../support/jssip-node.js'
import type { SipMessage } from '../../src/channels/voice/sip/message.js'
import type { SipEndpoint } from '../../src/channels/voice/sip/transport.js'
import { breachesOfRfc3261, recorder } from '../support/sip-trace.js'
import { until } from '../support/until.js'
import { startVoiceServer } from '../support/voice-server.js'

// SIP over WebSocket (RFC 7118) on the HTTP server, with JsSIP (the library the browser pages
// use) as the client: over WS on a plain server, and over WSS on a server with a certificate.
// Registration needs no media server: calls with audio are tested in Chromium.

const NO_MEDIA = { ng: '127.0.0.1:9' }
let plain: RunningServer
let secure: RunningServer
const trace = recorder()
const peers: { dir: 'in' | 'out'; msg: SipMessage; peer: SipEndpoint }[] = []
const dir = mkdtempSync(path.join(os.tmpdir(), 'sip-ws-'))
const certFile = path.join(dir, 'cert.pem')
const keyFile = path.join(dir, 'key.pem')

beforeAll(async () => {
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile],
    ],
    { stdio: 'ignore' },
  )
  plain = await startVoiceServer(demoDocs(), NO_MEDIA)
  plain.voice!.trace((dir, msg, peer) => {
    trace.listen(dir, msg)
    peers.push({ dir, msg, peer })
  })
  secure = await startVoiceServer(demoDocs(), NO_MEDIA, {}, { tls: { certFile, keyFile } })
}, 60_000)

afterAll(async () => {
  await plain?.stop()
  await secure?.stop()
})

const wsUrl = (server: RunningServer, p: string) => `${server.url.replace(/^http/, 'ws')}${p}`
const reachable = (server: RunningServer) =>
  server.sb.runtime('demo').query({ type: 'agent', agentId: 'agent1' })?.channels.voice?.reachable === true

/** How the server answers a WebSocket handshake: the protocol it chose, or the HTTP refusal. */
function handshake(
  url: string,
  protocols: string[],
): Promise<{ status: number; protocol?: string; body?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols)
    ws.once('open', () => {
      resolve({ status: 101, protocol: ws.protocol })
      ws.close()
    })
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: (JSON.parse(body) as { error: { message: string } }).error.message,
        }),
      )
    })
    ws.once('error', (e) => {
      if (!/Unexpected server response|Server sent no subprotocol/.test(e.message)) reject(e)
    })
  })
}

describe('SIP over WebSocket', () => {
  it('a JsSIP phone registers over WS with digest, and is unbound the moment its WebSocket closes', async () => {
    const phone = jssipPhone({
      url: wsUrl(plain, '/sip'),
      user: '801',
      domain: '127.0.0.1',
      password: 'phone801',
    })
    try {
      await phone.registered
      await until('801 reachable', () => (reachable(plain) ? true : undefined))
      const register = peers.find((m) => m.dir === 'in' && m.msg.kind === 'request')
      expect(register?.peer.transport).toBe('WS')
      expect(register?.msg.headers.get('via')).toMatch(/^SIP\/2\.0\/WS /)
      expect(peers.filter((m) => m.dir === 'out').every((m) => m.peer.transport === 'WS')).toBe(true)
      expect(breachesOfRfc3261(trace.messages)).toEqual([])
      const binding = plain.voice!.channel.registrar.binding('demo', '801')
      expect(binding?.source.transport).toBe('WS')
    } finally {
      // The browser goes (a closed tab): no un-REGISTER, only the WebSocket's close.
      phone.ua.terminateSessions()
      ;(phone.ua as unknown as { _transport: { disconnect(): void } })._transport.disconnect()
    }
    await until('801 unreachable', () => (reachable(plain) ? undefined : true))
    expect(plain.voice!.channel.registrar.binding('demo', '801')).toBeUndefined()
    await phone.stop()
  })

  it("the desktop's softphone registers with credentials made from the agent's login, never a SIP password", async () => {
    const login = (await (
      await fetch(`${plain.url}/api/v1/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'agent1', password: 'agent' }),
      })
    ).json()) as { token: string; expiresAt: string }
    const res = await fetch(`${plain.url}/api/v1/softphone`, {
      headers: { authorization: `Bearer ${login.token}` },
    })
    expect(res.status).toBe(200)
    const sp = (await res.json()) as Record<string, string>
    expect(sp).toMatchObject({ extension: '801', webSocket: wsUrl(plain, '/sip'), uri: 'sip:801@127.0.0.1' })
    expect(sp.username).toMatch(/^801\./)
    expect(Date.parse(sp.expiresAt!)).toBeLessThanOrEqual(Date.parse(login.expiresAt))
    const phone = jssipPhone({
      url: sp.webSocket!,
      user: '801',
      domain: '127.0.0.1',
      authorizationUser: sp.username!,
      password: sp.password!,
    })
    try {
      await phone.registered
      await until('801 reachable', () => (reachable(plain) ? true : undefined))
    } finally {
      await phone.stop()
    }
    // Another extension's name with this password, or a forged expiry, is refused.
    for (const [user, authorizationUser] of [
      ['802', sp.username!.replace(/^801/, '802')],
      ['801', `801.${(Math.floor(Date.now() / 1000) + 10 * 86_400).toString(36)}`],
    ] as const) {
      const forged = jssipPhone({
        url: sp.webSocket!,
        user,
        domain: '127.0.0.1',
        authorizationUser,
        password: sp.password!,
      })
      await expect(forged.registered).rejects.toThrow(/registration failed/i)
      await forged.stop()
    }
    // A supervisor has no extension of its own: a clear refusal.
    const sup = (await (
      await fetch(`${plain.url}/api/v1/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'supervisor', password: 'supervisor' }),
      })
    ).json()) as { token: string }
    const none = await fetch(`${plain.url}/api/v1/softphone`, {
      headers: { authorization: `Bearer ${sup.token}` },
    })
    expect(none.status).toBe(403)
  })

  it('a wrong password is refused over WS as over UDP', async () => {
    const phone = jssipPhone({
      url: wsUrl(plain, '/sip'),
      user: '801',
      domain: '127.0.0.1',
      password: 'wrong',
    })
    await expect(phone.registered).rejects.toThrow(/registration failed/i)
    await phone.stop()
  })

  it('the handshake: subprotocol sip on /sip only; an HTTP error, never 101 then a close, elsewhere', async () => {
    expect(await handshake(wsUrl(plain, '/sip'), ['sip'])).toEqual({ status: 101, protocol: 'sip' })
    const noProtocol = await handshake(wsUrl(plain, '/sip'), [])
    expect(noProtocol.status).toBe(400)
    expect(noProtocol.body).toMatch(/subprotocol "sip"/)
    const elsewhere = await handshake(wsUrl(plain, '/api/v1/agents/me'), ['sip'])
    expect(elsewhere.status).toBe(400)
    expect(elsewhere.body).toMatch(/SIP over WebSocket is at \/sip/)
    const page = await handshake(wsUrl(plain, '/agent/'), [])
    expect(page.status).toBe(400)
    const http = await fetch(`${plain.url}/sip`)
    expect(http.status).toBe(426)
    expect(http.headers.get('upgrade')).toBe('websocket')
  })

  it('with a certificate the server is HTTPS, and a JsSIP phone registers over WSS', async () => {
    expect(secure.url).toMatch(/^https:/)
    const ca = readFileSync(certFile)
    const phone = jssipPhone({
      url: wsUrl(secure, '/sip'),
      user: '801',
      domain: '127.0.0.1',
      password: 'phone801',
      ca,
    })
    try {
      await phone.registered
      expect(secure.voice!.channel.registrar.binding('demo', '801')?.source.transport).toBe('WSS')
      await until('801 reachable', () => (reachable(secure) ? true : undefined))
    } finally {
      await phone.stop()
    }
  })
})
