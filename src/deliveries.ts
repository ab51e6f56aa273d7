// What leaves the server through the outbox: which events become items (decided in the commit's
// transaction), and how each topic is delivered. Composed here, like main.ts, for every dialect.
import { AICC_PUSH_TOPIC, aiccPushHandler, aiccPushItems } from './api/aicc/push.js'
import { WEBHOOK_TOPIC, webhookHandler, webhookItems } from './api/webhooks/deliveries.js'
import type { OutboxHandler } from './app/outbox-dispatcher.js'
import type { HttpSender, OutboxItem } from './app/ports.js'
import type { ReportStore } from './app/report-ports.js'
import type { Switchboard } from './app/switchboard.js'
import { CXONE_TOPIC, cxoneHandler, cxoneItems } from './api/cxone/deliveries.js'
import type { CxoneSessions } from './api/cxone/session.js'
import { PBX_TOPIC, pbxPushHandler } from './api/pbx/push.js'
import type { OutboxContext } from './app/tenant-runtime.js'
import type { DomainEvent } from './core/events.js'

export function outboxItems(events: readonly DomainEvent[], ctx: OutboxContext): OutboxItem[] {
  return [...aiccPushItems(events, ctx), ...webhookItems(events, ctx)]
}

/** What report steps send out (stored with the step), beside what commits send. */
export const reportOutboxItems = cxoneItems

/** `sb` is asked for when a delivery runs: the dispatcher exists before the switchboard. */
export function deliveryHandlers(
  sb: () => Switchboard,
  sender: HttpSender,
  reports: ReportStore,
  cxone: CxoneSessions,
): Record<string, OutboxHandler> {
  return {
    [AICC_PUSH_TOPIC]: aiccPushHandler(sb, sender),
    [WEBHOOK_TOPIC]: webhookHandler(sb, sender),
    [CXONE_TOPIC]: cxoneHandler(sb, reports, cxone),
    [PBX_TOPIC]: pbxPushHandler(sb, sender),
  }
}
