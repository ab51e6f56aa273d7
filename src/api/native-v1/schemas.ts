// JSON Schemas shared by routes: they validate input, shape output (an allow-list) and feed OpenAPI.

/** An estimated wait: seconds, or null with the reason (see waitView). */
export const WAIT_SCHEMA = {
  estimatedWaitSeconds: { type: ['integer', 'null'] },
  estimatedWaitReason: { type: ['string', 'null'], enum: ['nobody_can_serve', null] },
} as const

export const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: { type: 'array', items: { type: 'string' } },
      },
      required: ['code', 'message'],
    },
  },
} as const

export const idParam = (name: string) =>
  ({
    type: 'object',
    properties: { [name]: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' } },
    required: [name],
  }) as const

export const pollQuery = {
  type: 'object',
  properties: {
    after: { type: 'integer', minimum: 0, default: 0 },
    wait: { type: 'integer', minimum: 0, maximum: 60, default: 0 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 },
  },
  additionalProperties: false,
} as const

export interface PollQuery {
  after: number
  wait: number
  limit: number
}

export const clientMessageId = { type: 'string', minLength: 1, maxLength: 64 } as const

export const textBody = {
  type: 'object',
  properties: {
    text: { type: 'string', minLength: 1, maxLength: 4000 },
    // Send the same id again after a network error: the message is posted once.
    clientMessageId,
  },
  required: ['text'],
  additionalProperties: false,
} as const

export interface TextBody {
  text: string
  clientMessageId?: string
}

export const statusSchema = {
  type: 'object',
  properties: {
    allowed: { type: 'boolean' },
    reason: {
      type: ['string', 'null'],
      enum: [
        'invalid_entry_point',
        'entry_point_inactive',
        'outside_business_hours',
        'agent_not_available',
        'queue_depth_reached',
        'service_not_running',
        null,
      ],
    },
    agentsAvailable: { type: 'integer' },
    availableSlots: { type: 'integer' },
    queueDepth: { type: 'integer' },
    ...WAIT_SCHEMA,
    open: { type: 'boolean' },
    nextOpenAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const

export const channelStateSchema = {
  type: 'object',
  properties: {
    state: { type: 'string', enum: ['logged_out', 'not_ready', 'ready'] },
    reason: { type: ['string', 'null'] },
    routable: { type: 'boolean' },
    notResponding: { type: 'boolean' },
    reachable: { type: 'boolean', description: "the channel's device (a voice agent's phone) is registered" },
    activeTasks: { type: 'integer' },
    maxTasks: { type: 'integer' },
    since: { type: 'string', format: 'date-time' },
  },
} as const

export const agentSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    channels: { type: 'object', additionalProperties: channelStateSchema },
  },
} as const

/** Who the customer says they are, when a chat starts or a message is left. */
export const customerSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    email: { type: 'string', format: 'email', maxLength: 254 },
  },
  required: ['name'],
  additionalProperties: false,
} as const
