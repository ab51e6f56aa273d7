import type {
  Caller,
  CallRecord,
  DirectCallRecord,
  DirectDial,
  HintStatus,
  MenuRecord,
  Ring,
} from '../../app/voice-ports.js'
import { HINT } from '../../app/voice-ports.js'
import { localParts } from '../../core/local-time.js'
import type { PbxConfig } from '../../core/tenant-config.js'

// The events 004 pushes, built from what the voice channel saw. Field names and value forms
// follow 004's samples exactly (strings where they quote them, numbers where they do not).

/** What the builders need to know about the tenant. */
export interface PushContext {
  readonly pbx: PbxConfig
  readonly timeZone: string
  extensionOf(agentId: string): string
  queueNumber(queueId: string): string
  /** Nobody serving the queue is signed in to the voice channel. */
  noAgentSignedIn(queueId: string): boolean
  shortAbandonMs(queueId: string): number
}

/** Asterisk's timestamp: seconds with microseconds, "1534993059.785012". */
const stamp = (at: number): string => (at / 1000).toFixed(6)
const secs = (ms: number): number => Math.max(0, Math.round(ms / 1000))

/** "2018-11-05 19:05:31" in the tenant's time zone. */
export function localTime(timeZone: string, at: number): string {
  const p = localParts(timeZone, at)
  const two = (n: number) => String(n).padStart(2, '0')
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}:${two(p.second)}`
}

/** The channel names of current-calls and the events: the caller's, and an agent phone's. */
export const callerChannel = (caller: Caller, contactId: string): string =>
  `SIP/${caller.trunkId}-${shortId(contactId)}`
export const phoneChannel = (extension: string, offerId: string): string =>
  `SIP/${extension}-${shortId(offerId)}`
export const shortId = (id: string): string => id.replace(/-/g, '').slice(0, 8)

export function dialBegin(ctx: PushContext, contactId: string, caller: Caller, ring: Ring) {
  const ext = ctx.extensionOf(ring.agentId)
  return {
    event: ctx.pbx.dialBeginEvent,
    timestamp: stamp(ring.startedAt),
    channel: callerChannel(caller, contactId),
    calleridnum: caller.number,
    destchannel: phoneChannel(ext, ring.offerId),
    destcalleridnum: ext,
    destuniqueid: ring.offerId,
    dialstring: `SIP/${ext}`,
    uniqueid: contactId,
    mac: ctx.pbx.mac,
  }
}

export function dialEnd(ctx: PushContext, contactId: string, caller: Caller, ring: Ring) {
  const ext = ctx.extensionOf(ring.agentId)
  return {
    event: 'dialend',
    timestamp: stamp(ring.endedAt ?? ring.startedAt),
    channel: callerChannel(caller, contactId),
    calleridnum: caller.number,
    destchannel: phoneChannel(ext, ring.offerId),
    destcalleridnum: ext,
    uniqueid: contactId,
    dialstatus: ring.outcome ?? 'CANCEL',
  }
}

const HINT_TEXT: Record<HintStatus, string> = {
  [HINT.idle]: 'Idle',
  [HINT.inUse]: 'InUse',
  [HINT.busy]: 'Busy',
  [HINT.offline]: 'Unavailable',
  [HINT.ringing]: 'Ringing',
  [HINT.onHold]: 'Hold',
}

export const extensionStatus = (exten: string, status: HintStatus) => ({
  event: 'extensionstatus',
  exten,
  status: String(status),
  statustext: HINT_TEXT[status],
})

/** The extension the call reached: the agent who talked, else the last one rung. */
function reached(ctx: PushContext, r: CallRecord): string {
  const agentId = r.agentId ?? r.rings.at(-1)?.agentId
  return agentId ? ctx.extensionOf(agentId) : ''
}

export function hangup(ctx: PushContext, r: CallRecord) {
  const agent = r.agentId ?? r.rings.at(-1)?.agentId
  return {
    event: 'hangup',
    calleridnum: r.caller.number,
    calleridname: r.caller.name,
    connectedlinenum: reached(ctx, r) || r.caller.dialled,
    connectedlinename: agent ? reached(ctx, r) : '',
    uniqueid: r.contactId,
  }
}

export function cdr(ctx: PushContext, r: CallRecord) {
  const busy = r.rings.some((x) => x.outcome === 'BUSY') || r.refusal?.status === 486
  return cdrOf(ctx, {
    name: r.caller.name,
    source: r.caller.number,
    destination: r.caller.dialled,
    startedAt: r.startedAt,
    answeredAt: r.answeredAt,
    endedAt: r.endedAt,
    unanswered: busy ? 'BUSY' : 'NO ANSWER',
    calltype: 'inbound',
    recording: r.recording,
    uniqueid: r.contactId,
  })
}

/** 004's cdr, of an inbound call or a placed one. */
function cdrOf(
  ctx: PushContext,
  c: {
    name: string
    source: string
    destination: string
    startedAt: number
    answeredAt: number | null
    endedAt: number
    /** The disposition when nobody answered. */
    unanswered: 'BUSY' | 'NO ANSWER' | 'FAILED'
    calltype: 'inbound' | 'outbound' | ''
    recording: string | null
    uniqueid: string
  },
) {
  return {
    event: 'cdr',
    callerid: `"${c.name}" <${c.source}>`,
    source: c.source,
    destination: c.destination,
    starttime: localTime(ctx.timeZone, c.startedAt),
    answertime: c.answeredAt === null ? '' : localTime(ctx.timeZone, c.answeredAt),
    endtime: localTime(ctx.timeZone, c.endedAt),
    disposition: c.answeredAt !== null ? 'ANSWERED' : c.unanswered,
    duration: String(secs(c.endedAt - c.startedAt)),
    billableseconds: String(c.answeredAt === null ? 0 : secs(c.endedAt - c.answeredAt)),
    calltype: c.calltype,
    recordfile: c.recording ?? '',
    uniqueid: c.uniqueid,
  }
}

/** 004's reasons a call was lost; empty for an answered call, and for one that never reached a queue. */
export function missCause(ctx: PushContext, r: CallRecord): string {
  if (r.answeredAt !== null || r.endedIn === 'menu') return ''
  // Turned away at the door: for want of agents 004 has a cause; a closed line or a listed
  // number is not a call the center missed, and cc_cdr's hangupCause says why.
  if (r.refusal) {
    if (r.refusal.why === 'queue_depth_reached') return 'NO_ASSIGN'
    if (r.refusal.why !== 'agent_not_available') return ''
    return ctx.noAgentSignedIn(r.queueId) ? 'NO_AGENT_LOGIN' : 'NO_ASSIGN'
  }
  const waited = r.endedAt - r.enqueuedAt
  if (r.endedBy === 'customer' && waited < ctx.shortAbandonMs(r.queueId)) return 'MEMBER_CANCEL'
  if (r.rings.length > 0) return 'NO_AGENT_ANSWER'
  if (ctx.noAgentSignedIn(r.queueId)) return 'NO_AGENT_LOGIN'
  return 'NO_ASSIGN'
}

const HANGUP_SIDE = { customer: 'caller', agent: 'agent', system: 'system' } as const
const CDR_STATE = {
  refused: 'queue',
  menu: 'ivr',
  queue: 'queue',
  ringing: 'queue',
  talking: 'bridged',
  rating: 'feedback',
} as const

/** As Q.850 names it, the way Asterisk and FreeSWITCH report a SIP refusal (RFC 3398). */
function hangupCause(r: CallRecord): string {
  const status = r.refusal?.status
  if (status === 486 || status === 600) return 'USER_BUSY'
  if (status === 403 || status === 603) return 'CALL_REJECTED'
  if (status === 480) return 'NO_USER_RESPONSE'
  // Our answer was never acknowledged, or the session was not refreshed: the caller's side is gone.
  if (r.lost === 'no_ack' || r.lost === 'session_expired') return 'RECOVERY_ON_TIMER_EXPIRE'
  // Asterisk's rtptimeout: the media stopped.
  if (r.lost === 'media_timeout') return 'MEDIA_TIMEOUT'
  // Nobody answered, and a phone rung could not take the caller's codec.
  if (r.answeredAt === null && r.noCommonCodec) return 'BEARERCAPABILITY_NOTAVAIL'
  return r.endedBy === 'system' ? 'NORMAL_TEMPORARY_FAILURE' : 'NORMAL_CLEARING'
}

export function ccCdr(ctx: PushContext, r: CallRecord, pauseMs: number) {
  const ringMs = r.rings.reduce((sum, x) => sum + ((x.endedAt ?? r.endedAt) - x.startedAt), 0)
  const ext = reached(ctx, r)
  return {
    event: 'cc_cdr',
    uuid: r.contactId,
    caller: r.caller.number,
    called: ext || r.caller.dialled,
    queueCode: r.queueId ? ctx.queueNumber(r.queueId) : '',
    agentCode: ext,
    callType: 'incoming',
    cdrState: CDR_STATE[r.endedIn],
    hangupSide: HANGUP_SIDE[r.endedBy],
    hangupCause: hangupCause(r),
    startTime: localTime(ctx.timeZone, r.startedAt),
    endTime: localTime(ctx.timeZone, r.endedAt),
    duration: String(secs(r.endedAt - r.startedAt)),
    queueTime: String(secs((r.answeredAt ?? r.endedAt) - r.enqueuedAt)),
    feedbackTime: String(r.rating ? secs(r.rating.endedAt - r.rating.startedAt) : 0),
    ivrTime: r.menu ? String(secs(r.menu.endedAt - r.menu.startedAt)) : '',
    ringTime: String(secs(ringMs)),
    holdTime: secs(r.holdMs),
    pauseTime: secs(pauseMs),
    talkingTime: String(r.answeredAt === null ? 0 : secs(r.endedAt - r.answeredAt)),
    voicemailState: '0',
    ivrId: r.menu?.id ?? '',
    ivrName: r.menu?.name ?? '',
    ivrDtmf: r.menu?.digit ?? '',
    fwType: '',
    score: String(r.rating?.score ?? 0),
    trunkNumber: r.caller.dialled,
    forwardNumber: '',
    filePath: r.recording ?? '',
    missCause: missCause(ctx, r),
    mac: ctx.pbx.mac,
  }
}

/** 004's ivr event: a caller's way through a menu, and the queue it led to. */
export function ivr(ctx: PushContext, callId: string, caller: Caller, m: MenuRecord) {
  return {
    event: 'ivr',
    uuid: callId,
    caller: caller.number,
    called: caller.dialled,
    callType: 'IN',
    queueCode: m.queueId ? ctx.queueNumber(m.queueId) : '',
    startTime: localTime(ctx.timeZone, m.startedAt),
    endTime: localTime(ctx.timeZone, m.endedAt),
    duration: String(secs(m.endedAt - m.startedAt)),
    ivrId: m.id,
    ivrName: m.name,
    ivrDtmf: m.digit ?? '',
    trunkNumber: caller.dialled,
    mac: ctx.pbx.mac,
  }
}

// ---- calls placed through the API (click-to-dial): Asterisk's Originate, then its Dial ----------

export function placedDialBegin(ctx: PushContext, d: DirectDial) {
  return {
    event: ctx.pbx.dialBeginEvent,
    timestamp: stamp(d.startedAt),
    channel: phoneChannel(d.from.number, d.callId),
    calleridnum: d.from.number,
    destchannel: phoneChannel(d.to.number, d.legId),
    destcalleridnum: d.to.number,
    destuniqueid: d.legId,
    dialstring: `SIP/${d.to.number}`,
    uniqueid: d.callId,
    mac: ctx.pbx.mac,
  }
}

export function placedDialEnd(d: DirectDial) {
  return {
    event: 'dialend',
    timestamp: stamp(d.endedAt ?? d.startedAt),
    channel: phoneChannel(d.from.number, d.callId),
    calleridnum: d.from.number,
    destchannel: phoneChannel(d.to.number, d.legId),
    destcalleridnum: d.to.number,
    uniqueid: d.callId,
    dialstatus: d.outcome ?? 'CANCEL',
  }
}

export function placedHangup(r: DirectCallRecord) {
  return {
    event: 'hangup',
    calleridnum: r.from.number,
    calleridname: r.from.number,
    connectedlinenum: r.to.number,
    connectedlinename: r.to.number,
    uniqueid: r.callId,
  }
}

export function placedCdr(ctx: PushContext, r: DirectCallRecord) {
  return cdrOf(ctx, {
    name: r.from.number,
    source: r.from.number,
    destination: r.to.number,
    startedAt: r.startedAt,
    answeredAt: r.answeredAt,
    endedAt: r.endedAt,
    unanswered: r.outcome === 'BUSY' ? 'BUSY' : r.outcome === 'CHANUNAVAIL' ? 'FAILED' : 'NO ANSWER',
    // 004: outbound through a trunk, empty for a call between extensions.
    calltype: r.to.external ? 'outbound' : '',
    recording: r.recording,
    uniqueid: r.callId,
  })
}
