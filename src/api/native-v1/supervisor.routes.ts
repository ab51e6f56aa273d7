import type {} from '@fastify/websocket'
import type { FastifyInstance } from 'fastify'
import { userOf } from '../http/authenticate.js'
import type { Switchboard } from '../../app/switchboard.js'
import type { FloorSnapshot } from '../../core/floor.js'
import { errorSchema, idParam } from './schemas.js'
import { contactView, waitView } from './views.js'

const SUPERVISORS = { access: ['supervisor', 'admin'] as const }
/** The live view is at most this old (the bound: 1 s). */
const LIVE_MS = 1000

const iso = (ms: number): string => new Date(ms).toISOString()
const seconds = (ms: number): number => Math.max(0, Math.round(ms / 1000))

/** Durations in seconds as of the snapshot, so a board shows timers without clock arithmetic. */
export function floorView(f: FloorSnapshot) {
  return {
    at: iso(f.at),
    queues: f.queues.map((q) => ({
      id: q.queueId,
      name: q.name,
      channel: q.channel,
      waiting: q.waiting,
      oldestWaitSeconds: seconds(q.oldestWaitMs),
      ...waitView(q.estimatedWaitMs),
      serviceLevelToday: q.serviceLevel,
      answeredToday: q.answeredToday,
      abandonedToday: q.abandonedToday,
      agentsReady: q.agentsReady,
      agentsBusy: q.agentsBusy,
    })),
    agents: f.agents.map((a) => ({
      id: a.id,
      name: a.name,
      channels: a.channels.map((c) => ({
        channel: c.channel,
        state: c.state,
        reason: c.reason,
        since: iso(c.since),
        inStateSeconds: seconds(f.at - c.since),
        activeTasks: c.activeTasks,
        maxTasks: c.maxTasks,
        notResponding: c.notResponding,
        reachable: c.reachable,
      })),
      contacts: a.contacts,
    })),
    contacts: f.contacts.map((c) => ({
      id: c.id,
      channel: c.channel,
      queueId: c.queueId,
      state: c.state,
      customerName: c.customerName,
      agentId: c.agentId,
      seconds: seconds(f.at - c.since),
      waitedSeconds: seconds(f.at - c.enqueuedAt),
    })),
  }
}

interface Watcher {
  send(text: string): void
}

export function supervisorRoutes(app: FastifyInstance, sb: Switchboard): void {
  const snapshot = async (tenantId: string) => floorView(await sb.tenant(tenantId).ask({ type: 'floor' }))
  const message = async (tenantId: string): Promise<string> => {
    try {
      return JSON.stringify({ type: 'floor', floor: await snapshot(tenantId) })
    } catch (e) {
      // The router stopped (reconfigured, shutting down): say so, keep the sockets.
      return JSON.stringify({ type: 'error', error: { message: e instanceof Error ? e.message : String(e) } })
    }
  }
  // One snapshot a second per tenant, however many boards watch it.
  const watchers = new Map<string, { sockets: Set<Watcher>; timer: NodeJS.Timeout }>()
  const watch = (tenantId: string, socket: Watcher): (() => void) => {
    let w = watchers.get(tenantId)
    if (!w) {
      const sockets = new Set<Watcher>()
      const timer = setInterval(() => {
        void message(tenantId).then((text) => {
          for (const s of sockets) s.send(text)
        })
      }, LIVE_MS)
      watchers.set(tenantId, (w = { sockets, timer }))
    }
    const mine = w
    mine.sockets.add(socket)
    void message(tenantId).then((text) => socket.send(text))
    return () => {
      mine.sockets.delete(socket)
      if (mine.sockets.size > 0) return
      clearInterval(mine.timer)
      watchers.delete(tenantId)
    }
  }

  app.get(
    '/api/v1/supervisor/floor',
    {
      config: SUPERVISORS,
      schema: {
        tags: ['supervisor'],
        summary: 'The floor now: queues (waiting, oldest wait, service level today, EWT), agents, contacts',
        response: { 403: errorSchema },
      },
    },
    async (req) => snapshot(req.tenantId),
  )

  app.get(
    '/api/v1/supervisor/floor/live',
    {
      websocket: true,
      config: SUPERVISORS,
      schema: { tags: ['supervisor'], summary: 'The floor pushed every second over a WebSocket' },
    },
    (socket, req) => {
      socket.on('close', watch(req.tenantId, socket))
    },
  )

  app.post<{ Params: { contactId: string }; Body: { agentId?: string; queueId?: string } }>(
    '/api/v1/contacts/:contactId/reassign',
    {
      config: SUPERVISORS,
      schema: {
        tags: ['supervisor'],
        summary:
          'Move a contact to an agent, or back to a queue (requeue); a connected one keeps its transcript and place',
        params: idParam('contactId'),
        body: {
          type: 'object',
          properties: {
            agentId: { type: 'string', minLength: 1, maxLength: 64 },
            queueId: { type: 'string', minLength: 1, maxLength: 64 },
          },
          oneOf: [{ required: ['agentId'] }, { required: ['queueId'] }],
          additionalProperties: false,
        },
        response: { 404: errorSchema, 409: errorSchema },
      },
    },
    async (req) => {
      const by = userOf(req).username
      const target = req.body.agentId
        ? { agentId: req.body.agentId }
        : { queueId: req.body.queueId as string }
      const c = await sb
        .tenant(req.tenantId)
        .run({ type: 'reassign', contactId: req.params.contactId, target, by })
      return contactView(c)
    },
  )
}
