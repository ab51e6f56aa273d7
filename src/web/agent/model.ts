import type { Attachment } from '../shared/parts.js'

export type { Attachment }

// What the desk knows, as the API gives it.

export interface ChannelState {
  state: 'logged_out' | 'not_ready' | 'ready'
  reason: string | null
  activeTasks: number
  maxTasks: number
  notResponding: boolean
  /** False while a voice agent's phone is not registered: no calls come then. */
  reachable: boolean
  since: string
}

export interface Message {
  id: string
  seq: number
  from: 'customer' | 'agent' | 'system'
  text: string
  attachment: Attachment | null
  at: string
}

export interface Contact {
  id: string
  channel: string
  state: string
  queueId: string
  entryPointId: string
  customer: { name: string; email?: string; phone?: string }
  subject: string | null
  enqueuedAt: string
  connectedAt: string | null
  messages: Message[]
  customerReadUpTo: number
  customerTypingUntil: number
  /** The contact this one continues (the chat a customer clicked to call from). */
  relatedContactId: string | null
}

export interface Offer {
  offerId: string
  contactId: string
  queueId: string
  expiresAt: number
  customer: string
  /** The caller's number, for calls. */
  phone?: string
  channel: string
  /** The contact it continues: a call from a chat the agent may have open. */
  relatedContactId?: string | null
}

export interface DeskSettings {
  tenant: { id: string; name: string }
  notReadyReasons: string[]
  wrapUpCodes: { code: string; label: string }[]
  queues: { id: string; name: string; channel: string }[]
  agents: { id: string; name: string }[]
  /** The CRM's screen for a caller (004's pop_url); null: none. */
  popUrl: string | null
}

/**
 * 004's screen pop: the CRM page for the caller. `{callerid}` and `{uniqueid}` in the URL are
 * filled in; without them both go as query parameters.
 */
export function popUrlFor(template: string, phone: string, uniqueid: string): string {
  if (/\{(callerid|uniqueid)\}/.test(template))
    return template
      .replace(/\{callerid\}/g, encodeURIComponent(phone))
      .replace(/\{uniqueid\}/g, encodeURIComponent(uniqueid))
  const url = new URL(template)
  url.searchParams.set('callerid', phone)
  url.searchParams.set('uniqueid', uniqueid)
  return url.toString()
}

export interface Ev {
  seq: number
  type: string
  contactId?: string
  agentId?: string | null
  offerId?: string
  queueId?: string
  expiresAt?: string
  messageId?: string
  messageSeq?: number
  from?: Message['from']
  text?: string
  attachment?: Attachment | null
  at: string
  by?: string
  upToSeq?: number
  state?: string
  fromAgentId?: string
}

export interface ContactRecord extends Omit<
  Contact,
  'messages' | 'customerReadUpTo' | 'customerTypingUntil'
> {
  messages: {
    id: string
    seq: number
    from: Message['from']
    text: string
    attachment: Attachment | null
    at: string
  }[]
  timeline: Ev[]
}
