/**
 * The media server a voice call's audio is anchored in (rtpengine). A call is one media session
 * (`callId`) between two parties named by tags: the caller's, and ours, which stands for whoever
 * the caller is connected to (hold music, then an agent's phone).
 */
export interface MediaServer {
  /** Why voice cannot work now, or null when the media server answers. */
  readonly unavailableReason: string | null
  /** The caller's offer in; the SDP to send the other side out. `record` starts recording. */
  offer(req: MediaOffer): Promise<string>
  /** The other side's answer in; the SDP to send the caller out. */
  answer(req: MediaAnswer): Promise<string>
  /**
   * When the media server last received a packet of the call from any of its parties (ms since
   * the epoch); null when nothing ever came or the call is not known.
   */
  lastPacketAt(callId: string): Promise<number | null>
  /** Plays a file to the party `toTag`; resolves with how long it lasts (ms), once through. */
  play(callId: string, toTag: string, file: string, repeat?: number): Promise<number>
  stopPlaying(callId: string, toTag: string): Promise<void>
  /** Stops (or lets through again) the audio coming from party `fromTag` (an agent on hold). */
  silence(callId: string, fromTag: string, silenced: boolean): Promise<void>
  /** Ends the session; its recording, if any, is then complete. */
  end(callId: string): Promise<void>
  /** The finished recording of a call as a WAV file (after `end`), or null if there is none. */
  recording(callId: string): Promise<string | null>
  /** A copy of the parties' audio for a new party `toTag` (a listener): the offer to answer. */
  subscribe(callId: string, fromTags: readonly string[], toTag: string): Promise<string>
  subscribeAnswer(callId: string, toTag: string, sdp: string): Promise<void>
  unsubscribe(callId: string, toTag: string): Promise<void>
}

/** Listening in on a call: the parties' audio in (from the media server), their mix out to a phone. */
export interface ListenBridge {
  /** Our answer to the media server's subscription offer (one stream per party heard). */
  answerSubscription(offer: string): Promise<string>
  /** Our offer to the listening phone. */
  phoneOffer(): string
  phoneAnswered(answer: string): void
  /** Sends `party` (whose SDP this is) the mix of the other party and the listener. */
  speakTo(party: 'agent' | 'caller', sdp: string): Promise<void>
  /** Stops sending to the parties: the call's own streams reach them again. */
  quiet(): void
  close(): void
}

/** How one listens in: unheard; heard by the agent alone (whisper); heard by both (barge). */
export type ListenMode = 'listen' | 'whisper' | 'barge'

/** The keys a caller presses (menus, ratings), from a copy of its stream. */
export interface DtmfTap {
  answerSubscription(offer: string): Promise<string>
  onDigit(listener: (digit: string) => void): void
  close(): void
}

export interface AudioMixer {
  listen(): Promise<ListenBridge>
  dtmf(): Promise<DtmfTap>
}

/**
 * What a party's media is: a browser's (WebRTC: ICE, DTLS-SRTP, rtcp-mux) or a phone's or
 * trunk's (plain RTP). The media server bridges the two.
 */
export type MediaPeer = 'webrtc' | 'rtp'

export interface MediaOffer {
  readonly callId: string
  readonly fromTag: string
  /** Set on a re-offer within the session (the agent leg after the queue leg). */
  readonly toTag?: string
  readonly sdp: string
  readonly record?: boolean
  /**
   * What the party the offer goes to is, when it is new to the session (a phone about to be
   * rung); otherwise what its own last description said.
   */
  readonly toward?: MediaPeer
}

export interface MediaAnswer {
  readonly callId: string
  readonly fromTag: string
  readonly toTag: string
  readonly sdp: string
}

/** How a phone reaches us: WS and WSS are browsers (RFC 7118), reachable on their connection only. */
export type PhoneTransport = 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS'
export const PHONE_TRANSPORTS: readonly PhoneTransport[] = ['UDP', 'TCP', 'TLS', 'WS', 'WSS']

/** Where a phone can be reached: kept so a restart does not wait for every phone to register again. */
export interface PhoneBinding {
  readonly tenantId: string
  readonly extension: string
  /** The Contact URI the phone registered. */
  readonly contact: string
  /** The address its REGISTER came from: calls go there (it may be behind NAT). */
  readonly source: { readonly transport: PhoneTransport; readonly host: string; readonly port: number }
  readonly expiresAt: number
  readonly userAgent: string | null
  readonly registeredAt: number
  /**
   * The cluster node it registered through (its SIP `host:port`), when calls from the other
   * nodes must go through it: the phone's connection (TCP, TLS) or NAT binding is that node's.
   */
  readonly edge?: string
  /**
   * The phone's preference among the extension's phones (RFC 3261 §10.2.1.2, 0 to 1): the
   * highest rings. A softphone says 1 when its agent wants calls there, 0.1 when not.
   */
  readonly q?: number
}

/** One change to the stored bindings: a binding saved (added or refreshed), or one removed. */
export type PhoneBindingChange =
  | { readonly kind: 'save'; readonly binding: PhoneBinding }
  | {
      readonly kind: 'remove'
      readonly tenantId: string
      readonly extension: string
      readonly contact: string
    }

