import type {} from '@fastify/websocket'
import type { FastifyInstance } from 'fastify'
import type { Credential } from '../../app/auth.js'
import type { EventFilter } from '../../app/event-feed.js'
import type { Switchboard } from '../../app/switchboard.js'
import type { DomainEvent } from '../../core/events.js'
import { customerEventView, eventView } from './views.js'

const PING_MS = 30_000

function filterFor(c: Credential): EventFilter {
  if (c.kind === 'customer') return { contactId: c.contactId }
  return c.role === 'agent' && c.agentId ? { agentId: c.agentId } : {}
}

/**
 * `/api/v1/stream?token=…[&after=seq]`: the same events as the long-polls, pushed. Agents get
 * theirs, supervisors and admins the tenant's, customers their chat's. A client that reconnects
 * sends `after` (or `{"resume": seq}`) and receives what it missed first.
 */
export function streamRoutes(app: FastifyInstance, sb: Switchboard): void {
  app.get<{ Querystring: { after?: string } }>(
    '/api/v1/stream',
    {
      websocket: true,
      config: { access: 'customer-or-user' },
      schema: { tags: ['streams'], summary: 'WebSocket event stream' },
    },
    (socket, req) => {
      const credential = req.credential as Credential
      const tenantId = req.tenantId
      const filter = filterFor(credential)
      const names = (id: string | null) => sb.agentName(tenantId, id)
      const view = (e: DomainEvent) =>
        credential.kind === 'customer' ? customerEventView(e, names) : eventView(e)
      let lastSent = Number(req.query.after ?? Number.NaN)
      const send = (events: DomainEvent[]): void => {
        const fresh = events.filter((e) => !(e.seq <= lastSent))
        const out = fresh.flatMap((e) => view(e) ?? [])
        if (fresh.length > 0) lastSent = (fresh[fresh.length - 1] as DomainEvent).seq
        if (out.length > 0) socket.send(JSON.stringify({ type: 'events', events: out }))
      }
      // Subscribe first, then catch up: an event published in between is then not lost.
      const buffered: DomainEvent[] = []
      let caughtUp = false
      const unsubscribe = sb.feed.subscribe(
        tenantId,
        filter,
        (events) => (caughtUp ? send(events) : buffered.push(...events)),
        // Typing is not an event: it is shown for a few seconds after each of these.
        (s) => socket.send(JSON.stringify({ type: 'typing', contactId: s.contactId, from: s.from })),
      )
      const catchUp = async (after: number): Promise<void> => {
        caughtUp = false
        lastSent = after
        send(await sb.feed.after(tenantId, filter, after, 1000))
        send(buffered.splice(0))
        caughtUp = true
      }
      // Without `after`, the client wants live events only: start from the current end.
      const start = catchUp(Number.isFinite(lastSent) ? lastSent : sb.feed.lastSeq(tenantId))
      void start.then(() =>
        socket.send(JSON.stringify({ type: 'ready', lastSeq: sb.feed.lastSeq(tenantId) })),
      )

      let alive = true
      socket.on('pong', () => (alive = true))
      const ping = setInterval(() => {
        // No pong since the last ping: the peer is gone without a FIN (network pulled, laptop asleep).
        if (!alive) return socket.terminate()
        alive = false
        socket.ping()
      }, PING_MS)
      socket.on('message', (data: Buffer) => {
        try {
          const msg = JSON.parse(data.toString()) as { resume?: unknown }
          if (typeof msg.resume === 'number') void catchUp(msg.resume)
        } catch {
          socket.send(
            JSON.stringify({
              type: 'error',
              error: { code: 'VALIDATION_FAILED', message: 'send JSON such as {"resume": 42}' },
            }),
          )
        }
      })
      // An agent's own stream keeps it present; when it closes for good, liveness timers start.
      const detach =
        credential.kind === 'user' && credential.agentId
          ? sb.presence.attach(tenantId, credential.agentId)
          : undefined
      socket.on('close', () => {
        clearInterval(ping)
        unsubscribe()
        detach?.()
      })
    },
  )
}
