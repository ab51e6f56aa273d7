import { useState } from 'preact/hooks'
import type { Desk } from './desk.js'
import type { Contact } from './model.js'

/** Hands a contact to a queue or a colleague (chats and calls alike). */
export function Transfer({ desk, contact }: { desk: Desk; contact: Contact }) {
  const [target, setTarget] = useState('')
  const queues = desk.settings?.queues.filter((q) => q.channel === contact.channel) ?? []
  const agents = desk.settings?.agents.filter((a) => a.id !== desk.agentId) ?? []
  return (
    <form
      class="transfer"
      onSubmit={(e) => {
        e.preventDefault()
        const [kind, id] = target.split(':') as [string, string]
        if (id) void desk.transfer(contact.id, kind === 'queue' ? { queueId: id } : { agentId: id })
      }}
    >
      <select aria-label="Transfer to" value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
        <option value="">Transfer to…</option>
        <optgroup label="Queues">
          {queues.map((q) => (
            <option key={q.id} value={`queue:${q.id}`}>
              {q.name}
            </option>
          ))}
        </optgroup>
        <optgroup label="Agents">
          {agents.map((a) => (
            <option key={a.id} value={`agent:${a.id}`}>
              {a.name}
            </option>
          ))}
        </optgroup>
      </select>
      <button type="submit" disabled={!target}>
        Transfer
      </button>
    </form>
  )
}
