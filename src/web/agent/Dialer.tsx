import { useState } from 'preact/hooks'
import type { Desk } from './desk.js'
import { PhoneControls } from './PhoneControls.js'
import type { Softphone } from './softphone.js'

/**
 * Calling out: the agent types a number; the server rings the agent's phone (this browser,
 * answered at once, or the desk phone) and then the number, out through the trunk. A call
 * placed so has no contact: its controls live here.
 */
export function Dialer({ desk, phone }: { desk: Desk; phone: Softphone | null }) {
  const [number, setNumber] = useState('')
  const call = phone?.call
  if (call?.placed)
    return (
      <div class="dialer" role="region" aria-label={`Call to ${call.from}`}>
        <p>
          <strong>{call.state === 'talking' ? 'On the phone' : 'Calling'}</strong> with {call.from}
        </p>
        {phone && <PhoneControls phone={phone} />}
        <button type="button" class="danger" onClick={() => phone?.hangUp()}>
          Hang up
        </button>
      </div>
    )
  if (call) return null
  return (
    <form
      class="dialer"
      aria-label="Call a number"
      onSubmit={(e) => {
        e.preventDefault()
        const to = number.replace(/[\s()-]/g, '')
        if (to) void desk.callOut(to, phone).then(() => setNumber(''))
      }}
    >
      <input
        aria-label="Number to call"
        inputMode="tel"
        autocomplete="tel"
        pattern="\+?[0-9*#\s()-]{1,40}"
        placeholder="Number"
        value={number}
        onInput={(e) => setNumber(e.currentTarget.value)}
      />
      <button type="submit" disabled={!number.trim()}>
        Call
      </button>
    </form>
  )
}
