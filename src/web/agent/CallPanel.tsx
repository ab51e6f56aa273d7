import { useEffect, useState } from 'preact/hooks'
import { Transfer } from './Transfer.js'
import type { Desk } from './desk.js'
import type { Contact } from './model.js'

/** A connected call: who, for how long; the audio is on the agent's phone. */
export function CallPanel({ desk, contact }: { desk: Desk; contact: Contact }) {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(t)
  }, [])
  const since = contact.connectedAt ? Date.parse(contact.connectedAt) : now
  const s = Math.max(0, Math.floor((now - since) / 1000))
  const clock = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
  return (
    <div class="call" role="region" aria-label={`Call with ${contact.customer.name}`}>
      <p>
        <strong>On the phone</strong> with {contact.customer.name}
        {contact.customer.phone && contact.customer.phone !== contact.customer.name
          ? ` (${contact.customer.phone})`
          : ''}
      </p>
      <p class="timer" aria-label={`connected for ${clock}`}>
        {clock}
      </p>
      <p class="hint">Hold and transfer from your phone, or here:</p>
      <div class="actions">
        <Transfer desk={desk} contact={contact} />
        <button type="button" class="danger" onClick={() => void desk.end(contact.id)}>
          Hang up
        </button>
      </div>
    </div>
  )
}
