import type { Softphone } from './softphone.js'

const SAID = {
  connecting: 'Phone: connecting…',
  registered: 'Phone: ready in this browser',
  reconnecting: 'Phone: reconnecting…',
  failed: 'Phone: not connected',
  off: 'Phone: off',
} as const

/** Whether calls can ring in this browser, and the ring's sound on or off. */
export function PhoneStatus({ phone }: { phone: Softphone }) {
  return (
    <span class={`phone phone-${phone.line}`}>
      <span role="status" title={phone.problem ?? undefined}>
        {SAID[phone.line]}
      </span>
      <label class="rings-on">
        Calls ring{' '}
        <select
          value={phone.ringsOn}
          onChange={(e) => phone.ringOn(e.currentTarget.value === 'desk' ? 'desk' : 'browser')}
        >
          <option value="browser">in this browser</option>
          <option value="desk">on my desk phone</option>
        </select>
      </label>
      {phone.ringsOn === 'desk' && phone.line === 'registered' && phone.otherPhones === 0 && (
        <span class="hint" role="note">
          No desk phone is registered: calls ring here
        </span>
      )}
      <label class="ring">
        <input
          type="checkbox"
          checked={phone.sound}
          onChange={(e) => (phone.sound = e.currentTarget.checked)}
        />{' '}
        Ring sound
      </label>
    </span>
  )
}
