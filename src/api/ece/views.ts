import type { StoredMessage } from '../../app/ports.js'
import type { EntryPointStatus, GateReason } from '../../core/availability.js'
import type { ChatSettings } from '../../core/tenant-config.js'
import { eceDocument, element } from './xml.js'

/** ECE's chatAllowed reasons; ours are finer (outside_business_hours is ECE's "other"). */
export type EceReason =
  | 'queue_depth_reached'
  | 'agent_not_available'
  | 'service_not_running'
  | 'invalid_entry_point'
  | 'entry_point_inactive'
  | 'other'

export const ECE_REASON: Record<GateReason, EceReason> = {
  invalid_entry_point: 'invalid_entry_point',
  entry_point_inactive: 'entry_point_inactive',
  outside_business_hours: 'other',
  agent_not_available: 'agent_not_available',
  queue_depth_reached: 'queue_depth_reached',
  service_not_running: 'service_not_running',
}

/** Seconds with one decimal, as the samples write them ("3.0"). */
const seconds = (ms: number): string => (Math.round(ms / 100) / 10).toFixed(1)

export function agentAvailabilityXml(s: EntryPointStatus): string {
  return eceDocument('agentAvailability', { available: String(s.agentsAvailable > 0) })
}

export function capacityXml(s: EntryPointStatus): string {
  return eceDocument('availableSlots', {}, element('ns2:count', String(s.availableSlots)))
}

export function liveSessionStatusXml(s: EntryPointStatus): string {
  return sessionStatusXml(s.estimatedWaitMs, s.queueDepth)
}

/** ECE's waitTime when nobody can serve the queue: not an estimate (docs/ece.md). */
export const NO_WAIT_ESTIMATE = '-1.0'

export function sessionStatusXml(waitMs: number | null, queueDepth: number): string {
  return eceDocument(
    'sessionStatus',
    {},
    element('ns2:waitTime', waitMs === null ? NO_WAIT_ESTIMATE : seconds(waitMs)) +
      element('ns2:queueDepth', String(queueDepth)),
  )
}

export function checkEligibilityXml(s: EntryPointStatus): string {
  return eceDocument('checkEligibility', { responseType: String(s.eligibility) })
}

export function chatAllowedXml(reason: EceReason | null): string {
  return eceDocument('chatAllowed', reason === null ? { allowed: 'true' } : { allowed: 'false', reason })
}

export const STATUS_VIEWS = {
  agentAvailability: agentAvailabilityXml,
  capacity: capacityXml,
  liveSessionStatus: liveSessionStatusXml,
  checkEligibility: checkEligibilityXml,
  chatAllowed: (s: EntryPointStatus) => chatAllowedXml(s.reason === null ? null : ECE_REASON[s.reason]),
} as const
export type StatusCall = keyof typeof STATUS_VIEWS

/**
 * ECE error body. The vendor documents only the status codes (000: "500: …"); the body follows
 * eGain's REST error shape: a code like "400-115" and a message for developers.
 */
export function errorXml(code: string, message: string): string {
  return eceDocument(
    'ns2:errors',
    {},
    `<ns2:error>${element('ns2:code', code)}${element('ns2:developerMessage', message)}</ns2:error>`,
  )
}

/** A failure of the transport (no such call, wrong method, URL too long…): `{status}-100`. */
export function eceFailureXml(status: number, message: string): string {
  return errorXml(`${status}-100`, message)
}

export function transcriptXml(sid: string, messages: readonly StoredMessage[]): string {
  const body = messages
    .map((m) =>
      element('ns2:message', m.text, {
        from: m.from,
        seq: String(m.seq),
        time: new Date(m.at).toISOString(),
        // A file sent in the chat: named here, fetched through the native API by the parties.
        ...(m.attachment ? { attachmentId: m.attachment.id, attachmentName: m.attachment.name } : {}),
      }),
    )
    .join('')
  return eceDocument('transcript', { sid }, body)
}

/** The JSON of 001's `initialize`, from the entry point's settings; video and audio chat are not offered. */
export function initializeJson(s: EntryPointStatus, chat: ChatSettings): Record<string, unknown> {
  return {
    checkEligibility: { responseType: s.eligibility },
    maskingPatterns: { maskingPattern: chat.maskingPatterns },
    isVideoChatLicensed: false,
    isVideoChatEnabled: false,
    videoChatMaxEscalation: 0,
    isDirectAudioChatEnabled: false,
    isChatAttachmentEnabled: chat.attachmentsEnabled,
    maxChatAttachmentSize: chat.maxAttachmentSizeMb,
    isBlackListType: false,
    isOffRecordEnabled: chat.offRecordEnabled,
    htmlTagMatcherRegEx: '((?:[\\r\\n|\\n]*(?:<[^>]*>)*[\\r\\n|\\n]*)*)',
    htmlTagMatcherIncr: 1,
    isOneTagOff: true,
  }
}
