import { useState } from 'preact/hooks'
import type { Request } from '../shared/http.js'
import type { Floor, FloorAgent } from './model.js'
import { clock } from './model.js'

const STATE_LABEL = { ready: 'Ready', not_ready: 'Not ready', logged_out: 'Logged out' } as const

/** Agents with a live timer per channel, and the supervisor's force actions. */
export function AgentTable(props: {
  floor: Floor
  tick: number
  api: Request
  token: string
  reasons: string[]
  onError: (m: string) => void
}) {
  const force = async (a: FloorAgent, state: 'not_ready' | 'logged_out', reason?: string): Promise<void> => {
    try {
      for (const c of a.channels.filter((c) => c.state !== 'logged_out'))
        await props.api(`/api/v1/agents/${a.id}/channels/${c.channel}`, {
          method: 'PUT',
          token: props.token,
          body: { state, ...(reason ? { reason } : {}) },
        })
    } catch (e) {
      props.onError(e instanceof Error ? e.message : String(e))
    }
  }
  return (
    <table class="agents" aria-label="Agents">
      <thead>
        <tr>
          <th>Agent</th>
          <th>Channels (state, time in state, load)</th>
          <th>Contacts</th>
          <th>Actions</th>
        </tr>
      </thead>
      <tbody>
        {props.floor.agents.map((a) => (
          <tr key={a.id} data-agent={a.id}>
            <td>{a.name}</td>
            <td>
              {a.channels.map((c) => (
                <span key={c.channel} class={`pill ${c.state}${c.notResponding ? ' warn' : ''}`}>
                  {c.channel}: {STATE_LABEL[c.state]}
                  {c.reason ? ` (${c.reason})` : ''} · {clock(c.inStateSeconds + props.tick)}
                  {c.state !== 'logged_out' ? ` · ${c.activeTasks}/${c.maxTasks}` : ''}
                </span>
              ))}
            </td>
            <td>{a.contacts.length}</td>
            <td class="actions">
              <select
                aria-label={`Force ${a.name} not ready`}
                disabled={a.channels.every((c) => c.state === 'logged_out')}
                onChange={(e) => {
                  const reason = e.currentTarget.value
                  e.currentTarget.value = ''
                  if (reason) void force(a, 'not_ready', reason)
                }}
              >
                <option value="">Not ready…</option>
                {props.reasons.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
              <button
                type="button"
                disabled={a.channels.every((c) => c.state === 'logged_out')}
                onClick={() => void force(a, 'logged_out')}
              >
                Log out
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** Contacts waiting or with agents: requeue, reassign, read live. */
export function ContactTable(props: {
  floor: Floor
  tick: number
  api: Request
  token: string
  onRead: (contactId: string) => void
  onError: (m: string) => void
}) {
  const [busy, setBusy] = useState<string | null>(null)
  const move = async (contactId: string, body: { agentId: string } | { queueId: string }): Promise<void> => {
    setBusy(contactId)
    try {
      await props.api(`/api/v1/contacts/${contactId}/reassign`, { token: props.token, body })
    } catch (e) {
      props.onError(e instanceof Error ? e.message : String(e))
    } finally {
      setBusy(null)
    }
  }
  const names = new Map(props.floor.agents.map((a) => [a.id, a.name]))
  if (props.floor.contacts.length === 0) return <p class="empty">No contacts in progress.</p>
  return (
    <table class="contacts" aria-label="Contacts in progress">
      <thead>
        <tr>
          <th>Customer</th>
          <th>Queue</th>
          <th>State</th>
          <th>Time</th>
          <th>Agent</th>
          <th>Actions</th>
        </tr>
      </thead>
      <tbody>
        {props.floor.contacts.map((c) => (
          <tr key={c.id} data-contact={c.id}>
            <td>{c.customerName}</td>
            <td>{c.queueId}</td>
            <td>{c.state}</td>
            <td>{clock(c.seconds + props.tick)}</td>
            <td>{c.agentId ? (names.get(c.agentId) ?? c.agentId) : '—'}</td>
            <td class="actions">
              <select
                aria-label={`Reassign ${c.customerName}`}
                disabled={busy === c.id || c.state === 'wrap_up'}
                onChange={(e) => {
                  const agentId = e.currentTarget.value
                  e.currentTarget.value = ''
                  if (agentId) void move(c.id, { agentId })
                }}
              >
                <option value="">Reassign to…</option>
                {props.floor.agents
                  .filter((a) => a.id !== c.agentId)
                  .map((a) => (
                    <option key={a.id} value={a.id}>
                      {a.name}
                    </option>
                  ))}
              </select>
              <button
                type="button"
                disabled={busy === c.id || c.state === 'queued' || c.state === 'wrap_up'}
                onClick={() => void move(c.id, { queueId: c.queueId })}
              >
                Requeue
              </button>
              <button type="button" onClick={() => props.onRead(c.id)}>
                Read
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
