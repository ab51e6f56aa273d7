import type { Channel } from '../core/channel.js'
import type {
  AgentProfile,
  Calendar,
  ChannelCapacity,
  QueueConfig,
  TenantConfig,
  TimeRange,
  UserConfig,
  VoiceConfig,
  Weekday,
} from '../core/tenant-config.js'
import { DEFAULT_MASKING_PATTERNS } from '../core/tenant-config.js'
import type { TenantDoc } from './document.js'

function ranges(list: readonly string[] | undefined): TimeRange[] {
  return (list ?? []).map((r) => {
    const [open = '', close = ''] = r.split('-')
    return { open, close }
  })
}

/** A validated document whose passwords are sealed (hashes only) → the core's configuration. */
export function compileTenant(t: TenantDoc): TenantConfig {
  const groupChannel = new Map(t.skillGroups.map((g) => [g.id, g.channel]))
  const agents: AgentProfile[] = t.agents.map((a) => ({
    id: a.id,
    name: a.name ?? a.id,
    channels: Object.fromEntries(
      Object.entries(a.channels).map(([ch, c]) => [
        ch,
        { maxTasks: c.maxTasks, exclusive: c.exclusive ?? ch === 'voice' } satisfies ChannelCapacity,
      ]),
    ),
  }))
  const users: UserConfig[] = [
    ...t.agents.flatMap((a) =>
      a.username
        ? [
            {
              username: a.username,
              passwordHash: a.passwordHash ?? '',
              role: a.role ?? 'agent',
              agentId: a.id,
            },
          ]
        : [],
    ),
    ...t.users.map((u) => ({
      username: u.username,
      passwordHash: u.passwordHash ?? '',
      role: u.role,
      agentId: u.agentId ?? null,
    })),
  ]
  const queues: QueueConfig[] = t.queues.map((q) => {
    const tiers = q.tiers ?? [{ skillGroups: q.skillGroups ?? [], afterSeconds: 0 }]
    const channel = q.channel ?? groupChannel.get(tiers[0]?.skillGroups[0] ?? '') ?? 'chat'
    return {
      id: q.id,
      name: q.name ?? q.id,
      channel,
      tiers,
      strategy: q.strategy,
      priority: q.priority,
      maxDepth: q.maxDepth,
      maxWaitSeconds: q.maxWaitSeconds,
      overflowQueueId: q.overflowQueue,
      serviceLevelSeconds: q.serviceLevelSeconds,
      shortAbandonSeconds: q.shortAbandonSeconds,
      offerTimeoutSeconds: q.offerTimeoutSeconds,
      wrapUpSeconds:
        channel === 'voice' ? afterCallPause(q.wrapUpSeconds, t.pbx?.pauseSeconds) : q.wrapUpSeconds,
      notRespondingAfter: q.notRespondingAfter,
    }
  })
  const queueChannel = new Map(queues.map((q) => [q.id, q.channel]))
  const calendars: Calendar[] = t.calendars.map((c) => ({
    id: c.id,
    timeZone: c.timeZone ?? t.timeZone,
    weekly: Object.fromEntries(Object.entries(c.weekly).map(([d, r]) => [d as Weekday, ranges(r)])),
    holidays: c.holidays,
  }))
  return {
    id: t.id,
    name: t.name ?? t.id,
    timeZone: t.timeZone,
    presence: t.presence,
    agents,
    skillGroups: t.skillGroups.map((g) => ({
      id: g.id,
      name: g.name ?? g.id,
      channel: g.channel,
      members: g.members,
    })),
    queues,
    entryPoints: t.entryPoints.map((e) => ({
      id: e.id,
      name: e.name ?? e.id,
      channel: e.channel ?? (queueChannel.get(e.queue) as Channel),
      queueId: e.queue,
      active: e.active,
      calendarId: e.calendar,
      chat: {
        attachmentsEnabled: e.chat.attachmentsEnabled,
        maxAttachmentSizeMb: e.chat.maxAttachmentSizeMb,
        maskingPatterns: e.chat.maskingPatterns ?? DEFAULT_MASKING_PATTERNS,
        offRecordEnabled: e.chat.offRecordEnabled,
        clickToCall: e.chat.clickToCall && { ...e.chat.clickToCall },
      },
      leaveMessageQueueId: e.leaveMessageQueue,
    })),
    cannedResponses: t.cannedResponses.map((r) => ({ ...r, queues: [...r.queues] })),
    notReadyReasons: [...t.notReadyReasons],
    wrapUpCodes: t.wrapUpCodes.map((w) => ({ ...w })),
    aicc: t.aicc && {
      apps: t.aicc.apps.map((a) => ({ appKey: a.appKey, appSecretHash: a.appSecretHash ?? '' })),
      channels: t.aicc.channels.map((c) => ({
        configId: c.configId,
        entryPointId: c.entryPoint,
        clickToCall: c.clickToCall && { ...c.clickToCall },
      })),
      sessionTimeoutSeconds: t.aicc.sessionTimeoutSeconds,
      phrases: [...t.aicc.phrases],
      survey: t.aicc.survey,
      push: t.aicc.push && { ...t.aicc.push, url: t.aicc.push.url.replace(/\/+$/, '') },
    },
    webhooks: t.webhooks.map((w) => ({ ...w, events: [...w.events] })),
    cxone: t.cxone && {
      ...t.cxone,
      baseUrl: t.cxone.baseUrl.replace(/\/+$/, ''),
      agents: { ...t.cxone.agents },
    },
    calendars,
    users,
    voice: compileVoice(t, queues),
    pbx: t.pbx && {
      webKey: t.pbx.webKey,
      pushUrl: t.pbx.pushUrl,
      allowPrivateNetwork: t.pbx.allowPrivateNetwork,
      mac: t.pbx.mac,
      popUrl: t.pbx.popUrl,
      pauseSeconds: t.pbx.pauseSeconds,
      dialBeginEvent: t.pbx.dialBeginEvent,
      blacklistStatus: BLACKLIST_STATUS[t.pbx.blacklistAnswer],
      keyTimeZone: t.pbx.keyTimeZone,
      keyGraceSeconds: t.pbx.keyGraceSeconds,
    },
  }
}

