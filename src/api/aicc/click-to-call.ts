import type { DomainEvent } from '../../core/events.js'

/** 002's click-to-call events, as getClickToCallEvents answers them. */
export const C2C = {
  connected: 168101,
  queued: 168102,
  queueTimeout: 168103,
  failed: 168105,
  transferred: 168106,
  released: 168110,
} as const

export interface ClickToCallEvent {
  readonly eventId: (typeof C2C)[keyof typeof C2C]
  readonly resultDesc: string
  readonly cause?: { readonly causeId: number; readonly causeDesc: string }
  /** The last event of the call: nothing follows it. */
  readonly last: boolean
}

// The causes 168103/168105/168110 carry: -1 is the document's own example.
const BY: Record<'customer' | 'agent' | 'system', { causeId: number; causeDesc: string }> = {
  customer: { causeId: 0, causeDesc: 'released by the customer' },
  agent: { causeId: 1, causeDesc: 'released by the agent' },
  system: { causeId: -1, causeDesc: 'released by the system' },
}

/**
 * What a click-to-call's page is told of a router event about its call; undefined for the
 * events it is not told (offers, wrap-up). An end before anyone answered that the customer did
 * not ask for is a failure (168105), not a release.
 */
export function clickToCallEventOf(e: DomainEvent, answered: boolean): ClickToCallEvent | undefined {
  switch (e.type) {
    case 'ContactQueued':
      return { eventId: C2C.queued, resultDesc: 'Call in queue', last: false }
    case 'ContactConnected':
      // Once: the page dials when told; the next agent after a transfer takes the same call.
      return answered ? undefined : { eventId: C2C.connected, resultDesc: 'Call connected', last: false }
    case 'ContactTransferred':
      return { eventId: C2C.transferred, resultDesc: 'Call transfered', last: false }
    case 'ContactTimedOut':
      return {
        eventId: C2C.queueTimeout,
        resultDesc: 'Call queue timeout',
        cause: { causeId: -1, causeDesc: 'nobody answered within the queue’s longest wait' },
        last: true,
      }
    case 'ContactEnded':
      if (!answered && e.by === 'system')
        return {
          eventId: C2C.failed,
          resultDesc: 'Call failed',
          cause: { causeId: -1, causeDesc: 'the call could not be completed' },
          last: true,
        }
      return { eventId: C2C.released, resultDesc: 'Call disconnected', cause: BY[e.by], last: true }
    case 'AgentStateChanged':
    case 'ContactClosed':
    case 'ContactOffered':
    case 'ContactOverflowed':
    case 'ContactRefused':
    case 'ContactRequeued':
    case 'MessagePosted':
    case 'MessagesRead':
    case 'OfferRejected':
    case 'OfferRescinded':
    case 'OfferTimedOut':
    case 'RouterRestored':
      return undefined
  }
}

/** Why a click-to-call was not placed, told as 168105's cause. */
export function failureOf(reason: string): { causeId: number; causeDesc: string } {
  return {
    causeId: -1,
    causeDesc:
      reason === 'agent_not_available'
        ? 'no agent can take calls now'
        : reason === 'outside_business_hours'
          ? 'the line is closed now'
          : reason === 'queue_depth_reached'
            ? 'the queue is full'
            : `the call could not be placed (${reason})`,
  }
}
