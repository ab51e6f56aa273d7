import type { Socket } from 'node:dgram'
import { createSocket } from 'node:dgram'
import { parse as parseSdp } from 'sdp-transform'
import { authorizationFor, parseDigest } from '../src/channels/voice/sip/digest.js'
import type { Dialog } from '../src/channels/voice/sip/dialog.js'
import { SipHeaders } from '../src/channels/voice/sip/headers.js'
import type { SipResponse } from '../src/channels/voice/sip/message.js'
import { request } from '../src/channels/voice/sip/message.js'
import { TransactionLayer } from '../src/channels/voice/sip/transactions.js'
import type { SipEndpoint } from '../src/channels/voice/sip/transport.js'
import { SipTransport } from '../src/channels/voice/sip/transport.js'
import { SipUserAgent } from '../src/channels/voice/sip/user-agent.js'
import { startRtpengine } from '../test/support/rtpengine.js'
import { firstLine, spawnTs } from './child.js'
import { cpuSeconds } from './proc.js'
import type { BenchResult } from './stats.js'
import { fmt, percentile, verdict } from './stats.js'

const CALLS = 50
const HOLD_MS = 20_000
const PASSWORD = 'loadpass'

/** A phone's media: sends a PCMU packet every 20 ms to where its peer's SDP says, counts what comes back. */
class Media {
  received = 0
  sent = 0
  target: { host: string; port: number } | undefined
  private seq = 0
  private constructor(readonly socket: Socket) {
    socket.on('message', () => this.received++)
  }
  static async open(): Promise<Media> {
    const s = createSocket('udp4')
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r))
    return new Media(s)
  }
  get port(): number {
    return this.socket.address().port
  }
  sdp(): string {
    return `v=0\r\no=- ${this.port} 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${this.port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`
  }
  answeredWith(sdp: string): void {
    const s = parseSdp(sdp)
    const audio = s.media.find((m) => m.type === 'audio')
    this.target = { host: audio?.connection?.ip ?? s.connection?.ip ?? '127.0.0.1', port: audio?.port ?? 0 }
  }
  tick(): void {
    if (!this.target) return
    const p = Buffer.alloc(172, 0xff)
    p[0] = 0x80
    p.writeUInt16BE(this.seq++ & 0xffff, 2)
    p.writeUInt32BE(this.seq * 160, 4)
    p.writeUInt32BE(this.port, 8)
    this.socket.send(p, this.target.port, this.target.host)
    this.sent++
  }
  close(): void {
    this.target = undefined
    this.socket.close()
  }
}

async function register(ua: SipUserAgent, server: SipEndpoint, number: string, port: number): Promise<void> {
  const send = (auth?: string) =>
    new Promise<SipResponse>((resolve, reject) => {
      const req = request(
        'REGISTER',
        `sip:${server.host}:${server.port}`,
        SipHeaders.of({
          'max-forwards': '70',
          from: `<sip:${number}@127.0.0.1>;tag=r${number}`,
          to: `<sip:${number}@127.0.0.1>`,
          'call-id': `reg-${number}`,
          cseq: `${auth ? 2 : 1} REGISTER`,
          contact: `<sip:${number}@127.0.0.1:${port}>`,
          expires: '3600',
          authorization: auth,
        }),
      )
      ua.layer.request(req, server, {
        onFinal: resolve,
        onTimeout: () => reject(new Error(`REGISTER ${number} timed out`)),
      })
    })
  const challenge = await send()
  const ok = await send(
    authorizationFor(
      parseDigest(challenge.headers.get('www-authenticate') ?? '') ?? {},
      { username: number, password: PASSWORD },
      'REGISTER',
      `sip:${server.host}:${server.port}`,
    ),
  )
  if (ok.status !== 200) throw new Error(`REGISTER ${number}: ${ok.status}`)
}