export interface PhoneBindingStore {
  /** Bindings that have not expired at `now`. */
  live(now: number): Promise<PhoneBinding[]>
  /** Stores every change in one transaction; at most one change per binding. */
  write(changes: readonly PhoneBindingChange[]): Promise<void>
}

/** A call's recording: a WAV file on this server's disk, listed with its contact. */
export interface CallRecording {
  readonly tenantId: string
  readonly contactId: string
  readonly file: string
  readonly bytes: number
  readonly durationMs: number
  readonly createdAt: number
}

export interface CallRecordingStore {
  save(r: CallRecording): Promise<void>
  get(tenantId: string, contactId: string): Promise<CallRecording | undefined>
}

/** Callers refused before they queue (004's blacklist), per tenant. */
export interface BlockedNumberStore {
  /** Oldest first. */
  list(tenantId: string): Promise<string[]>
  /** False when the number was already listed. */
  add(tenantId: string, number: string, now: number): Promise<boolean>
  /** False when the number was not listed. */
  remove(tenantId: string, number: string): Promise<boolean>
  has(tenantId: string, number: string): Promise<boolean>
}

/** 004's device states of an extension (Asterisk's hint states). */
export const HINT = { idle: 0, inUse: 1, busy: 2, offline: 4, ringing: 8, onHold: 16 } as const
export type HintStatus = (typeof HINT)[keyof typeof HINT]

/** A registered (or not) phone, and how fast it answers. */
export interface PhoneStatus {
  readonly extension: string
  readonly agentId: string
  /** Where its registration came from; null when not registered. */
  readonly address: string | null
  /** Round trip of the last OPTIONS; null: no answer; undefined: not asked yet. */
  readonly latencyMs: number | null | undefined
  readonly hint: HintStatus
}

/** A channel of a live call, as a PBX lists it: the caller's, or an agent's phone. */
export interface LiveChannel {
  /** The caller's leg (from a trunk) or an agent's phone (rung with an offer). */
  readonly leg:
    | { readonly kind: 'caller'; readonly trunkId: string }
    | { readonly kind: 'phone'; readonly extension: string; readonly offerId: string }
  readonly callerIdNum: string
  readonly callerIdName: string
  readonly connectedNum: string
  readonly connectedName: string
  readonly up: boolean
  readonly since: number
  readonly contactId: string
}

/** What the PBX API asks of the voice channel. Errors are DomainErrors. */
export interface Telephony {
  /** Every extension of the tenant, as the calls of every node show it. */
  phones(tenantId: string): Promise<PhoneStatus[]>
  /** The channels of the tenant's calls, on every node. */
  channels(tenantId: string): Promise<LiveChannel[]>
  /** Ends the call of this extension (a ringing phone stops ringing), on whichever node it is. */
  hangUp(tenantId: string, extension: string): Promise<void>
  /** Moves the call of extension `from` to `to` (an extension, an access number or a queue number). */
  transfer(tenantId: string, from: string, to: string): Promise<void>
  /** 004's click-to-dial: rings extension `from`; once it answers, calls `to` (an extension or a number out through the trunk). */
  place(tenantId: string, from: string, to: string): Promise<{ callId: string }>
  /** Rings `spy`; once answered it hears both parties of the call of `target`, and is heard as `mode` says. */
  listenIn(tenantId: string, spy: string, target: string, mode: ListenMode): Promise<void>
}

/** Who called, from where, to which number. */
export interface Caller {
  readonly number: string
  readonly name: string
  /** The access number dialled. */
  readonly dialled: string
  readonly trunkId: string
}

/** How ringing an agent's phone ended (Asterisk's DIALSTATUS, which CRMs know). */
export type RingOutcome = 'ANSWER' | 'NOANSWER' | 'BUSY' | 'CANCEL' | 'CHANUNAVAIL'

/** One ringing of an agent's phone within a call. */
export interface Ring {
  readonly offerId: string
  readonly agentId: string
  readonly startedAt: number
  readonly endedAt: number | null
  readonly outcome: RingOutcome | null
}

/** A call's life as the voice channel saw it, reported when the call is over. */
export interface CallRecord {
  readonly tenantId: string
  readonly contactId: string
  readonly caller: Caller
  readonly startedAt: number
  readonly endedAt: number
  readonly endedBy: 'customer' | 'agent' | 'system'
  readonly queueId: string
  readonly enqueuedAt: number
  /** The agent who talked last, and when an agent first answered. */
  readonly agentId: string | null
  readonly answeredAt: number | null
  readonly rings: readonly Ring[]
  readonly holdMs: number
  /** The recording's name (its key for download), when the call is recorded. */
  readonly recording: string | null
  /**
   * Where the call was when it ended: refused at the door, in the menu, queued, ringing an agent,
   * talking, or rating the call.
   */
  readonly endedIn: 'refused' | 'menu' | 'queue' | 'ringing' | 'talking' | 'rating'
  /** Why a refused call was turned away, and the SIP status it was given. */
  readonly refusal?: { readonly why: RefusalCause; readonly status: number }
  /** Why the system ended a call that was up (RFC 3261 §13.3.1.4, RFC 4028 §10). */
  readonly lost?: LostCause
  /** A phone rung answered that it shares no codec with the caller (488 or 606). */
  readonly noCommonCodec?: true
  /** The menu the caller went through first, if any. */
  readonly menu: MenuRecord | null
  /** The rating asked after the agent hung up, if it was. */
  readonly rating: {
    readonly score: number | null
    readonly startedAt: number
    readonly endedAt: number
  } | null
}

