import type { LookupAddress, LookupOptions } from 'node:dns'
import { lookup } from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import type { HttpSender } from '../../app/ports.js'
import { isPrivateAddress, isPrivateHost } from '../../core/network.js'

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

/**
 * Resolves as usual, but refuses names that resolve to a private address. Checking at connect
 * time, on the address actually used, is what stops DNS rebinding (a name that was public when
 * the URL was configured and points inside later).
 */
function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, [])
    const bad = addresses.find((a) => isPrivateAddress(a.address))
    if (bad)
      return callback(
        Object.assign(new Error(`refused: ${hostname} resolves to ${bad.address}, a private address`), {
          code: 'EPRIVATE',
        }),
        [],
      )
    const first = addresses[0]
    if (options.all) callback(null, addresses)
    else if (first) callback(null, first.address, first.family)
    else callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), [])
  })
}

const MAX_RESPONSE = 64 * 1024

/**
 * Requests past their deadline are ended by one sweep a few times a second, not by a timer on
 * every socket: arming and clearing a socket timer per request cost more than the rest of a
 * keep-alive POST's own work.
 */
class Deadlines {
  private readonly due = new Map<http.ClientRequest, { at: number; host: string }>()
  private sweeper: NodeJS.Timeout | undefined

  constructor(private readonly timeoutMs: number) {}

  watch(req: http.ClientRequest, host: string): void {
    this.due.set(req, { at: Date.now() + this.timeoutMs, host })
    req.once('close', () => this.due.delete(req))
    this.sweeper ??= setInterval(() => this.sweep(), Math.min(250, this.timeoutMs / 4)).unref()
  }

  private sweep(): void {
    const now = Date.now()
    for (const [req, { at, host }] of this.due)
      if (at <= now) {
        this.due.delete(req)
        req.destroy(new Error(`no answer from ${host} within ${this.timeoutMs} ms`))
      }
    if (this.due.size === 0) {
      clearInterval(this.sweeper)
      this.sweeper = undefined
    }
  }
}

/**
 * Outbound POSTs with a deadline: a receiver that hangs is a failed attempt, retried later.
 * Keep-alive sockets, pooled apart for guarded and unguarded requests so one never serves the
 * other.
 */
export function httpSender(timeoutMs = 10_000): HttpSender {
  const agents = {
    guarded: { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) },
    open: { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) },
  }
  const deadlines = new Deadlines(timeoutMs)
  // Receivers are few and called often: parse each URL once.
  const parsed = new Map<string, { target: URL; options: http.RequestOptions }>()
  const parse = (url: string) => {
    let p = parsed.get(url)
    if (!p) {
      const target = new URL(url)
      p = {
        target,
        options: {
          protocol: target.protocol,
          hostname: target.hostname.replace(/^\[|\]$/g, ''),
          port: target.port || undefined,
          path: target.pathname + target.search,
        },
      }
      if (parsed.size > 1000) parsed.clear()
      parsed.set(url, p)
    }
    return p
  }
  const send = (
    method: 'GET' | 'POST',
    url: string,
    body: string,
    headers: Readonly<Record<string, string>>,
    opts: { readonly allowPrivateNetwork?: boolean },
  ): Promise<{ status: number; body: string }> => {
    const { target, options } = parse(url)
    const guarded = opts.allowPrivateNetwork === false
    if (guarded && isPrivateHost(target.hostname))
      return Promise.reject(new Error(`refused: ${target.hostname} is a loopback or private address`))
    const pool = guarded ? agents.guarded : agents.open
    const secure = target.protocol === 'https:'
    return new Promise((resolve, reject) => {
      // One literal of one shape (no spreads): the request's own set-up then stays on V8's
      // fast path, which measurably cut the cost of a delivery.
      const req = (secure ? https : http).request(
        {
          protocol: options.protocol,
          hostname: options.hostname,
          port: options.port,
          path: options.path,
          method,
          // Node sets Content-Length itself: the whole body is handed to end() at once.
          headers,
          agent: secure ? pool.https : pool.http,
          lookup: guarded ? publicOnlyLookup : lookup,
        },
        (res) => {
          const chunks: Buffer[] = []
          let size = 0
          res.on('data', (c: Buffer) => {
            size += c.length
            if (size <= MAX_RESPONSE) chunks.push(c)
          })
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: chunks.length === 0 ? '' : Buffer.concat(chunks).toString('utf8'),
            }),
          )
          res.on('error', reject)
        },
      )
      deadlines.watch(req, target.host)
      req.on('error', reject)
      req.end(method === 'POST' ? body : undefined)
    })
  }
  return {
    post: (url, body, headers, opts = {}) => send('POST', url, body, headers, opts),
    get: (url, headers) => send('GET', url, '', headers, {}),
  }
}
