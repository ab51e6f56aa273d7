import type { AddressInfo } from 'node:net'
import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { httpSender } from './http-sender.js'

describe('http sender', () => {
  const seen: { path: string; length: string | undefined; body: string }[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      seen.push({ path: req.url ?? '', length: req.headers['content-length'], body })
      if (req.url === '/hang') return // never answers
      if (req.url === '/fail') res.writeHead(503).end('busy, try later')
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
    })
  })
  let base = ''
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  })

  it('posts with a content length and hands back the answer, whatever its status', async () => {
    const sender = httpSender(2000)
    const body = JSON.stringify({ text: 'grüße' })
    expect(await sender.post(`${base}/ok`, body, { 'content-type': 'application/json' })).toEqual({
      status: 200,
      body: '{"ok":true}',
    })
    expect(seen.at(-1)).toEqual({ path: '/ok', length: String(Buffer.byteLength(body)), body })
    expect(await sender.post(`${base}/fail`, '{}', {})).toEqual({ status: 503, body: 'busy, try later' })
  })

  it('gives up on a receiver that does not answer by the deadline, and keeps serving others', async () => {
    const sender = httpSender(300)
    const t0 = Date.now()
    const hung = sender.post(`${base}/hang`, '{}', {})
    const other = await sender.post(`${base}/ok`, '{}', {})
    await expect(hung).rejects.toThrow(/no answer from 127\.0\.0\.1:\d+ within 300 ms/)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300)
    expect(other.status).toBe(200)
  })

  it('refuses a private destination when the network is guarded', async () => {
    await expect(
      httpSender(300).post(`${base}/ok`, '{}', {}, { allowPrivateNetwork: false }),
    ).rejects.toThrow('refused: 127.0.0.1 is a loopback or private address')
  })
})
