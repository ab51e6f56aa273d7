import type { Channel } from './channel.js'

export const STRATEGIES = [
  'longest_available',
  'least_occupied',
  'most_proficient',
  'round_robin',
  'fewest_handled',
] as const
export type Strategy = (typeof STRATEGIES)[number]

export type Role = 'agent' | 'supervisor' | 'admin'

export interface ChannelCapacity {
  readonly maxTasks: number
  /** While the agent has a task on an exclusive channel (typically voice), no other channel gets new offers. */
  readonly exclusive: boolean
}

export interface AgentProfile {
  readonly id: string
  readonly name: string
  readonly channels: Readonly<Partial<Record<Channel, ChannelCapacity>>>
}

export interface SkillGroup {
  readonly id: string
  readonly name: string
  readonly channel: Channel
  /** agentId → proficiency 1..10 */
  readonly members: Readonly<Record<string, number>>
}

export interface QueueTier {
  readonly skillGroups: readonly string[]
  /** The tier joins the search once a contact has waited this long (seconds, since original enqueue). */
  readonly afterSeconds: number
}

export interface QueueConfig {
  readonly id: string
  readonly name: string
  readonly channel: Channel
  readonly tiers: readonly QueueTier[]
  readonly strategy: Strategy
  readonly priority: number
  readonly maxDepth: number | null
  readonly maxWaitSeconds: number | null
  /** Where a contact goes at max wait; none means it ends as timed out. */
  readonly overflowQueueId: string | null
  readonly serviceLevelSeconds: number
  readonly shortAbandonSeconds: number
  readonly offerTimeoutSeconds: number
  /** null: wrap-up lasts until the agent submits it; 0: no wrap-up. */
  readonly wrapUpSeconds: number | null
  /** Consecutive missed (timed-out) offers that mark the agent not responding. */
  readonly notRespondingAfter: number
}

export interface TimeRange {
  /** "HH:MM" local time; close may be "24:00". */
  readonly open: string
  readonly close: string
}

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const
export type Weekday = (typeof WEEKDAYS)[number]

export interface Calendar {
  readonly id: string
  readonly timeZone: string
  readonly weekly: Readonly<Partial<Record<Weekday, readonly TimeRange[]>>>
  /** "YYYY-MM-DD" local dates that are closed all day. */
  readonly holidays: readonly string[]
}

/** What a chat entry point offers its customers (ECE's `initialize` reports these). */
export interface ChatSettings {
  readonly attachmentsEnabled: boolean
  readonly maxAttachmentSizeMb: number
  /** Regular expressions (source text) whose matches are masked in messages. */
  readonly maskingPatterns: readonly string[]
  readonly offRecordEnabled: boolean
  /** The widget's "Call us": the voice access number the customer's browser calls; null: none. */
  readonly clickToCall: { readonly accessNumber: string } | null
}

/** Visa/Mastercard/Amex-style card numbers, with spaces or dashes between digit groups. */
export const DEFAULT_MASKING_PATTERNS: readonly string[] = ['\\b(?:\\d[ -]?){12,18}\\d\\b']

export interface EntryPoint {
  readonly id: string
  readonly name: string
  readonly channel: Channel
  readonly queueId: string
  readonly active: boolean
  /** null: always open. */
  readonly calendarId: string | null
  readonly chat: ChatSettings
  /** Where a message left while the entry point is closed or unavailable waits; null: not offered. */
  readonly leaveMessageQueueId: string | null
}

/** A prepared answer agents insert into a chat; `queues` empty means every queue. */
export interface CannedResponse {
  readonly id: string
  readonly title: string
  readonly text: string
  readonly queues: readonly string[]
}

export interface UserConfig {
  readonly username: string
  /** scrypt hash, never the password itself. */
  readonly passwordHash: string
  readonly role: Role
  readonly agentId: string | null
}

/** Agent liveness: what happens when an agent's every stream (WebSocket, long-poll) is gone. */
export interface PresenceConfig {
  readonly notReadyAfterSeconds: number
  readonly logoutAfterSeconds: number
}

