import { createSocket } from 'node:dgram'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SipResponse } from '../../src/channels/voice/sip/message.js'
import { parseMessage } from '../../src/channels/voice/sip/parse.js'
import type { RunningServer } from '../../src/main.js'
import { startServer } from '../../src/main.js'

let server: RunningServer

beforeAll(async () => {
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: undefined,
    databaseUrl: undefined,
    configFile: 'config/demo.yaml',
    logLevel: 'silent',
    // Nothing listens there: the media server is down.
    voice: { sipHost: '127.0.0.1', sipPort: 0, rtpengine: '127.0.0.1:9' },
  })
})

afterAll(async () => {
  await server?.stop()
})

describe('voice without rtpengine', () => {
  it('still starts, says in /readyz why voice is unavailable, and refuses calls with 503', async () => {
    const ready = await fetch(`${server.url}/readyz`)
    expect(ready.status).toBe(200)
    const body = (await ready.json()) as { status: string; voice: { status: string; reason: string } }
    expect(body.status).toBe('ready')
    expect(body.voice.status).toBe('unavailable')
    expect(body.voice.reason).toMatch(/rtpengine at 127\.0\.0\.1:9 does not answer/)

    const phone = createSocket('udp4')
    await new Promise<void>((r) => phone.bind(0, '127.0.0.1', r))
    const answers: SipResponse[] = []
    phone.on('message', (m) => answers.push(parseMessage(m) as SipResponse))
    const port = phone.address().port
    const sdp =
      'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n'
    const invite = [
      'INVITE sip:8000@127.0.0.1 SIP/2.0',
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKdown1;rport`,
      'Max-Forwards: 70',
      `From: <sip:5551234@127.0.0.1:${port}>;tag=c1`,
      'To: <sip:8000@127.0.0.1>',
      'Call-ID: down-1@test',
      'CSeq: 1 INVITE',
      `Contact: <sip:5551234@127.0.0.1:${port}>`,
      'Content-Type: application/sdp',
      `Content-Length: ${Buffer.byteLength(sdp)}`,
      '',
      sdp,
    ].join('\r\n')
    phone.send(invite, server.voice!.sip.port, '127.0.0.1')
    for (let i = 0; i < 50 && !answers.some((a) => a.status >= 200); i++)
      await new Promise((r) => setTimeout(r, 100))
    phone.close()
    expect(answers.map((a) => a.status)).toEqual([100, 503])
    expect(answers[1]?.headers.get('retry-after')).toBe('30')
  })
})
