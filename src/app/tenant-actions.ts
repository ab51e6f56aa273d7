import type { AgentChannelState, AgentStateKind } from '../core/agent.js'
import type { Channel } from '../core/channel.js'
import { agentState } from '../core/commands.js'
import type { Customer } from '../core/contact.js'
import { DomainError } from '../core/errors.js'
import type { ContactAdmission } from '../core/routing/router.js'
import { refusalError } from '../core/routing/router.js'
import type { MessageExtras, PostedMessage } from '../core/routing/chat-work.js'
import type { Switchboard } from './switchboard.js'

export interface NewMessage {
  readonly contactId: string
  readonly from: 'customer' | 'agent'
  /** The writing agent; null for the customer. */
  readonly agentId: string | null
  readonly text: string
  readonly extras?: MessageExtras
}

export interface NewChat {
  readonly contactId: string
  readonly entryPointId: string
  readonly customer: Customer
  readonly subject: string | null
}

export type AdmittedChat = Extract<ContactAdmission, { readonly admitted: true }>

/**
 * What every dialect does the same way, once: each action is the command plus what goes with it
 * (a message ends its sender's typing; a refused chat is an error; a not-ready reason is one of
 * the tenant's). A dialect's routes translate their wire format and call these.
 */
export class TenantActions {
  constructor(private readonly sb: Switchboard) {}

  async postMessage(tenantId: string, m: NewMessage): Promise<PostedMessage> {
    const posted = await this.sb.tenant(tenantId).run({ type: 'postMessage', ...m })
    this.sb.typing.stopped(tenantId, m.contactId, m.from)
    return posted
  }

  /** A new chat through its entry point's gate; a refusal throws the gate's reason as an error. */
  async startChat(tenantId: string, chat: NewChat): Promise<AdmittedChat> {
    const admission = await this.sb.tenant(tenantId).run({ type: 'admitContact', contact: chat })
    if (!admission.admitted) throw refusalError(admission.reason)
    return admission
  }

  /**
   * An agent's state on a channel. Not ready takes a reason from the tenant's list only: that list
   * is what reports and the WFM push (CXone's reasonCode) expect.
   */
  async setAgentState(
    tenantId: string,
    change: {
      readonly agentId: string
      readonly channel: Channel
      readonly state: AgentStateKind
      readonly by: string | null
      readonly reason?: string | null
    },
  ): Promise<AgentChannelState> {
    const reason = change.reason ?? null
    const allowed = this.sb.storedConfig(tenantId).config.notReadyReasons
    if (change.state === 'not_ready' && reason !== null && !allowed.includes(reason))
      throw new DomainError(
        'VALIDATION_FAILED',
        `"${reason}" is not a not-ready reason of this tenant; use one of: ${allowed.join(', ')}`,
        allowed,
      )
    return this.sb
      .tenant(tenantId)
      .run(agentState(change.agentId, change.channel, change.state, change.by, reason))
  }
}
