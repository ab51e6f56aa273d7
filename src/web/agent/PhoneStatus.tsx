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
