import type { AgentChannelState, AgentStateKind } from './agent.js'
import type { Channel } from './channel.js'
import type { Contact, ContactState } from './contact.js'
import { DomainError } from './errors.js'
import type { MessageExtras, PostedMessage } from './routing/chat-work.js'
import type { TransferTarget } from './routing/contact-work.js'
import type { ContactAdmission, NewContact, Router } from './routing/router.js'

/**
 * Every change to a tenant's router as data: what a route, a channel or another node asks for,
 * applied here in order. A command is plain JSON, so the same one runs in this process, on the
 * tenant's owner over NATS, in a test or in a replay; its result is plain JSON too.
 */
export type Command =
  | {
      readonly type: 'setAgentState'
      readonly agentId: string
      readonly channel: Channel
      readonly state: AgentStateKind
      readonly reason: string | null
      /** Who changed it: the agent, a supervisor, or null for the system. */
      readonly by: string | null
    }
  | {
      readonly type: 'setReachable'
      readonly agentId: string
      readonly channel: Channel
      readonly reachable: boolean
    }
  | { readonly type: 'acceptOffer'; readonly offerId: string; readonly agentId: string }
  | {
      readonly type: 'rejectOffer'
      readonly offerId: string
      readonly agentId: string
      readonly reason: string | null
    }
  | {
      readonly type: 'endContact'
      readonly contactId: string
      readonly by: 'agent' | 'customer' | 'system'
      readonly agentId: string | null
    }
  | {
      readonly type: 'wrapUp'
      readonly contactId: string
      readonly agentId: string
      readonly code: string | null
      readonly notes: string | null
    }
  | {
      readonly type: 'transfer'
      readonly contactId: string
      readonly agentId: string
      readonly target: TransferTarget
    }
  | {
      readonly type: 'reassign'
      readonly contactId: string
      readonly target: TransferTarget
      /** The supervisor who moved it. */
      readonly by: string
    }
  | {
      readonly type: 'postMessage'
      readonly contactId: string
      readonly from: 'customer' | 'agent'
      readonly agentId: string | null
      readonly text: string
      readonly extras?: MessageExtras
    }
  | {
      readonly type: 'markRead'
      readonly contactId: string
      readonly by: 'customer' | 'agent'
      readonly agentId: string | null
      readonly upToSeq: number
    }
  /**
   * Pause or resume an agent on a channel (004's queue pause): the agent must be signed in there;
   * resuming also ends that channel's wrap-ups, as a phone's "ready" key does.
   */
  | {
      readonly type: 'pauseAgent'
      readonly agentId: string
      readonly channel: Channel
      readonly paused: boolean
      readonly reason: string | null
      readonly by: string
    }
  /** Signs an agent in on a channel, ready; one already signed in (perhaps paused) stays as it is. */
  | { readonly type: 'signIn'; readonly agentId: string; readonly channel: Channel; readonly by: string }
  /**
   * The agent's desktop is gone (presence): not ready (only from ready) or logged out, on every
   * channel but those whose device is still reachable. Answers how many channels changed.
   */
  | { readonly type: 'agentAway'; readonly agentId: string; readonly state: 'not_ready' | 'logged_out' }
  /** The customer stopped coming back (an AICC session timed out): its contact ends if still open. */
  | { readonly type: 'customerGone'; readonly contactId: string }
  /** The customer stops waiting: a contact still queued or offered ends abandoned; one with an agent goes on. */
  | { readonly type: 'stopWaiting'; readonly contactId: string }
  /**
   * Voice contacts still open with no call behind them (left from before a restart) end as the
   * system's; `calls` are the ones that do have a call. Answers how many ended.
   */
  | { readonly type: 'dropOrphanedCalls'; readonly calls: readonly string[] }
  | { readonly type: 'admitContact'; readonly contact: NewContact }
  | { readonly type: 'leaveMessage'; readonly contact: NewContact; readonly text: string }
  /** Time passed: offers and waits that ran out, wrap-ups that ended. */
  | { readonly type: 'tick' }

/** The command that puts an agent in a state on a channel (the commonest one, spelled short). */
export const agentState = (
  agentId: string,
  channel: Channel,
  state: AgentStateKind,
  by: string | null,
  reason: string | null = null,
): Extract<Command, { readonly type: 'setAgentState' }> => ({
  type: 'setAgentState',
  agentId,
  channel,
  state,
  reason,
  by,
})

/** What each command answers. */
export interface CommandResults {
  readonly setAgentState: AgentChannelState
  readonly setReachable: AgentChannelState
  readonly acceptOffer: Contact
  readonly rejectOffer: Contact
  readonly endContact: Contact
  readonly wrapUp: Contact
  readonly transfer: Contact
  readonly reassign: Contact
  readonly postMessage: PostedMessage
  /** The sequence number read up to. */
  readonly markRead: number
  readonly pauseAgent: AgentChannelState
  readonly signIn: AgentChannelState
  readonly agentAway: number
  readonly customerGone: Contact | null
  readonly stopWaiting: Contact | null
  readonly dropOrphanedCalls: number
  readonly admitContact: ContactAdmission
  readonly leaveMessage: { readonly contact: Contact; readonly message: PostedMessage }
  readonly tick: null
}

