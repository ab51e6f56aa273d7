import { z } from 'zod'
import { CHANNELS } from '../core/channel.js'
import { STRATEGIES, WEEKDAYS } from '../core/tenant-config.js'

// The declarative configuration, as written in YAML and sent to the admin API. Defaults here are
// the product's defaults: a user can leave them out.

const id = z
  .union([z.string(), z.number().int()])
  .transform(String)
  .pipe(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'use 1-64 letters, digits, ".", "_" or "-"'))
const seconds = z.number().int().min(0).max(86_400)
const channel = z.enum(CHANNELS)

const timeRange = z.string().regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/, 'write a range as "HH:MM-HH:MM"')

export const calendarDoc = z.strictObject({
  id,
  timeZone: z.string().optional(),
  weekly: z.partialRecord(z.enum(WEEKDAYS), z.array(timeRange)).default({}),
  holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'write a date as YYYY-MM-DD')).default([]),
})

const capacity = z.strictObject({
  maxTasks: z.number().int().min(1).max(100),
  exclusive: z.boolean().optional(),
})

const secret = {
  password: z.string().min(1).max(256).optional(),
  passwordHash: z.string().startsWith('scrypt$').optional(),
}

const dialable = z.string().regex(/^\+?[0-9*#]{1,32}$/, 'digits, * and # (a leading + allowed), up to 32')

// The agent's SIP phone: it registers as `number` with digest credentials. The password is kept
// only as HA1 (md5 of number:realm:password, the realm being the tenant id).
const extensionDoc = z.strictObject({
  number: dialable,
  password: z.string().min(6).max(128).optional(),
  ha1: z
    .string()
    .regex(/^[0-9a-f]{32}$/, 'an MD5 digest in hex')
    .optional(),
})

export const agentDoc = z.strictObject({
  id,
  name: z.string().min(1).max(200).optional(),
  username: z.string().min(1).max(64).optional(),
  ...secret,
  role: z.enum(['agent', 'supervisor', 'admin']).optional(),
  channels: z.partialRecord(channel, capacity),
  extension: extensionDoc.optional(),
})

export const userDoc = z.strictObject({
  username: z.string().min(1).max(64),
  ...secret,
  role: z.enum(['agent', 'supervisor', 'admin']),
  agentId: z.string().optional(),
})

export const skillGroupDoc = z.strictObject({
  id,
  name: z.string().max(200).optional(),
  channel,
  members: z.record(z.string(), z.number().int().min(1).max(10)).default({}),
})

const tier = z.strictObject({ skillGroups: z.array(id).min(1), afterSeconds: seconds.default(0) })

export const queueDoc = z.strictObject({
  id,
  name: z.string().max(200).optional(),
  channel: channel.optional(),
  skillGroups: z.array(id).min(1).optional(),
  tiers: z.array(tier).min(1).optional(),
  strategy: z.enum(STRATEGIES).default('longest_available'),
  priority: z.number().int().min(0).max(100).default(0),
  maxDepth: z.number().int().min(0).nullable().default(null),
  maxWaitSeconds: seconds.nullable().default(null),
  overflowQueue: id.nullable().default(null),
  serviceLevelSeconds: seconds.default(30),
  shortAbandonSeconds: seconds.default(10),
  offerTimeoutSeconds: z.number().int().min(5).max(86_400).default(30),
  wrapUpSeconds: seconds.nullable().default(120),
  notRespondingAfter: z.number().int().min(1).max(100).default(2),
  // Voice queues: what a caller hears while waiting, and whether calls are recorded.
  voice: z
    .strictObject({
      recordCalls: z.boolean().optional(),
      announceEverySeconds: z.number().int().min(0).max(3600).optional(),
      announcePosition: z.boolean().optional(),
      holdMusic: z.string().min(1).max(500).optional(),
      // The number the PBX API (004) knows the queue by (queue-info, cc_cdr's queueCode); default its id.
      number: z.union([z.string(), z.number().int()]).transform(String).pipe(dialable).optional(),
    })
    .optional(),
})

const chatSettings = z.strictObject({
  attachmentsEnabled: z.boolean().default(false),
  maxAttachmentSizeMb: z.number().int().min(1).max(50).default(3),
  maskingPatterns: z.array(z.string().min(1).max(500)).max(20).optional(),
  offRecordEnabled: z.boolean().default(false),
  // The widget's "Call us": the voice access number the customer's browser calls, joined to the chat.
  clickToCall: z
    .strictObject({ accessNumber: z.string().regex(/^[0-9*#+]{1,32}$/) })
    .nullable()
    .default(null),
})

// A voice menu (IVR): each digit leads to an entry point, whose queue, hours and gates apply.
const menuDoc = z.strictObject({
  id,
  name: z.string().min(1).max(200),
  prompt: z.string().min(1).max(1000),
  choices: z.record(z.string().regex(/^[0-9*#]$/, 'one digit, * or #'), id),
  timeoutSeconds: z.number().int().min(1).max(60).default(5),
  retries: z.number().int().min(0).max(5).default(2),
  otherwise: id.nullable().default(null),
  closedPrompt: z.string().min(1).max(1000).nullable().default(null),
})

export const entryPointDoc = z.strictObject({
  id,
  name: z.string().max(200).optional(),
  channel: channel.optional(),
  queue: id,
  active: z.boolean().default(true),
  calendar: id.nullable().default(null),
  chat: chatSettings.default({
    attachmentsEnabled: false,
    maxAttachmentSizeMb: 3,
    offRecordEnabled: false,
    clickToCall: null,
  }),
  // A queue for messages customers leave while this entry point does not take chats.
  leaveMessageQueue: id.nullable().default(null),
  // A voice entry point: the access numbers (DIDs) callers dial to reach it through a trunk, and
  // the menu they hear first (optional).
  voice: z.strictObject({ numbers: z.array(dialable).min(1).max(100), menu: menuDoc.optional() }).optional(),
})

export const cannedResponseDoc = z.strictObject({
  id,
  title: z.string().min(1).max(200),
  text: z.string().min(1).max(4000),
  queues: z.array(id).default([]),
})

const aiccDoc = z.strictObject({
  apps: z
    .array(
      z.strictObject({
        appKey: z.string().min(1).max(128),
        appSecret: z.string().min(8).max(256).optional(),
        appSecretHash: z.string().startsWith('scrypt$').optional(),
      }),
    )
    .min(1),
  channels: z
    .array(
      z.strictObject({
        configId: z.string().min(1).max(64),
        entryPoint: id,
        // Click-to-call from this channel's chats (002): the voice access number the browser dials.
        clickToCall: z
          .strictObject({ accessNumber: z.string().regex(/^[0-9*#+]{1,32}$/) })
          .nullable()
          .default(null),
      }),
    )
    .min(1),
  sessionTimeoutSeconds: z.number().int().min(10).max(86_400).default(120),
  phrases: z.array(z.string().min(1).max(500)).max(1000).default([]),
  survey: z.boolean().default(true),
  push: z
    .strictObject({
      url: z.url({ protocol: /^https?$/ }),
      accessKey: z.string().min(1).max(128),
      secretKey: z.string().min(16).max(256),
      locale: z.string().min(2).max(16).default('zh_CN'),
    })
    .nullable()
    .default(null),
})

const webhookDoc = z.strictObject({
  id,
  url: z.url({ protocol: /^https?$/ }),
  // The receiver checks signatures with it: long enough not to be guessed.
  secret: z.string().min(16).max(256),
  events: z.array(z.string().min(1).max(64)).min(1).default(['*']),
  allowPrivateNetwork: z.boolean().default(false),
  enabled: z.boolean().default(true),
})

const cxoneDoc = z.strictObject({
  enabled: z.boolean().default(false),
  baseUrl: z.url({ protocol: /^https?$/ }),
  tenantName: z.string().min(1).max(128),
  accessKeyId: z.string().min(1).max(256),
  accessKeySecret: z.string().min(1).max(256),
  acdType: z.string().min(1).max(64).default('Generic_Switchboard'),
  agents: z
    .record(
      id,
      z.strictObject({
        cxoneAgentId: z.string().min(1).max(64).optional(),
        userName: z.string().min(1).max(256).optional(),
      }),
    )
    .default({}),
  heartbeatSeconds: z.number().int().min(10).max(3600).default(60),
})

const trunkDoc = z.strictObject({
  id,
  // Calls from this address are taken as the trunk's; outbound calls go to it.
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65_535).default(5060),
  transport: z.enum(['udp', 'tcp']).default('udp'),
  // Credentials for the provider's digest challenge on our outbound calls.
  username: z.string().min(1).max(128).optional(),
  password: z.string().min(1).max(256).optional(),
})

const voiceDoc = z.strictObject({
  // The SIP domain phones register to; unset: any (one voice tenant per server).
  domain: z.string().min(1).max(253).optional(),
  trunks: z.array(trunkDoc).max(100).default([]),
  recordCalls: z.boolean().default(true),
  announceEverySeconds: z.number().int().min(0).max(3600).default(30),
  announcePosition: z.boolean().default(true),
  // A call whose media stopped both ways this long is ended (0: never); a held call is left alone.
  mediaTimeoutSeconds: z.number().int().min(0).max(86_400).default(60),
  // A WAV file looped while callers wait; unset: the built-in music.
  holdMusic: z.string().min(1).max(500).optional(),
  registrationSeconds: z
    .strictObject({
      min: z.number().int().min(10).max(86_400).default(60),
      max: z.number().int().min(10).max(86_400).default(3600),
    })
    .default({ min: 60, max: 3600 }),
  // After the agent hangs up, callers are asked to rate the call with a digit (cc_cdr's score).
  survey: z
    .strictObject({
      prompt: z.string().min(1).max(1000),
      timeoutSeconds: z.number().int().min(1).max(60).default(8),
      maxScore: z.number().int().min(1).max(9).default(5),
    })
    .nullable()
    .default(null),
})

// 004's api.conf. Only a PBX on the same LAN as its CRM was ever meant to take an empty WEBKEY.
const pbxDoc = z.strictObject({
  webKey: z.string().max(256).default(''),
  pushUrl: z
    .url({ protocol: /^https?$/ })
    .nullable()
    .default(null),
  allowPrivateNetwork: z.boolean().default(false),
  mac: z.string().max(64).default(''),
  popUrl: z
    .url({ protocol: /^https?$/ })
    .nullable()
    .default(null),
  pauseSeconds: z.number().int().min(0).max(30).nullable().default(null),
  dialBeginEvent: z.enum(['dialbegein', 'dialbegin']).default('dialbegein'),
  blacklistAnswer: z.enum(['busy', 'decline', 'forbidden', 'unavailable']).default('busy'),
  // The zone of the key's date (a CRM that computes it in its own); null: the tenant's.
  keyTimeZone: z.string().min(1).max(64).nullable().default(null),
  // Around midnight the key of the neighbouring date is taken too: clocks differ.
  keyGraceSeconds: z.number().int().min(0).max(3600).default(300),
})

const presence = z.strictObject({
  notReadyAfterSeconds: z.number().int().min(5).max(86_400).default(30),
  logoutAfterSeconds: z.number().int().min(5).max(86_400).default(300),
})

export const tenantDoc = z.strictObject({
  id,
  name: z.string().min(1).max(200).optional(),
  timeZone: z.string().default('UTC'),
  // Agent liveness; null turns it off.
  presence: presence.nullable().default({ notReadyAfterSeconds: 30, logoutAfterSeconds: 300 }),
  calendars: z.array(calendarDoc).default([]),
  agents: z.array(agentDoc).default([]),
  users: z.array(userDoc).default([]),
  skillGroups: z.array(skillGroupDoc).default([]),
  queues: z.array(queueDoc).default([]),
  entryPoints: z.array(entryPointDoc).default([]),
  cannedResponses: z.array(cannedResponseDoc).default([]),
  notReadyReasons: z
    .array(z.string().min(1).max(64))
    .max(50)
    .default(['Break', 'Lunch', 'Meeting', 'Training']),
  wrapUpCodes: z
    .array(z.strictObject({ code: z.string().min(1).max(64), label: z.string().min(1).max(200) }))
    .max(200)
    .default([]),
  aicc: aiccDoc.nullable().default(null),
  webhooks: z.array(webhookDoc).max(50).default([]),
  cxone: cxoneDoc.nullable().default(null),
  voice: voiceDoc.nullable().default(null),
  pbx: pbxDoc.nullable().default(null),
})

export const fileDoc = z.strictObject({ tenants: z.array(tenantDoc).min(1) })

export type TenantDoc = z.output<typeof tenantDoc>
export type TenantDocInput = z.input<typeof tenantDoc>
export type FileDoc = z.output<typeof fileDoc>
export type AgentDoc = z.output<typeof agentDoc>
export type UserDoc = z.output<typeof userDoc>

/** The object kinds the admin API edits one at a time, by their collection in a tenant document. */
export const OBJECT_KINDS = {
  agents: agentDoc,
  users: userDoc,
  'skill-groups': skillGroupDoc,
  queues: queueDoc,
  'entry-points': entryPointDoc,
  calendars: calendarDoc,
  'canned-responses': cannedResponseDoc,
  webhooks: webhookDoc,
} as const
export type ObjectKind = keyof typeof OBJECT_KINDS
