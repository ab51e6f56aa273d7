import pg from 'pg'
import type { Acknowledged } from './chaos-clients.js'
import type { Disruption } from './chaos-cluster.js'

/** One POST the webhook receiver took, as its headers named it. */
export interface Receipt {
  readonly delivery: string
  readonly eventId: string
  readonly attempt: number
  readonly at: number
}

interface Row {
  tenant_id: string
  seq: number
  type: string
  at: number
  data: Record<string, string | number | null>
}

export interface ClusterFacts {
  readonly databaseUrl: string
  readonly tenants: readonly string[]
  readonly maxTasks: number
  readonly offerTimeoutMs: number
  readonly acked: Acknowledged
  readonly receipts: readonly Receipt[]
  readonly disruptions: readonly Disruption[]
}

/**
 * The rules a cluster keeps whatever happens to its nodes, checked against the event log and
 * the tables: each broken rule is one line of the answer (empty: all kept).
 */
export async function brokenRules(f: ClusterFacts): Promise<string[]> {
  const c = new pg.Client({ connectionString: f.databaseUrl })
  await c.connect()
  try {
    const q = async <T>(text: string): Promise<T[]> => (await c.query(text)).rows as T[]
    const events = await q<Row>(
      `select tenant_id, seq, type, at::float8 as at, data from events order by tenant_id, seq`,
    )
    const set = async (text: string) => new Set((await q<{ k: string }>(text)).map((r) => r.k))
    const stored = {
      contacts: await set(`select tenant_id || '/' || id as k from contacts`),
      closed: await set(`select tenant_id || '/' || id as k from contacts where closed_at is not null`),
      messages: await set(`select tenant_id || '/' || contact_id || '/' || id as k from messages`),
      surveys: await set(`select tenant_id || '/' || contact_id as k from surveys`),
      connected: new Set(
        events.filter((e) => e.type === 'ContactConnected').map((e) => `${e.tenant_id}/${e.data.offerId}`),
      ),
    }
    const pending = await q<{ n: number }>(`select count(*)::int as n from outbox`)
    return [
      ...f.tenants.flatMap((t) =>
        assignmentRules(
          events.filter((e) => e.tenant_id === t),
          f,
        ),
      ),
      ...missing(
        'contact',
        f.acked.contacts.map((a) => `${a.tenantId}/${a.contactId}`),
        stored.contacts,
      ),
      ...missing(
        'closed contact',
        f.acked.closed.map((a) => `${a.tenantId}/${a.contactId}`),
        stored.closed,
      ),
      ...missing(
        'message',
        f.acked.messages.map((a) => `${a.tenantId}/${a.contactId}/${a.messageId}`),
        stored.messages,
      ),
      ...missing(
        'survey',
        f.acked.surveys.map((a) => `${a.tenantId}/${a.contactId}`),
        stored.surveys,
      ),
      ...missing(
        'accepted offer',
        f.acked.accepted.map((a) => `${a.tenantId}/${a.offerId}`),
        stored.connected,
      ),
      ...stateRules(events, f.acked.states),
      ...deliveryRules(events, f),
      ...(pending[0]!.n > 0 ? [`${pending[0]!.n} outbox items were never delivered`] : []),
    ]
  } finally {
    await c.end()
  }
}

function missing(what: string, acknowledged: readonly string[], persisted: ReadonlySet<string>): string[] {
  const lost = acknowledged.filter((k) => !persisted.has(k))
  return lost.length ? [`${lost.length} acknowledged ${what}(s) not in the database, e.g. ${lost[0]}`] : []
}

/**
 * Replays one tenant's log: a contact is with one agent at a time, an agent holds at most its
 * capacity (offers count: they reserve a slot), and every offer ends within its timeout + 1 s.
 */
