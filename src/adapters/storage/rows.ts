import type { Insertable, Selectable } from 'kysely'
import type { AgentChannelState, AgentStateKind } from '../../core/agent.js'
import type { Channel } from '../../core/channel.js'
import type { Contact, ContactState } from '../../core/contact.js'
import type { DomainEvent, DomainEventBody } from '../../core/events.js'
import { eventAgentId, eventContactId } from '../../core/events.js'
import type { AgentStatesTable, ContactsTable, EventsTable } from './schema.js'

export function contactRow(tenantId: string, c: Contact): Insertable<ContactsTable> {
  return {
    tenant_id: tenantId,
    id: c.id,
    channel: c.channel,
    entry_point_id: c.entryPointId,
    queue_id: c.queueId,
    state: c.state,
    priority: c.priority,
    customer: JSON.stringify(c.customer),
    subject: c.subject,
    created_at: c.createdAt,
    enqueued_at: c.enqueuedAt,
    queued_at: c.queuedAt,
    offer: c.offer ? JSON.stringify(c.offer) : null,
    agent_id: c.agentId,
    offered_at: c.offeredAt,
    connected_at: c.connectedAt,
    ended_at: c.endedAt,
    ended_by: c.endedBy,
    wrap_up_until: c.wrapUpUntil,
    closed_at: c.closedAt,
    outcome_reason: c.outcomeReason,
    wrap_up_code: c.wrapUpCode,
    wrap_up_notes: c.wrapUpNotes,
    declined_by: JSON.stringify(c.declinedBy),
    decline_hold_until: c.declineHoldUntil,
    message_count: c.messageCount,
    transfers: c.transfers,
    overflows: c.overflows,
    related_contact_id: c.relatedContactId,
  }
}

export function contactFromRow(r: Selectable<ContactsTable>): Contact {
  return {
    id: r.id,
    channel: r.channel as Channel,
    entryPointId: r.entry_point_id,
    queueId: r.queue_id,
    state: r.state as ContactState,
    priority: r.priority,
    customer: r.customer,
    subject: r.subject,
    createdAt: r.created_at,
    enqueuedAt: r.enqueued_at,
    queuedAt: r.queued_at,
    offer: r.offer,
    agentId: r.agent_id,
    offeredAt: r.offered_at,
    connectedAt: r.connected_at,
    endedAt: r.ended_at,
    endedBy: r.ended_by as Contact['endedBy'],
    wrapUpUntil: r.wrap_up_until,
    closedAt: r.closed_at,
    outcomeReason: r.outcome_reason,
    wrapUpCode: r.wrap_up_code,
    wrapUpNotes: r.wrap_up_notes,
    declinedBy: r.declined_by,
    declineHoldUntil: r.decline_hold_until,
    messageCount: r.message_count,
    transfers: r.transfers,
    overflows: r.overflows,
    relatedContactId: r.related_contact_id,
  }
}

export function agentStateRow(
  tenantId: string,
  agentId: string,
  s: AgentChannelState,
): Insertable<AgentStatesTable> {
  return {
    tenant_id: tenantId,
    agent_id: agentId,
    channel: s.channel,
    state: s.state,
    reason: s.reason,
    since: s.since,
    active_tasks: s.activeTasks,
    missed_offers: s.missedOffers,
    not_responding: s.notResponding,
    last_activity_at: s.lastActivityAt,
    handled: s.handled,
  }
}

export function agentStateFromRow(r: Selectable<AgentStatesTable>): AgentChannelState {
  return {
    channel: r.channel as Channel,
    state: r.state as AgentStateKind,
    reason: r.reason,
    since: r.since,
    // Capacity is configuration, not state: the router fills it in from the current config.
    maxTasks: 0,
    exclusive: false,
    activeTasks: r.active_tasks,
    notResponding: r.not_responding,
    missedOffers: r.missed_offers,
    lastActivityAt: r.last_activity_at,
    handled: r.handled,
    // Filled in by the router: devices report their reachability again after a restart.
    reachable: true,
  }
}

export function eventRow(e: DomainEvent): Insertable<EventsTable> {
  const { seq, tenantId, at, type, ...data } = e
  return {
    tenant_id: tenantId,
    seq,
    type,
    at,
    agent_id: eventAgentId(e),
    contact_id: eventContactId(e),
    data: JSON.stringify(data),
  }
}

export function eventFromRow(r: Selectable<EventsTable>): DomainEvent {
  return {
    ...(r.data as object),
    type: r.type,
    seq: r.seq,
    tenantId: r.tenant_id,
    at: r.at,
  } as DomainEventBody & {
    seq: number
    tenantId: string
    at: number
  }
}
