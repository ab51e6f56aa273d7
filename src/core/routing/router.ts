import type { AgentChannelState, AgentStateKind } from '../agent.js'
import type { Channel } from '../channel.js'
import type { Contact } from '../contact.js'
import type { ContactAdmission, NewContact } from './admission.js'
import * as admission from './admission.js'
import * as agentStates from './agent-states.js'
import type { MessageExtras, Party, PostedMessage } from './chat-work.js'
import * as chat from './chat-work.js'
import type { TransferTarget } from './contact-work.js'
import * as work from './contact-work.js'
import { routeContact, serveAgent, tick } from './dispatch.js'
import * as offers from './offers.js'
import type { QueueEstimate, RouterInit } from './router-state.js'
import { RouterState } from './router-state.js'
import { restore } from './restore.js'
import { reassign } from './supervision.js'

export type { ContactAdmission, NewContact } from './admission.js'
export { refusalError } from './admission.js'
export type { Dispatcher, RouterChanges, RouterInit } from './router-state.js'

/**
 * The routing engine's facade: the state (RouterState) with every command as a method. Each
 * method is one call into the module that owns the concern, so each can be read alone:
 * admission, offers, contact-work, chat-work, supervision, agent-states, dispatch, restore.
 */
export class Router extends RouterState {
  constructor(init: RouterInit) {
    super(init, init.dispatcher ?? { routeContact, serveAgent })
  }

  restore(
    agents: readonly { readonly agentId: string; readonly channels: readonly AgentChannelState[] }[],
    contacts: readonly Contact[],
    now: number,
    more: Parameters<typeof restore>[4] = {},
  ): void {
    restore(this, agents, contacts, now, more)
  }

  admitContact(input: NewContact, now: number): ContactAdmission {
    return admission.admitContact(this, input, now)
  }

  leaveMessage(input: NewContact, text: string, now: number): { contact: Contact; message: PostedMessage } {
    return admission.leaveMessage(this, input, text, now)
  }

  setAgentState(
    agentId: string,
    channel: Channel,
    state: AgentStateKind,
    reason: string | null,
    by: string | null,
    now: number,
  ): AgentChannelState {
    return agentStates.setAgentState(this, agentId, channel, state, reason, by, now)
  }

  setReachable(agentId: string, channel: Channel, reachable: boolean, now: number): AgentChannelState {
    return agentStates.setReachable(this, agentId, channel, reachable, now)
  }

  acceptOffer(offerId: string, agentId: string, now: number): Contact {
    return offers.acceptOffer(this, offerId, agentId, now)
  }

  rejectOffer(offerId: string, agentId: string, reason: string | null, now: number): Contact {
    return offers.rejectOffer(this, offerId, agentId, reason, now)
  }

  endContact(
    contactId: string,
    by: 'agent' | 'customer' | 'system',
    agentId: string | null,
    now: number,
  ): Contact {
    return work.endContact(this, contactId, by, agentId, now)
  }

  wrapUp(
    contactId: string,
    agentId: string,
    code: string | null,
    notes: string | null,
    now: number,
  ): Contact {
    return work.wrapUp(this, contactId, agentId, code, notes, now)
  }

  transfer(contactId: string, agentId: string, target: TransferTarget, now: number): Contact {
    return work.transfer(this, contactId, agentId, target, now)
  }

  reassign(contactId: string, target: TransferTarget, by: string, now: number): Contact {
    return reassign(this, contactId, target, by, now)
  }

  postMessage(
    contactId: string,
    from: Party,
    agentId: string | null,
    text: string,
    now: number,
    extras: MessageExtras = {},
  ): PostedMessage {
    return chat.postMessage(this, contactId, from, agentId, text, now, extras)
  }

  markRead(contactId: string, by: Party, agentId: string | null, upToSeq: number, now: number): number {
    return chat.markRead(this, contactId, by, agentId, upToSeq, now)
  }

  /** Fires every timer due at `now`; stale ones (their offer or state moved on) do nothing. */
  tick(now: number): void {
    tick(this, now)
  }
}

export type { QueueEstimate }
