import { SingleBar } from 'cli-progress'
import { exponential, mulberry32 } from '../core/random.js'

export interface SimulationOptions {
  readonly url: string
  readonly tenant: string
  readonly entryPointId: string
  readonly agents: readonly string[]
  readonly password: string
  readonly ratePerMinute: number
  readonly handleSeconds: number
  readonly patienceSeconds: number
  readonly durationSeconds: number
  readonly seed: number
  readonly progress: boolean
  readonly serviceLevelSeconds?: number
}

export interface SimulationSummary {
  readonly arrivals: number
  readonly refused: number
  readonly answered: number
  readonly abandoned: number
  readonly serviceLevel: number | null
  readonly meanWaitSeconds: number
  readonly p90WaitSeconds: number
  readonly maxWaitSeconds: number
  readonly ewtMeanAbsErrorSeconds: number | null
  readonly occupancy: number
  readonly errors: number
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

async function call<T>(
  url: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  tenant?: string,
): Promise<{ status: number; json: T }> {
  const res = await fetch(url + path, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(tenant ? { 'x-tenant': tenant } : {}),
    },
    body: body === undefined ? null : JSON.stringify(body),
  })
  return { status: res.status, json: (await res.json().catch(() => ({}))) as T }
}

interface Ev {
  seq: number
  type: string
  offerId?: string
  contactId?: string
  by?: string
}