// Stored before the setting existed: the document's default.
const DEFAULT_KEY_GRACE_SECONDS = 300

/** 004's after-call pause is the wrap-up of calls, and bounds it: `pausetime = no` is none. */
function afterCallPause(wrapUp: number | null, pause: number | null | undefined): number | null {
  if (pause === null || pause === undefined) return wrapUp
  return wrapUp === null ? pause : Math.min(wrapUp, pause)
}

// What a blacklisted caller hears, by name: the SIP statuses a PBX answers such calls with.
const BLACKLIST_STATUS = { busy: 486, decline: 603, forbidden: 403, unavailable: 480 } as const
const BLACKLIST_ANSWER = Object.fromEntries(
  Object.entries(BLACKLIST_STATUS).map(([name, status]) => [status, name]),
) as Record<number, keyof typeof BLACKLIST_STATUS>

function compileVoice(t: TenantDoc, queues: readonly QueueConfig[]): VoiceConfig | null {
  const v = t.voice
  if (!v) return null
  const docQueue = new Map(t.queues.map((q) => [q.id, q]))
  return {
    domain: v.domain ?? null,
    realm: t.id,
    extensions: t.agents.flatMap((a) =>
      a.extension ? [{ number: a.extension.number, agentId: a.id, ha1: a.extension.ha1 ?? '' }] : [],
    ),
    trunks: v.trunks.map((k) => ({
      id: k.id,
      host: k.host,
      port: k.port,
      transport: k.transport === 'tcp' ? 'TCP' : 'UDP',
      username: k.username ?? null,
      password: k.password ?? null,
    })),
    numbers: Object.fromEntries(t.entryPoints.flatMap((e) => (e.voice?.numbers ?? []).map((n) => [n, e.id]))),
    queues: Object.fromEntries(
      queues
        .filter((q) => q.channel === 'voice')
        .map((q) => {
          const own = docQueue.get(q.id)?.voice
          return [
            q.id,
            {
              recordCalls: own?.recordCalls ?? v.recordCalls,
              announceEverySeconds: own?.announceEverySeconds ?? v.announceEverySeconds,
              announcePosition: own?.announcePosition ?? v.announcePosition,
              holdMusic: own?.holdMusic ?? v.holdMusic ?? null,
              number: own?.number ?? q.id,
            },
          ]
        }),
    ),
    registrationSeconds: { ...v.registrationSeconds },
    recordCalls: v.recordCalls,
    mediaTimeoutSeconds: v.mediaTimeoutSeconds,
    menus: Object.fromEntries(
      t.entryPoints.flatMap((e) =>
        e.voice?.menu ? [[e.id, { ...e.voice.menu, choices: { ...e.voice.menu.choices } }]] : [],
      ),
    ),
    survey: v.survey && { ...v.survey },
  }
}

