import { Undeliverable } from '../../app/outbox-dispatcher.js'
import { createHmac } from 'node:crypto'
import type { ClaimedOutboxItem, HttpSender, OutboxItem } from '../../app/ports.js'
import type { Switchboard } from '../../app/switchboard.js'
import type { OutboxContext } from '../../app/tenant-runtime.js'
import type { DomainEvent } from '../../core/events.js'
import { eventContactId } from '../../core/events.js'
import { downlinkOf } from './views.js'

export const AICC_PUSH_TOPIC = 'aicc.push'

/** `aicc:{channel}:{user}` → the two; user ids have no colon, channel ids might. */
function aiccUser(externalId: string | undefined): { channelId: string; userId: string } | undefined {
  if (!externalId?.startsWith('aicc:')) return undefined
  const rest = externalId.slice('aicc:'.length)
  const cut = rest.lastIndexOf(':')
  return cut > 0 ? { channelId: rest.slice(0, cut), userId: rest.slice(cut + 1) } : undefined
}

/**
 * Push mode: every event an AICC client would poll becomes an outbox item, in the same
 * transaction as the event, ordered per chat.
 */
export function aiccPushItems(events: readonly DomainEvent[], ctx: OutboxContext): OutboxItem[] {
  const push = ctx.tenant.aicc?.push
  if (!push) return []
  const names = new Map(ctx.tenant.agents.map((a) => [a.id, a.name]))
  return events.flatMap((e) => {
    const contactId = eventContactId(e)
    const user = contactId ? aiccUser(ctx.contact(contactId)?.customer.externalId) : undefined
    if (!contactId || !user) return []
    const message = downlinkOf(e, {
      ...user,
      locale: push.locale,
      wantRead: true,
      agentName: (id) => (id ? (names.get(id) ?? null) : null),
    })
    return message
      ? [
          {
            tenantId: e.tenantId,
            eventSeq: e.seq,
            topic: AICC_PUSH_TOPIC,
            orderingKey: `aicc:${contactId}`,
            payload: message,
          },
        ]
      : []
  })
}

/** The signature our push carries: HMAC-SHA256 over `{timestamp}.{body}` with the secret key. */
export function pushSignature(secretKey: string, timestamp: number, body: string): string {
  return createHmac('sha256', secretKey).update(`${timestamp}.${body}`).digest('hex')
}

/**
 * Delivers one pushed message to `{url}/webhooks/v1/messages`, as AICC's push does:
 * `{messages, timestamp}`, `Authorization: auth-v2/{accessKey}/{timestamp}/{signedHeaders}/{sig}`;
 * the receiver answers HTTP 200 with `resultCode` "0", or it is tried again later.
 */
export function aiccPushHandler(switchboard: () => Switchboard, sender: HttpSender) {
  return async (item: ClaimedOutboxItem): Promise<void> => {
    const sb = switchboard()
    const push = sb.storedConfig(item.tenantId).config.aicc?.push
    if (!push) throw new Undeliverable('the AICC push (aicc.push) was turned off')
    const timestamp = sb.now()
    const body = JSON.stringify({ messages: [item.payload], timestamp })
    const res = await sender.post(`${push.url}/webhooks/v1/messages`, body, {
      'content-type': 'application/json',
      authorization: `auth-v2/${push.accessKey}/${timestamp}/content-type/${pushSignature(push.secretKey, timestamp, body)}`,
    })
    let resultCode: unknown
    try {
      resultCode = (JSON.parse(res.body) as { resultCode?: unknown }).resultCode
    } catch {
      resultCode = undefined
    }
    if (res.status !== 200 || resultCode !== '0')
      throw new Error(`push answered HTTP ${res.status}, resultCode ${String(resultCode)}`)
  }
}
