import { Undeliverable } from '../../app/outbox-dispatcher.js'
import { createHmac } from 'node:crypto'
import type { ClaimedOutboxItem, HttpSender, OutboxItem } from '../../app/ports.js'
import type { Switchboard } from '../../app/switchboard.js'
import type { OutboxContext } from '../../app/tenant-runtime.js'
import type { DomainEvent } from '../../core/events.js'
import { eventAgentId, eventContactId } from '../../core/events.js'
import { eventView } from '../native-v1/views.js'

export const WEBHOOK_TOPIC = 'webhook'

export interface WebhookPayload {
  readonly subscriptionId: string
  readonly event: WebhookEvent
}

/** The body a receiver gets: one event, with an id that stays the same across retries. */
export interface WebhookEvent {
  readonly id: string
  readonly type: string
  readonly tenantId: string
  readonly occurredAt: string
  readonly data: Record<string, unknown>
}

export const webhookEventId = (tenantId: string, seq: number): string => `evt_${tenantId}_${seq}`

/**
 * Every event a subscription asks for becomes an outbox item in the commit's transaction. Items
 * are ordered per subscription and contact (or agent): a receiver sees a conversation's events
 * in order, while one slow conversation does not hold back the others.
 */
export function webhookItems(events: readonly DomainEvent[], ctx: OutboxContext): OutboxItem[] {
  const subs = ctx.tenant.webhooks.filter((w) => w.enabled)
  if (subs.length === 0) return []
  return events.flatMap((e) =>
    subs
      .filter((s) => s.events.includes('*') || s.events.includes(e.type))
      .map((s) => {
        const about = eventContactId(e) ?? eventAgentId(e) ?? 'tenant'
        const payload: WebhookPayload = {
          subscriptionId: s.id,
          event: {
            id: webhookEventId(e.tenantId, e.seq),
            type: e.type,
            tenantId: e.tenantId,
            occurredAt: new Date(e.at).toISOString(),
            data: eventView(e),
          },
        }
        return {
          tenantId: e.tenantId,
          eventSeq: e.seq,
          topic: WEBHOOK_TOPIC,
          orderingKey: `webhook:${s.id}:${about}`,
          payload,
        }
      }),
  )
}

/**
 * `t={unix seconds},v1={hex HMAC-SHA256 of "{t}.{body}"}`: the receiver recomputes it with the
 * subscription's secret, and refuses an old `t` to stop replays.
 */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

/** What a receiver gets besides the body (docs/webhooks.md). */
export function webhookHeaders(
  sub: { readonly id: string; readonly secret: string },
  event: WebhookEvent,
  body: string,
  at: { readonly delivery: number; readonly attempt: number; readonly timestamp: number },
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'Switchboard-Webhooks/1',
    'x-switchboard-subscription': sub.id,
    'x-switchboard-event': event.type,
    'x-switchboard-event-id': event.id,
    'x-switchboard-delivery': String(at.delivery),
    'x-switchboard-attempt': String(at.attempt),
    'x-switchboard-signature': webhookSignature(sub.secret, at.timestamp, body),
  }
}

/** POSTs one event; any 2xx is delivered, anything else is tried again with backoff. */
export function webhookHandler(switchboard: () => Switchboard, sender: HttpSender) {
  return async (item: ClaimedOutboxItem): Promise<void> => {
    const sb = switchboard()
    const { subscriptionId, event } = item.payload as WebhookPayload
    const sub = sb.storedConfig(item.tenantId).config.webhooks.find((w) => w.id === subscriptionId)
    if (!sub) throw new Undeliverable(`webhook subscription ${subscriptionId} was removed`)
    if (!sub.enabled) throw new Undeliverable(`webhook subscription ${subscriptionId} is disabled`)
    const body = JSON.stringify(event)
    const headers = webhookHeaders(sub, event, body, {
      delivery: item.id,
      attempt: item.attempts + 1,
      timestamp: Math.floor(sb.now() / 1000),
    })
    const res = await sender.post(sub.url, body, headers, { allowPrivateNetwork: sub.allowPrivateNetwork })
    if (res.status < 200 || res.status >= 300)
      throw new Error(`HTTP ${res.status}${res.body ? `: ${res.body.slice(0, 200)}` : ''}`)
  }
}