/** The inverse, for the admin API: the document a user would write, hashes in place of passwords. */
export function toDocument(c: TenantConfig): TenantDoc {
  const extensions = new Map(c.voice?.extensions.map((x) => [x.agentId, x]))
  const numbers = new Map<string, string[]>()
  for (const [n, ep] of Object.entries(c.voice?.numbers ?? {}))
    numbers.set(ep, [...(numbers.get(ep) ?? []), n])
  const agentUsers = new Map(
    c.users.filter((u) => u.agentId !== null && u.role === 'agent').map((u) => [u.agentId, u]),
  )
  return {
    id: c.id,
    name: c.name,
    timeZone: c.timeZone,
    presence: c.presence,
    calendars: c.calendars.map((cal) => ({
      id: cal.id,
      timeZone: cal.timeZone,
      weekly: Object.fromEntries(
        Object.entries(cal.weekly).map(([d, rs]) => [d, (rs ?? []).map((r) => `${r.open}-${r.close}`)]),
      ),
      holidays: [...cal.holidays],
    })),
    agents: c.agents.map((a) => {
      const u = agentUsers.get(a.id)
      const x = extensions.get(a.id)
      return {
        ...(x ? { extension: { number: x.number, ha1: x.ha1 } } : {}),
        id: a.id,
        name: a.name,
        ...(u ? { username: u.username, passwordHash: u.passwordHash } : {}),
        channels: Object.fromEntries(
          Object.entries(a.channels).map(([ch, cap]) => [
            ch,
            { maxTasks: cap.maxTasks, exclusive: cap.exclusive },
          ]),
        ),
      }
    }),
    users: c.users
      .filter((u) => !(u.agentId !== null && u.role === 'agent' && agentUsers.get(u.agentId) === u))
      .map((u) => ({
        username: u.username,
        passwordHash: u.passwordHash,
        role: u.role,
        ...(u.agentId ? { agentId: u.agentId } : {}),
      })),
    skillGroups: c.skillGroups.map((g) => ({
      id: g.id,
      name: g.name,
      channel: g.channel,
      members: { ...g.members },
    })),
    queues: c.queues.map((q) => ({
      id: q.id,
      name: q.name,
      channel: q.channel,
      tiers: q.tiers.map((t) => ({ skillGroups: [...t.skillGroups], afterSeconds: t.afterSeconds })),
      strategy: q.strategy,
      priority: q.priority,
      maxDepth: q.maxDepth,
      maxWaitSeconds: q.maxWaitSeconds,
      overflowQueue: q.overflowQueueId,
      serviceLevelSeconds: q.serviceLevelSeconds,
      shortAbandonSeconds: q.shortAbandonSeconds,
      offerTimeoutSeconds: q.offerTimeoutSeconds,
      wrapUpSeconds: q.wrapUpSeconds,
      notRespondingAfter: q.notRespondingAfter,
      ...(c.voice?.queues[q.id]
        ? {
            voice: {
              ...c.voice.queues[q.id],
              holdMusic: c.voice.queues[q.id]?.holdMusic ?? undefined,
            },
          }
        : {}),
    })),
    entryPoints: c.entryPoints.map((e) => ({
      id: e.id,
      name: e.name,
      channel: e.channel,
      queue: e.queueId,
      active: e.active,
      calendar: e.calendarId,
      chat: { ...e.chat, maskingPatterns: [...e.chat.maskingPatterns] },
      leaveMessageQueue: e.leaveMessageQueueId,
      ...(numbers.has(e.id)
        ? {
            voice: {
              numbers: numbers.get(e.id) ?? [],
              ...(c.voice?.menus[e.id]
                ? { menu: { ...c.voice.menus[e.id]!, choices: { ...c.voice.menus[e.id]!.choices } } }
                : {}),
            },
          }
        : {}),
    })),
    cannedResponses: c.cannedResponses.map((r) => ({ ...r, queues: [...r.queues] })),
    notReadyReasons: [...c.notReadyReasons],
    wrapUpCodes: c.wrapUpCodes.map((w) => ({ ...w })),
    aicc: c.aicc && {
      apps: c.aicc.apps.map((a) => ({ appKey: a.appKey, appSecretHash: a.appSecretHash })),
      channels: c.aicc.channels.map((ch) => ({
        configId: ch.configId,
        entryPoint: ch.entryPointId,
        clickToCall: ch.clickToCall && { ...ch.clickToCall },
      })),
      sessionTimeoutSeconds: c.aicc.sessionTimeoutSeconds,
      phrases: [...c.aicc.phrases],
      survey: c.aicc.survey,
      push: c.aicc.push && { ...c.aicc.push },
    },
    webhooks: c.webhooks.map((w) => ({ ...w, events: [...w.events] })),
    cxone: c.cxone && { ...c.cxone, agents: { ...c.cxone.agents } },
    pbx: c.pbx && {
      webKey: c.pbx.webKey,
      pushUrl: c.pbx.pushUrl,
      allowPrivateNetwork: c.pbx.allowPrivateNetwork,
      mac: c.pbx.mac,
      popUrl: c.pbx.popUrl,
      pauseSeconds: c.pbx.pauseSeconds,
      dialBeginEvent: c.pbx.dialBeginEvent,
      blacklistAnswer: BLACKLIST_ANSWER[c.pbx.blacklistStatus] ?? 'busy',
      keyTimeZone: c.pbx.keyTimeZone ?? null,
      keyGraceSeconds: c.pbx.keyGraceSeconds ?? DEFAULT_KEY_GRACE_SECONDS,
    },
    voice: c.voice && {
      ...(c.voice.domain !== null ? { domain: c.voice.domain } : {}),
      trunks: c.voice.trunks.map((k) => ({
        id: k.id,
        host: k.host,
        port: k.port,
        transport: k.transport === 'TCP' ? 'tcp' : 'udp',
        ...(k.username !== null ? { username: k.username } : {}),
        ...(k.password !== null ? { password: k.password } : {}),
      })),
      // Per-queue settings carry the effective values; these are the defaults for new queues.
      recordCalls: c.voice.recordCalls,
      announceEverySeconds: 30,
      announcePosition: true,
      mediaTimeoutSeconds: c.voice.mediaTimeoutSeconds ?? 60,
      registrationSeconds: { ...c.voice.registrationSeconds },
      survey: c.voice.survey && { ...c.voice.survey },
    },
  }
}