export type CommandType = Command['type']
export type ResultOf<C extends Command> = CommandResults[C['type']]

/** A contact someone is still waiting on or talking in. */
const OPEN: ReadonlySet<ContactState> = new Set(['queued', 'offered', 'connected'])

type Handlers = {
  readonly [K in CommandType]: (
    router: Router,
    command: Extract<Command, { readonly type: K }>,
    now: number,
  ) => CommandResults[K]
}

const HANDLERS: Handlers = {
  setAgentState: (r, c, now) => r.setAgentState(c.agentId, c.channel, c.state, c.reason, c.by, now),
  setReachable: (r, c, now) => r.setReachable(c.agentId, c.channel, c.reachable, now),
  acceptOffer: (r, c, now) => r.acceptOffer(c.offerId, c.agentId, now),
  rejectOffer: (r, c, now) => r.rejectOffer(c.offerId, c.agentId, c.reason, now),
  endContact: (r, c, now) => r.endContact(c.contactId, c.by, c.agentId, now),
  wrapUp: (r, c, now) => r.wrapUp(c.contactId, c.agentId, c.code, c.notes, now),
  transfer: (r, c, now) => r.transfer(c.contactId, c.agentId, c.target, now),
  reassign: (r, c, now) => r.reassign(c.contactId, c.target, c.by, now),
  postMessage: (r, c, now) => r.postMessage(c.contactId, c.from, c.agentId, c.text, now, c.extras),
  markRead: (r, c, now) => r.markRead(c.contactId, c.by, c.agentId, c.upToSeq, now),
  pauseAgent: (r, c, now) => {
    const s = r.pool.agents.get(c.agentId)?.channels.get(c.channel)
    if (!s || s.state === 'logged_out')
      throw new DomainError('AGENT_NOT_AVAILABLE', `${c.agentId} is not signed in on ${c.channel}`)
    if (!c.paused)
      for (const x of [...r.contacts.values()])
        if (x.agentId === c.agentId && x.channel === c.channel && x.state === 'wrap_up')
          r.wrapUp(x.id, c.agentId, null, null, now)
    return r.setAgentState(c.agentId, c.channel, c.paused ? 'not_ready' : 'ready', c.reason, c.by, now)
  },
  signIn: (r, c, now) => {
    const s = r.agentOrThrow(c.agentId).channels.get(c.channel)
    if (s && s.state !== 'logged_out') return s
    return r.setAgentState(c.agentId, c.channel, 'ready', null, c.by, now)
  },
  agentAway: (r, c, now) => {
    let changed = 0
    for (const [channel, s] of r.pool.agents.get(c.agentId)?.channels ?? []) {
      if (r.devices.has(channel) && s.reachable) continue
      // Not ready only takes ready agents off routing; logout applies to anyone still logged in.
      if (c.state === 'not_ready' ? s.state !== 'ready' : s.state === 'logged_out') continue
      r.setAgentState(
        c.agentId,
        channel,
        c.state,
        c.state === 'not_ready' ? 'disconnected' : null,
        'system:presence',
        now,
      )
      changed++
    }
    return changed
  },
  customerGone: (r, c, now) => {
    const x = r.contacts.get(c.contactId)
    return x && OPEN.has(x.state) ? r.endContact(c.contactId, 'customer', null, now) : null
  },
  stopWaiting: (r, c, now) => {
    const x = r.contacts.get(c.contactId)
    return x && (x.state === 'queued' || x.state === 'offered')
      ? r.endContact(c.contactId, 'customer', null, now)
      : null
  },
  dropOrphanedCalls: (r, c, now) => {
    const held = new Set(c.calls)
    const orphans = [...r.contacts.values()].filter(
      (x) => x.channel === 'voice' && OPEN.has(x.state) && !held.has(x.id),
    )
    for (const x of orphans) r.endContact(x.id, 'system', null, now)
    return orphans.length
  },
  admitContact: (r, c, now) => r.admitContact(c.contact, now),
  leaveMessage: (r, c, now) => r.leaveMessage(c.contact, c.text, now),
  tick: (r, _, now) => {
    r.tick(now)
    return null
  },
}

/** Applies one command to the router; its events are in the router's next drain. */
export function applyCommand<C extends Command>(router: Router, command: C, now: number): ResultOf<C> {
  // One handler per command type (Handlers checks each): TypeScript cannot pair them up by itself.
  const handle = HANDLERS[command.type] as unknown as (r: Router, c: C, now: number) => ResultOf<C>
  return handle(router, command, now)
}