/** Scripted agents and customers over the public API of a running server. */
export async function runSimulation(o: SimulationOptions): Promise<SimulationSummary> {
  const rng = mulberry32(o.seed)
  const sl = (o.serviceLevelSeconds ?? 30) * 1000
  let errors = 0
  let stop = false
  const chats: { start: number; end?: number }[] = []
  let slots = 0
  const started = Date.now()

  const agentLoops = o.agents.map(async (username) => {
    const login = await call<{ token: string; user: { agentId: string } }>(
      o.url,
      'POST',
      '/api/v1/login',
      undefined,
      { username, password: o.password, tenant: o.tenant },
    )
    if (login.status !== 200)
      throw new Error(
        `login of ${username} failed (${login.status}): is the server running with this tenant?`,
      )
    const { token } = login.json
    const agentId = login.json.user.agentId
    const me = await call<{ channels: { chat?: { maxTasks: number } } }>(
      o.url,
      'PUT',
      `/api/v1/agents/${agentId}/channels/chat`,
      token,
      { state: 'ready' },
    )
    slots += me.json.channels.chat?.maxTasks ?? 1
    // A tenant with wrap-up codes accepts only those: use its first.
    const desk = await call<{ wrapUpCodes?: { code: string }[] }>(o.url, 'GET', '/api/v1/desk', token)
    const wrapUpCode = desk.json.wrapUpCodes?.[0]?.code ?? 'simulated'
    let after = (
      await call<{ lastSeq: number }>(
        o.url,
        'GET',
        `/api/v1/agents/${agentId}/events?after=0&limit=1000`,
        token,
      )
    ).json.lastSeq
    // Skip history: act only on offers made from now on.
    for (;;) {
      const page = await call<{ events: Ev[]; lastSeq: number }>(
        o.url,
        'GET',
        `/api/v1/agents/${agentId}/events?after=${after}&limit=1000`,
        token,
      )
      if (page.json.events.length === 0) break
      after = page.json.lastSeq
    }
    while (!stop) {
      const res = await call<{ events: Ev[]; lastSeq: number }>(
        o.url,
        'GET',
        `/api/v1/agents/${agentId}/events?after=${after}&wait=2`,
        token,
      )
      if (res.status !== 200) {
        errors++
        await sleep(500)
        continue
      }
      after = res.json.lastSeq
      for (const e of res.json.events) {
        if (e.type !== 'ContactOffered' || !e.offerId || !e.contactId) continue
        const contactId = e.contactId
        const accepted = await call(o.url, 'POST', `/api/v1/offers/${e.offerId}/accept`, token)
        if (accepted.status !== 200) continue // the customer left meanwhile
        const handle = exponential(rng, o.handleSeconds * 1000)
        void (async () => {
          const chat: { start: number; end?: number } = { start: Date.now() }
          chats.push(chat)
          await call(o.url, 'POST', `/api/v1/contacts/${contactId}/messages`, token, {
            text: 'Hello, how can I help?',
          })
          await sleep(handle)
          await call(o.url, 'POST', `/api/v1/contacts/${contactId}/end`, token)
          chat.end = Date.now()
          const done = await call(o.url, 'POST', `/api/v1/contacts/${contactId}/wrap-up`, token, {
            code: wrapUpCode,
          })
          if (done.status !== 200) errors++
        })()
      }
    }
    await call(o.url, 'PUT', `/api/v1/agents/${agentId}/channels/chat`, token, { state: 'logged_out' })
  })

  const waits: number[] = []
  const ewtErrors: number[] = []
  let refused = 0
  let abandoned = 0
  const customers: Promise<void>[] = []
  const expected = Math.round((o.ratePerMinute * o.durationSeconds) / 60)
  const bar = o.progress
    ? new SingleBar({
        format:
          'simulate [{bar}] {value}/{total} customers | answered {answered} | abandoned {abandoned} | refused {refused}',
      })
    : undefined
  bar?.start(expected, 0, { answered: 0, abandoned: 0, refused: 0 })
  const tick = () => bar?.update(customers.length, { answered: waits.length, abandoned, refused })

  const customer = async (n: number): Promise<void> => {
    const t0 = Date.now()
    const start = await call<{
      contactId: string
      customerToken: string
      estimatedWaitSeconds: number
      state: string
    }>(
      o.url,
      'POST',
      `/api/v1/entry-points/${o.entryPointId}/chats`,
      undefined,
      { customer: { name: `Customer ${n}` } },
      o.tenant,
    )
    if (start.status !== 201) {
      refused++
      return tick()
    }
    const { contactId, customerToken, estimatedWaitSeconds } = start.json
    const patience = exponential(rng, o.patienceSeconds * 1000)
    let after = 0
    const answered = () => {
      const waited = Date.now() - t0
      waits.push(waited)
      ewtErrors.push(Math.abs(waited / 1000 - estimatedWaitSeconds))
      return tick()
    }
    for (;;) {
      const left = t0 + patience - Date.now()
      if (left <= 0) {
        await call(o.url, 'POST', `/api/v1/chats/${contactId}/end`, customerToken)
        // An agent may have taken the chat after the last look: the log says which came first.
        const last = await call<{ events: Ev[] }>(
          o.url,
          'GET',
          `/api/v1/chats/${contactId}/events?after=${after}&wait=0`,
          customerToken,
        )
        if (last.status === 200 && last.json.events.some((e) => e.type === 'ContactConnected'))
          return answered()
        abandoned++
        return tick()
      }
      const wait = Math.max(0, Math.min(10, Math.floor(left / 1000)))
      const res = await call<{ events: Ev[]; lastSeq: number }>(
        o.url,
        'GET',
        `/api/v1/chats/${contactId}/events?after=${after}&wait=${wait}`,
        customerToken,
      )
      if (res.status !== 200) {
        errors++
        return tick()
      }
      after = res.json.lastSeq
      if (res.json.events.some((e) => e.type === 'ContactConnected')) return answered()
      if (wait === 0) await sleep(Math.min(200, Math.max(0, left)))
    }
  }

  await sleep(500) // agents log in and become ready first
  const mean = 60_000 / o.ratePerMinute
  for (
    let at = exponential(rng, mean), n = 1;
    at < o.durationSeconds * 1000;
    at += exponential(rng, mean), n++
  ) {
    await sleep(Math.max(0, started + 500 + at - Date.now()))
    customers.push(customer(n))
    tick()
  }
  bar?.setTotal(customers.length)
  await Promise.all(customers)
  // Occupancy over the arrival window: chats still running then count up to its end.
  const windowEnd = Date.now()
  const busyMs = chats.reduce(
    (sum, c) => sum + Math.max(0, Math.min(c.end ?? windowEnd, windowEnd) - c.start),
    0,
  )
  const windowMs = windowEnd - started
  // Let the agents finish the chats they hold before they log out.
  await sleep(Math.min(3 * o.handleSeconds * 1000, 30_000))
  stop = true
  await Promise.allSettled(agentLoops)
  bar?.stop()

  const sorted = [...waits].sort((a, b) => a - b)
  const answeredInTime = waits.filter((w) => w <= sl).length
  const summary: SimulationSummary = {
    arrivals: customers.length,
    refused,
    answered: waits.length,
    abandoned,
    serviceLevel: waits.length + abandoned > 0 ? answeredInTime / (waits.length + abandoned) : null,
    meanWaitSeconds: waits.length ? waits.reduce((a, b) => a + b, 0) / waits.length / 1000 : 0,
    p90WaitSeconds: (sorted[Math.floor(sorted.length * 0.9)] ?? 0) / 1000,
    maxWaitSeconds: (sorted[sorted.length - 1] ?? 0) / 1000,
    ewtMeanAbsErrorSeconds: ewtErrors.length ? ewtErrors.reduce((a, b) => a + b, 0) / ewtErrors.length : null,
    occupancy: slots > 0 ? busyMs / (slots * windowMs) : 0,
    errors,
  }
  if (o.progress) printSummary(summary, o)
  return summary
}

function printSummary(s: SimulationSummary, o: SimulationOptions): void {
  const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)} %`)
  const rows: [string, string][] = [
    ['customers arrived', String(s.arrivals)],
    ['refused at the door', String(s.refused)],
    ['answered', String(s.answered)],
    ['abandoned', String(s.abandoned)],
    [`service level (≤ ${o.serviceLevelSeconds ?? 30} s)`, pct(s.serviceLevel)],
    ['mean wait', `${s.meanWaitSeconds.toFixed(1)} s`],
    ['p90 wait', `${s.p90WaitSeconds.toFixed(1)} s`],
    ['longest wait', `${s.maxWaitSeconds.toFixed(1)} s`],
    [
      'estimated-wait error (mean abs)',
      s.ewtMeanAbsErrorSeconds === null ? '–' : `${s.ewtMeanAbsErrorSeconds.toFixed(1)} s`,
    ],
    ['agent occupancy (of chat slots)', pct(s.occupancy)],
    ['request errors', String(s.errors)],
  ]
  const w = Math.max(...rows.map(([k]) => k.length))
  console.log(`\n${'─'.repeat(w + 14)}`)
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v.padStart(10)}`)
  console.log('─'.repeat(w + 14))
}