function assignmentRules(events: readonly Row[], f: ClusterFacts): string[] {
  const broken: string[] = []
  const withAgent = new Map<string, string>()
  const offers = new Map<string, { agentId: string; at: number; contactId: string }>()
  const load = new Map<string, number>()
  const add = (agentId: string, n: number, e: Row): void => {
    const now = (load.get(agentId) ?? 0) + n
    load.set(agentId, now)
    if (now > f.maxTasks) broken.push(`${e.tenant_id} seq ${e.seq}: ${agentId} holds ${now} > ${f.maxTasks}`)
  }
  const release = (contactId: string, e: Row): void => {
    const agentId = withAgent.get(contactId)
    if (agentId === undefined) return
    withAgent.delete(contactId)
    add(agentId, -1, e)
  }
  const offerEnded = (offerId: string, e: Row): void => {
    const o = offers.get(offerId)
    if (!o) return
    offers.delete(offerId)
    add(o.agentId, -1, e)
    if (e.at - o.at > f.offerTimeoutMs + 1_000)
      broken.push(`${e.tenant_id} offer ${offerId} was reserved ${e.at - o.at} ms (seq ${e.seq})`)
  }
  for (const e of events) {
    const d = e.data
    const contactId = String(d.contactId ?? '')
    switch (e.type) {
      case 'ContactOffered':
        offers.set(String(d.offerId), { agentId: String(d.agentId), at: e.at, contactId })
        add(String(d.agentId), 1, e)
        break
      case 'OfferRejected':
      case 'OfferTimedOut':
      case 'OfferRescinded':
        offerEnded(String(d.offerId), e)
        break
      case 'ContactConnected': {
        offerEnded(String(d.offerId), e)
        const other = withAgent.get(contactId)
        if (other !== undefined)
          broken.push(
            `${e.tenant_id} seq ${e.seq}: ${contactId} connected to ${d.agentId} while with ${other}`,
          )
        withAgent.set(contactId, String(d.agentId))
        add(String(d.agentId), 1, e)
        break
      }
      case 'ContactEnded':
      case 'ContactTransferred':
      case 'ContactRequeued':
      case 'ContactTimedOut':
      case 'ContactClosed':
        // A contact that leaves while offered takes its offer with it.
        for (const [offerId, o] of offers) if (o.contactId === contactId) offerEnded(offerId, e)
        release(contactId, e)
        break
    }
  }
  const last = events[events.length - 1]
  for (const [offerId, o] of offers)
    broken.push(`${last?.tenant_id} offer ${offerId} to ${o.agentId} never ended (contact ${o.contactId})`)
  return broken
}

/**
 * An acknowledged state change is in the log: the agent was in that state when the request was
 * sent (nothing to change), or an event put it there before the answer came back.
 */
function stateRules(events: readonly Row[], acked: Acknowledged['states']): string[] {
  const timeline = new Map<string, { at: number; state: string }[]>()
  for (const e of events)
    if (e.type === 'AgentStateChanged' && e.data.channel === 'chat') {
      const k = `${e.tenant_id}/${e.data.agentId}`
      timeline.set(k, [...(timeline.get(k) ?? []), { at: e.at, state: String(e.data.state) }])
    }
  const lost = acked.filter((a) => {
    const line = timeline.get(`${a.tenantId}/${a.agentId}`) ?? []
    const before = line.filter((s) => s.at <= a.sentAt).pop()?.state ?? 'logged_out'
    return (
      before !== a.state && !line.some((s) => s.at >= a.sentAt && s.at <= a.ackedAt && s.state === a.state)
    )
  })
  return lost.length
    ? [`${lost.length} acknowledged state change(s) not in the log, e.g. ${JSON.stringify(lost[0])}`]
    : []
}

/**
 * Every event reached the receiver (each subscription is `*`), and each delivery id came once,
 * but for a delivery whose sender was killed between the receiver's answer and recording it
 * (at-least-once across a crash: receivers deduplicate on the event id, docs/webhooks.md).
 */
function deliveryRules(events: readonly Row[], f: ClusterFacts): string[] {
  const broken: string[] = []
  const got = new Set(f.receipts.map((r) => r.eventId))
  const undelivered = events.filter((e) => !got.has(`evt_${e.tenant_id}_${e.seq}`))
  if (undelivered.length)
    broken.push(
      `${undelivered.length} event(s) never reached the webhook receiver, e.g. seq ${undelivered[0]!.seq}`,
    )
  const first = new Map<string, number>()
  for (const r of f.receipts) {
    const at = first.get(r.delivery)
    if (at === undefined) {
      first.set(r.delivery, r.at)
      continue
    }
    // The receiver answered, and its sender died before it could write that down.
    const crash = f.disruptions.some((d) => d.kind === 'kill' && d.at >= at - 50 && d.at <= at + 2_000)
    if (!crash)
      broken.push(
        `delivery ${r.delivery} (${r.eventId}) arrived twice with no crash between (attempt ${r.attempt}, ${r.at - at} ms later)`,
      )
  }
  return broken
}