/**
 * no_ack: our 2xx was never acknowledged; session_expired: no session refresh came (RFC 4028);
 * media_timeout: no media either way for the configured time.
 */
export type LostCause = 'no_ack' | 'session_expired' | 'media_timeout' | 'customer_did_not_join'

/** Why a call was refused before it queued: the entry point's reason, or the caller's number. */
export type RefusalCause =
  | 'blacklisted'
  | 'entry_point_inactive'
  | 'outside_business_hours'
  | 'agent_not_available'
  | 'queue_depth_reached'

/** A caller's way through a voice menu. */
export interface MenuRecord {
  readonly id: string
  readonly name: string
  /** The valid key pressed; null when none came. */
  readonly digit: string | null
  readonly startedAt: number
  readonly endedAt: number
  /** The queue the caller went on to; null when the call ended in the menu. */
  readonly queueId: string | null
}

/** What the voice channel tells those who follow calls (the PBX API's pushed events). */
export interface CallObserver {
  ringing(tenantId: string, contactId: string, caller: Caller, ring: Ring): void
  ringEnded(tenantId: string, contactId: string, caller: Caller, ring: Ring): void
  finished(record: CallRecord): void
  /** A caller left a voice menu (to a queue, or not). */
  menuFinished(tenantId: string, callId: string, caller: Caller, menu: MenuRecord): void
  /** A placed call (click-to-dial) rings its second side, and that ringing ends. */
  dialing(tenantId: string, dial: DirectDial): void
  dialEnded(tenantId: string, dial: DirectDial): void
  placedCallFinished(record: DirectCallRecord): void
  /** What a tenant's phones do changed: a call rings, is answered, held or ends; a phone comes or goes. */
  linesChanged(tenantId: string): void
}

/** One side of a call the API placed (click-to-dial): a number, an agent's when it is an extension. */
export interface DirectLeg {
  readonly number: string
  readonly agentId: string | null
  /** Reached through a trunk, not one of our phones. */
  readonly external: boolean
}

/** Ringing the second side of a placed call, once the first answered. */
export interface DirectDial {
  readonly callId: string
  /** The ringing leg's own id. */
  readonly legId: string
  readonly from: DirectLeg
  readonly to: DirectLeg
  readonly startedAt: number
  readonly endedAt: number | null
  readonly outcome: RingOutcome | null
}

/** A placed call's life, reported when it is over. */
export interface DirectCallRecord {
  readonly tenantId: string
  readonly callId: string
  readonly from: DirectLeg
  readonly to: DirectLeg
  readonly startedAt: number
  /** When the second side answered: the two talk from then. */
  readonly answeredAt: number | null
  readonly endedAt: number
  readonly endedBy: 'from' | 'to' | 'system'
  readonly outcome: RingOutcome | null
  readonly recording: string | null
}

/** The part of a WebSocket (the `ws` package's) a SIP connection uses (RFC 7118). */
export interface SipWebSocket {
  readonly readyState: number
  send(data: string | Buffer): void
  close(code?: number, reason?: string): void
  terminate(): void
  ping(): void
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): unknown
  on(event: 'close', listener: () => void): unknown
  on(event: 'pong', listener: () => void): unknown
  on(event: 'error', listener: (e: Error) => void): unknown
}

/** Where the HTTP server hands the WebSockets of SIP clients (browsers): the voice channel. */
export interface SipWebSocketGateway {
  accept(ws: SipWebSocket, remote: { host: string; port: number }, secure: boolean): void
}

/** A customer who chats asks to be called in the browser (002's createClickToCall). */
export interface ClickToCallRequest {
  readonly tenantId: string
  /** The voice access number the browser will dial: its entry point names the queue. */
  readonly accessNumber: string
  readonly customer: { readonly name: string; readonly phone?: string }
  /** The chat the call is asked from: the two are one conversation. */
  readonly chatContactId: string
  /** The chat's original enqueue time: the call keeps the chat's place in line. */
  readonly enqueuedAt?: number
  /** The agent who has the chat: offered the call first when it can take it. */
  readonly preferredAgentId?: string
}

export type ClickToCallStarted =
  | {
      readonly started: true
      readonly contactId: string
      /** The caller name the browser dials as: its credential, good for this call only. */
      readonly callerName: string
    }
  | { readonly started: false; readonly reason: string; readonly contactId: string | null }

/** Click-to-call, as the voice channel offers it to the dialects. */
export interface ClickToCallService {
  start(req: ClickToCallRequest): Promise<ClickToCallStarted>
  /** The customer hangs up from the page (joined or not); false when no such call is here. */
  drop(tenantId: string, contactId: string): boolean
}