export interface TenantConfig {
  readonly id: string
  readonly name: string
  readonly timeZone: string
  /** null: agents are never changed for having disconnected. */
  readonly presence: PresenceConfig | null
  readonly agents: readonly AgentProfile[]
  readonly skillGroups: readonly SkillGroup[]
  readonly queues: readonly QueueConfig[]
  readonly entryPoints: readonly EntryPoint[]
  readonly calendars: readonly Calendar[]
  readonly users: readonly UserConfig[]
  readonly cannedResponses: readonly CannedResponse[]
  /** What agents pick from when they go not ready; reports group by them. */
  readonly notReadyReasons: readonly string[]
  /** Outcome codes for wrap-up; empty: any code (or none) is accepted. */
  readonly wrapUpCodes: readonly WrapUpCode[]
  /** The Huawei AICC web-client dialect; null: off. */
  readonly aicc: AiccConfig | null
  readonly webhooks: readonly WebhookSubscription[]
  /** NICE CXone WFM as a third-party ACD (003); null: off. */
  readonly cxone: CxoneConfig | null
  /** SIP phones, trunks and access numbers; null: no voice channel on SIP. */
  readonly voice: VoiceConfig | null
  /** The call-center HTTP API of document 004 (`/coocenter-api/`); null: off. */
  readonly pbx: PbxConfig | null
}

/** 004's `api.conf`: who may call the API, where call events are pushed, the after-call pause. */
export interface PbxConfig {
  /** WEBKEY: requests carry md5(webKey + local date); empty: no authentication. */
  readonly webKey: string
  /** Call events are POSTed here (004's URL); null: not pushed. */
  readonly pushUrl: string | null
  /** The push URL may be on loopback or a private network (a CRM on the LAN usually is). */
  readonly allowPrivateNetwork: boolean
  /** 004's device id (`mac`), sent with events. */
  readonly mac: string
  /** 004's `pop_url`: the screen a CRM opens for a ringing call. */
  readonly popUrl: string | null
  /**
   * 004's `pausetime`: after a call the agent is paused (in wrap-up) at most this long (up to
   * 30 s; 0 is none), then ready again, or sooner by hand; null: the voice queues' own wrap-up.
   */
  readonly pauseSeconds: number | null
  /** The name of the dial-begin event: 004's sample spells it `dialbegein`. */
  readonly dialBeginEvent: 'dialbegein' | 'dialbegin'
  /** What a blacklisted caller is answered, as a SIP status. */
  readonly blacklistStatus: number
  /** The time zone of the key's date; null: the tenant's. */
  readonly keyTimeZone: string | null
  /** Within this many seconds of midnight the neighbouring date's key is accepted too. */
  readonly keyGraceSeconds: number
}

/** An agent's SIP phone. */
export interface Extension {
  readonly number: string
  readonly agentId: string
  /** md5(number:realm:password): all digest authentication needs, not the password. */
  readonly ha1: string
}

/** A SIP peer that brings callers in (to an access number) and takes calls out. */
export interface Trunk {
  readonly id: string
  readonly host: string
  readonly port: number
  readonly transport: 'UDP' | 'TCP'
  readonly username: string | null
  readonly password: string | null
}

/** What a caller hears while waiting in a queue, and whether the call is recorded. */
export interface VoiceQueueSettings {
  readonly recordCalls: boolean
  /** 0: never. */
  readonly announceEverySeconds: number
  readonly announcePosition: boolean
  /** null: the built-in music. */
  readonly holdMusic: string | null
  /** The number the PBX API (004) knows the queue by, e.g. 630. */
  readonly number: string
}

export interface VoiceConfig {
  /** null: phones may register to any domain. */
  readonly domain: string | null
  /** The digest realm; extension HA1s are computed with it. */
  readonly realm: string
  readonly extensions: readonly Extension[]
  readonly trunks: readonly Trunk[]
  /** Access number → entry point id. */
  readonly numbers: Readonly<Record<string, string>>
  /** Per voice queue id. */
  readonly queues: Readonly<Record<string, VoiceQueueSettings>>
  readonly registrationSeconds: { readonly min: number; readonly max: number }
  /** Calls placed through the API (click-to-dial) and calls in a menu are recorded; queues say so for their own. */
  readonly recordCalls: boolean
  /** Voice menus, by the entry point whose access numbers callers dial. */
  readonly menus: Readonly<Record<string, VoiceMenu>>
  /** After the agent hangs up, the caller is asked for a rating digit; null: not asked. */
  readonly survey: VoiceSurvey | null
  /** A call with no media either way this long ends (0: never); absent in older stored configs (60). */
  readonly mediaTimeoutSeconds?: number
}

