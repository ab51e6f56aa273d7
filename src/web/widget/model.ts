import type { Attachment } from '../shared/parts.js'

// A customer's chat as the widget keeps it, and the poll's answer.

export interface Message {
  key: string
  from: 'customer' | 'agent' | 'system'
  agentName: string | null
  text: string
  attachment: Attachment | null
  at: string
  /** Sent by us and not yet confirmed by the server. */
  pending?: boolean
  failed?: boolean
  messageSeq?: number
}

export interface ChatView {
  state: string
  position: number
  waitSeconds: number
  agentName: string | null
  agentTyping: boolean
  messages: Message[]
  /** Highest of our messages the agent has read. */
  readUpTo: number
  connection: 'online' | 'reconnecting'
}

export interface Stored {
  contactId: string
  customerToken: string
  lastSeq: number
}

export interface PollEvent {
  seq: number
  type: string
  messageId?: string
  messageSeq?: number
  from?: 'customer' | 'agent' | 'system'
  agentName?: string | null
  text?: string
  attachment?: Attachment | null
  clientMessageId?: string | null
  at: string
  by?: string
  upToSeq?: number
}

export interface PollResult {
  events: PollEvent[]
  lastSeq: number
  state: string
  position: number
  estimatedWaitSeconds: number
  agentTyping: boolean
}
