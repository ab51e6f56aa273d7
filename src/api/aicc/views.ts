import type { StoredMessage } from '../../app/ports.js'
import type { DomainEvent } from '../../core/events.js'

/** AICC's downlink message (poll's `downlinkMessages[]`, push's `messages[]`). */
export interface DownlinkMessage {
  readonly channel: 'WEB'
  readonly from: string
  readonly to: string
  readonly controlType: 'CHAT' | 'DISCONNECT' | 'READ'
  readonly mediaType: string
  readonly content: string
  readonly simQuestions: null
  readonly senderNickname: string
  readonly senderAvatar: null
  readonly sourceType: 'AGENT' | 'SYSTEM'
  readonly timestamp: number
  readonly isOfflineStatus: boolean
  readonly messageCode: string | null
  readonly callId: string
}

// System lines, in the languages an AICC client's locale names.
const SYSTEM_TEXT = {
  zh: {
    system: '系统',
    queued: '正在为您接通座席，请稍候。',
    connected: '已接通座席。',
    transferred: '正在为您转接，请稍候。',
    ended: '会话已结束。',
    timedOut: '排队超时，会话已结束。',
  },
  en: {
    system: 'system',
    queued: 'Connecting you to an agent, please wait.',
    connected: 'You are now connected to an agent.',
    transferred: 'Transferring you, please wait.',
    ended: 'The chat has ended.',
    timedOut: 'Nobody could take the chat in time; it has ended.',
  },
} as const

export interface DownlinkContext {
  readonly channelId: string
  readonly userId: string
  readonly locale: string
  readonly wantRead: boolean
  readonly agentName: (id: string | null) => string | null
}

/** AICC's media type for a file, from its content type. */
export function mediaTypeOf(contentType: string): string {
  if (contentType.startsWith('image/')) return 'IMAGE'
  if (contentType.startsWith('video/')) return 'VIDEO'
  if (contentType.startsWith('audio/')) return 'AUDIO'
  return 'FILE'
}

/** What an AICC client is shown of a chat event; undefined for what it is not shown. */
export function downlinkOf(e: DomainEvent, ctx: DownlinkContext): DownlinkMessage | undefined {
  const text = ctx.locale.toLowerCase().startsWith('zh') ? SYSTEM_TEXT.zh : SYSTEM_TEXT.en
  const base = {
    channel: 'WEB' as const,
    from: ctx.channelId,
    to: ctx.userId,
    simQuestions: null,
    senderAvatar: null,
    timestamp: e.at,
    isOfflineStatus: false,
    callId: 'contactId' in e ? e.contactId : '',
  }
  const system = (
    content: string,
    controlType: DownlinkMessage['controlType'] = 'CHAT',
    offline = false,
  ) => ({
    ...base,
    controlType,
    mediaType: 'TEXT',
    content,
    senderNickname: text.system,
    sourceType: 'SYSTEM' as const,
    isOfflineStatus: offline,
    messageCode: null,
  })
  switch (e.type) {
    case 'ContactQueued':
      return system(text.queued)
    case 'ContactConnected':
      return system(text.connected)
    case 'ContactTransferred':
      return system(text.transferred)
    case 'ContactTimedOut':
      return system(text.timedOut, 'DISCONNECT', true)
    case 'ContactEnded':
      // Whoever ended it. A chat ends on the customer's side also when its client went quiet
      // and the server released it: a client that comes back must learn it here, not from a
      // 160004 on its next send. One that sent DISCONNECT itself reads it as the confirmation.
      return system(text.ended, 'DISCONNECT', true)
    case 'MessagePosted': {
      if (e.from !== 'agent') return undefined
      const a = e.attachment ?? null
      return {
        ...base,
        controlType: 'CHAT',
        // A file goes by its id, fetched with downloadFileStream.
        mediaType: a ? mediaTypeOf(a.contentType) : 'TEXT',
        content: a ? a.id : e.text,
        senderNickname: ctx.agentName(e.agentId) ?? 'agent',
        sourceType: 'AGENT',
        messageCode: e.messageId,
      }
    }
    case 'MessagesRead':
      return ctx.wantRead && e.by === 'agent'
        ? {
            ...base,
            controlType: 'READ',
            mediaType: 'TEXT',
            content: String(e.upToSeq),
            senderNickname: ctx.agentName(e.agentId) ?? 'agent',
            sourceType: 'AGENT',
            messageCode: null,
          }
        : undefined
    case 'AgentStateChanged':
    case 'ContactClosed':
    case 'ContactOffered':
    case 'ContactOverflowed':
    case 'ContactRefused':
    case 'ContactRequeued':
    case 'OfferRejected':
    case 'OfferRescinded':
    case 'OfferTimedOut':
    case 'RouterRestored':
      return undefined
  }
}

/** A stored message as queryHistoryChatMessage lists it: the customer's own lines included. */
export function historyMessageOf(
  m: StoredMessage,
  ctx: Pick<DownlinkContext, 'channelId' | 'userId' | 'agentName'>,
) {
  const fromCustomer = m.from === 'customer'
  return {
    channel: 'WEB' as const,
    from: fromCustomer ? ctx.userId : ctx.channelId,
    to: fromCustomer ? ctx.channelId : ctx.userId,
    controlType: 'CHAT' as const,
    mediaType: m.attachment ? mediaTypeOf(m.attachment.contentType) : 'TEXT',
    content: m.attachment ? m.attachment.id : m.text,
    senderNickname: fromCustomer
      ? null
      : m.from === 'agent'
        ? (ctx.agentName(m.agentId) ?? 'agent')
        : 'system',
    sourceType: fromCustomer ? 'CUSTOMER' : m.from === 'agent' ? 'AGENT' : 'SYSTEM',
    timestamp: m.at,
    messageCode: m.id,
    callId: m.contactId,
  }
}
