import { useEffect, useState } from 'preact/hooks'
import { Transfer } from './Transfer.js'
import { PhoneControls } from './PhoneControls.js'
import type { Softphone } from './softphone.js'
import type { Desk } from './desk.js'
import type { Contact } from './model.js'

/** A connected call: who, for how long; the audio is on the agent's phone, or in this browser. */
export function CallPanel({
  desk,
  contact,
  phone,
}: {
  desk: Desk
  contact: Contact
  phone: Softphone | null
}) {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(t)
  }, [])
  // The call is in this browser when its softphone talks (one call at a time, this one).
  const here = phone?.call?.state === 'talking' ? phone : null
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
      {here ? (
        <PhoneControls phone={here} />
      ) : (
        <p class="hint">Hold and transfer from your phone, or here:</p>
      )}
      <div class="actions">
        <Transfer desk={desk} contact={contact} />
        <button
          type="button"
          class="danger"
          onClick={() => (here ? here.hangUp() : void desk.end(contact.id))}
        >
          Hang up
        </button>
      </div>
    </div>
  )
}
