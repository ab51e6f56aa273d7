import type {
  AgentProfile,
  ChatSettings,
  QueueConfig,
  SkillGroup,
  TenantConfig,
} from '../../src/core/tenant-config.js'

export const CHAT: ChatSettings = {
  attachmentsEnabled: false,
  maxAttachmentSizeMb: 3,
  maskingPatterns: [],
  offRecordEnabled: false,
  clickToCall: null,
}

export function queue(
  id: string,
  groups: string[] | string[][],
  over: Partial<QueueConfig> = {},
): QueueConfig {
  const tiers = (Array.isArray(groups[0]) ? (groups as string[][]) : [groups as string[]]).map(
    (skillGroups, i) => ({
      skillGroups,
      afterSeconds: i * 30,
    }),
  )
  return {
    id,
    name: id,
    channel: 'chat',
    tiers,
    strategy: 'longest_available',
    priority: 0,
    maxDepth: null,
    maxWaitSeconds: null,
    overflowQueueId: null,
    serviceLevelSeconds: 30,
    shortAbandonSeconds: 5,
    offerTimeoutSeconds: 30,
    wrapUpSeconds: null,
    notRespondingAfter: 2,
    ...over,
  }
}

export function agent(id: string, chat = 3, voice?: number): AgentProfile {
  return {
    id,
    name: id,
    channels: {
      chat: { maxTasks: chat, exclusive: false },
      ...(voice ? { voice: { maxTasks: voice, exclusive: true } } : {}),
    },
  }
}

export function group(
  id: string,
  members: Record<string, number>,
  channel: SkillGroup['channel'] = 'chat',
): SkillGroup {
  return { id, name: id, channel, members }
}

/** The demo shape: support and sales chat queues, agent4 in both. */
export function demoLike(over: Partial<TenantConfig> = {}): TenantConfig {
  return {
    id: 't1',
    name: 'Test',
    timeZone: 'UTC',
    presence: null,
    agents: [agent('agent1'), agent('agent2'), agent('agent3'), agent('agent4', 2, 1)],
    skillGroups: [
      group('chat-support', { agent1: 5, agent2: 5, agent4: 5 }),
      group('chat-sales', { agent3: 5, agent4: 5 }),
      group('voice-support', { agent4: 5 }, 'voice'),
    ],
    queues: [
      queue('support', ['chat-support'], { maxDepth: 5 }),
      queue('sales', ['chat-sales']),
      queue('voice-support', ['voice-support'], { channel: 'voice' }),
    ],
    entryPoints: [
      {
        id: '1000',
        name: 'Support',
        channel: 'chat',
        queueId: 'support',
        active: true,
        calendarId: null,
        chat: CHAT,
        leaveMessageQueueId: null,
      },
      {
        id: '1001',
        name: 'Sales',
        channel: 'chat',
        queueId: 'sales',
        active: true,
        calendarId: null,
        chat: CHAT,
        leaveMessageQueueId: null,
      },
      {
        id: '1002',
        name: 'Old',
        channel: 'chat',
        queueId: 'support',
        active: false,
        calendarId: null,
        chat: CHAT,
        leaveMessageQueueId: null,
      },
      {
        id: '8000',
        name: 'Phone',
        channel: 'voice',
        queueId: 'voice-support',
        active: true,
        calendarId: null,
        chat: CHAT,
        leaveMessageQueueId: null,
      },
    ],
    calendars: [],
    users: [],
    cannedResponses: [],
    notReadyReasons: ['Break'],
    wrapUpCodes: [],
    aicc: null,
    webhooks: [],
    cxone: null,
    voice: null,
    pbx: null,
    ...over,
  }
}