/** 50 calls at once through the B2BUA and rtpengine: signalling and media, CPU per call. */
export async function voiceBench(): Promise<BenchResult> {
  const rtp = await startRtpengine(8 * CALLS)
  const child = spawnTs('bench/voice-server.ts', [rtp.ng, rtp.recordingDir, String(CALLS)], null)
  // The server's warnings and errors, to say why a call failed.
  const serverLog: string[] = []
  child.stdout?.on('data', (d: Buffer) =>
    serverLog.push(
      ...d
        .toString()
        .split('\n')
        .filter((l) => l.includes('"level":')),
    ),
  )
  try {
    const server: SipEndpoint = {
      transport: 'UDP',
      host: '127.0.0.1',
      port: Number(await firstLine(child, 'READY ')),
    }
    const agentsWire = await SipTransport.listen({ host: '127.0.0.1', port: 0 })
    const callersWire = await SipTransport.listen({ host: '127.0.0.1', port: 0 })
    const agentsUa = new SipUserAgent(new TransactionLayer(agentsWire))
    const callersUa = new SipUserAgent(new TransactionLayer(callersWire))
    const media: Media[] = []
    // Agent phones answer at once, with their own media.
    agentsUa.onRequest = (req, tx) => {
      if (req.method !== 'INVITE') return void tx.reply(200, 'OK')
      void Media.open().then((m) => {
        media.push(m)
        m.answeredWith(req.body.toString())
        agentsUa.acceptInvite(tx, m.sdp(), (r, t) => {
          if (r.method === 'BYE') {
            t?.reply(200, 'OK')
            m.close()
          } else t?.reply(200, 'OK')
        })
      })
    }
    for (let i = 0; i < CALLS; i++) await register(agentsUa, server, String(2001 + i), agentsWire.port)
    const ticker = setInterval(() => media.forEach((m) => m.tick()), 20)

    const cpu0 = { server: cpuSeconds(child.pid ?? 0), rtpengine: cpuSeconds(rtp.pid) }
    const setup: number[] = []
    const calls: { dialog: Dialog; media: Media }[] = []
    const t0 = performance.now()
    await Promise.all(
      Array.from({ length: CALLS }, async (_, i) => {
        const m = await Media.open()
        media.push(m)
        const started = performance.now()
        await new Promise<void>((resolve, reject) => {
          callersUa.invite(
            {
              uri: `sip:9000@127.0.0.1:${server.port}`,
              to: server,
              from: `<sip:555${String(i).padStart(4, '0')}@127.0.0.1>`,
              toHeader: '<sip:9000@127.0.0.1>',
              sdp: m.sdp(),
              callId: `load-${i}`,
            },
            {
              onAnswered: (dialog, res) => {
                setup.push(performance.now() - started)
                m.answeredWith(res.body.toString())
                callersUa.attach(dialog, (r, t) => t?.reply(200, 'OK'))
                calls.push({ dialog, media: m })
                resolve()
              },
              onFailed: (status, reason) =>
                reject(
                  new Error(
                    `call ${i}: ${status} ${reason}; the server said:\n${serverLog.slice(-5).join('\n')}`,
                  ),
                ),
            },
          )
        })
      }),
    )
    // Every call reaches an agent (the router offers, the agent's phone answers).
    for (let i = 0; i < 100 && media.length < 2 * CALLS; i++) await new Promise((r) => setTimeout(r, 100))
    const connected = performance.now() - t0
    await new Promise((r) => setTimeout(r, HOLD_MS))
    await Promise.all(calls.map((c) => callersUa.send(c.dialog, 'BYE')))
    await new Promise((r) => setTimeout(r, 1000))
    const cpu1 = { server: cpuSeconds(child.pid ?? 0), rtpengine: cpuSeconds(rtp.pid) }
    clearInterval(ticker)
    const expected = (HOLD_MS / 20) * 0.8
    const flowing = media.filter((m) => m.received >= expected).length
    for (const m of media) if (m.target) m.close()
    await agentsWire.close()
    await callersWire.close()

    const serverMs = ((cpu1.server - cpu0.server) * 1000) / CALLS
    const rtpengineMs = ((cpu1.rtpengine - cpu0.rtpengine) * 1000) / CALLS
    const sorted = [...setup].sort((a, b) => a - b)
    const allFlowing = flowing === 2 * CALLS
    return verdict({
      name: 'voice-concurrent-calls',
      ratio: serverMs / Math.max(rtpengineMs, 1),
      threshold: 1,
      lowerIsBetter: true,
      details: [
        [
          'workload',
          `${CALLS} calls at once from a trunk to ${CALLS} registered phones, held ${HOLD_MS / 1000} s with PCMU both ways (50 packets/s each way), recorded; then hung up`,
        ],
        ['server CPU per call (signalling, routing, storage), ms', fmt(serverMs, 1)],
        ['rtpengine CPU per call (relaying and recording the media), ms', fmt(rtpengineMs, 1)],
        [
          'caller answered (INVITE → 200), p50 / p95 ms',
          `${fmt(percentile(sorted, 0.5), 1)} / ${fmt(percentile(sorted, 0.95), 1)}`,
        ],
        ['all calls bridged to agents after, ms', fmt(connected)],
        [
          `goal: every leg receives media (≥ 80% of its packets)`,
          `${flowing}/${2 * CALLS} ${allFlowing ? 'PASS' : 'FAIL'}`,
        ],
      ],
    })
  } finally {
    child.kill('SIGTERM')
    await rtp.stop()
  }
}