/** A voice menu (IVR): a prompt, then a digit leads to an entry point (its queue, hours and gates). */
export interface VoiceMenu {
  /** 004's ivrId and ivrName. */
  readonly id: string
  readonly name: string
  /** Spoken to the caller, repeated on each try. */
  readonly prompt: string
  /** Digit → entry point id. */
  readonly choices: Readonly<Record<string, string>>
  readonly timeoutSeconds: number
  /** Tries after the first when no valid digit comes. */
  readonly retries: number
  /** Where the caller goes when no valid digit came; null: the call ends. */
  readonly otherwise: string | null
  /** Spoken (then the call ends) when the menu's entry point is outside its hours; null: refused. */
  readonly closedPrompt: string | null
}

export interface VoiceSurvey {
  readonly prompt: string
  readonly timeoutSeconds: number
  /** Ratings are 1..maxScore. */
  readonly maxScore: number
}

/** Channels whose agents need a device the channel reports on (a registered phone) to be routable. */
export function deviceChannels(config: Pick<TenantConfig, 'voice'>): ReadonlySet<Channel> {
  return new Set<Channel>(config.voice ? ['voice'] : [])
}

export interface CxoneConfig {
  readonly enabled: boolean
  /** The ASC Manager's base URL; the paths under it are in docs/wfm.md. */
  readonly baseUrl: string
  readonly tenantName: string
  readonly accessKeyId: string
  readonly accessKeySecret: string
  /** How CXone knows this ACD (its ACD type), e.g. Generic_Switchboard. */
  readonly acdType: string
  /** Our agent id → CXone's user id and login name (defaults: our id and username). */
  readonly agents: Readonly<Record<string, { readonly cxoneAgentId?: string; readonly userName?: string }>>
  /** Heartbeat (connection monitor) period. */
  readonly heartbeatSeconds: number
}

/** Events POSTed to a URL as they happen, signed with the subscription's secret. */
export interface WebhookSubscription {
  readonly id: string
  readonly url: string
  readonly secret: string
  /** Event types, or '*' for all. */
  readonly events: readonly string[]
  /** Deliveries to loopback, private and link-local addresses are refused unless this is set. */
  readonly allowPrivateNetwork: boolean
  readonly enabled: boolean
}

/** Huawei AICC's web-client access: app credentials and channel configurations. */
export interface AiccConfig {
  readonly apps: readonly { readonly appKey: string; readonly appSecretHash: string }[]
  /** AICC's "channel configuration ID" → our entry point, and its click-to-call if it allows it. */
  readonly channels: readonly {
    readonly configId: string
    readonly entryPointId: string
    /** The voice access number a customer's browser dials (it names the voice queue); null: no calls. */
    readonly clickToCall: { readonly accessNumber: string } | null
  }[]
  /** A chat whose client stops polling this long is released. */
  readonly sessionTimeoutSeconds: number
  /** Common questions suggested to customers as they type (queryPhraseByKeyword). */
  readonly phrases: readonly string[]
  /** Whether clients are told to ask for a rating after the chat (getSatisfactionSurveyMode). */
  readonly survey: boolean
  /** Push mode: downlink messages POSTed to the client's server as they happen; null: poll only. */
  readonly push: AiccPush | null
}

export interface AiccPush {
  /** Base URL: messages go to `{url}/webhooks/v1/messages`. */
  readonly url: string
  readonly accessKey: string
  readonly secretKey: string
  /** Language of the system lines (queued, connected, …). */
  readonly locale: string
}

export interface WrapUpCode {
  readonly code: string
  readonly label: string
}
