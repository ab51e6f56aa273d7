import { useState } from 'preact/hooks'
import type { Softphone } from './softphone.js'

/** The call in this browser: mute, hold, keypad, transfer to a number, hang up. */
export function PhoneControls({ phone }: { phone: Softphone }) {
  const [keys, setKeys] = useState('')
  const [number, setNumber] = useState('')
  const call = phone.call
  if (call?.state !== 'talking') return null
  return (
    <div class="phone-controls" role="group" aria-label="Phone">
      <button type="button" aria-pressed={call.muted} onClick={() => phone.mute(!call.muted)}>
        {call.muted ? 'Unmute' : 'Mute'}
      </button>
      <button type="button" aria-pressed={call.held} onClick={() => phone.hold(!call.held)}>
        {call.held ? 'Resume' : 'Hold'}
      </button>
      <form
        class="keypad"
        onSubmit={(e) => {
          e.preventDefault()
          if (keys) phone.dtmf(keys)
          setKeys('')
        }}
      >
        <input
          aria-label="Keys to send"
          inputMode="tel"
          pattern="[0-9*#A-Da-d]*"
          value={keys}
          onInput={(e) => setKeys(e.currentTarget.value)}
        />
        <button type="submit">Send keys</button>
      </form>
      <form
        class="transfer-number"
        onSubmit={(e) => {
          e.preventDefault()
          if (number) phone.transfer(number)
        }}
      >
        <input
          aria-label="Transfer to number"
          inputMode="tel"
          value={number}
          onInput={(e) => setNumber(e.currentTarget.value)}
        />
        <button type="submit" disabled={!number}>
          Transfer to number
        </button>
      </form>
    </div>
  )
}
