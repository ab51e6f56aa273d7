import type { Desk } from './desk.js'
import type { ChannelState } from './model.js'

const LABEL: Record<ChannelState['state'], string> = {
  ready: 'Ready',
  not_ready: 'Not ready',
  logged_out: 'Logged out',
}

/** One control per channel: ready, not ready with a reason, or logged out. */
export function StateBar({ desk }: { desk: Desk }) {
  const reasons = desk.settings?.notReadyReasons ?? []
  return (
    <div class="states">
      {Object.entries(desk.channels).map(([channel, s]) => {
        const value = s.state === 'not_ready' ? `not_ready:${s.reason ?? ''}` : s.state
        return (
          <label key={channel} class={`state state-${s.state}`}>
            <span class="channel">{channel}</span>
            <select
              aria-label={`${channel} state`}
              value={value}
              onChange={(e) => {
                const [state, reason] = e.currentTarget.value.split(':') as [ChannelState['state'], string?]
                void desk.setState(channel, state, reason || undefined)
              }}
            >
              <option value="ready">{LABEL.ready}</option>
              <option value="not_ready:">{LABEL.not_ready}</option>
              {reasons.map((r) => (
                <option key={r} value={`not_ready:${r}`}>
                  {LABEL.not_ready}: {r}
                </option>
              ))}
              <option value="logged_out">{LABEL.logged_out}</option>
            </select>
            <span class="load" title="active / maximum contacts">
              {s.activeTasks}/{s.maxTasks}
            </span>
            {s.notResponding && <span class="warn">not responding</span>}
            {!s.reachable && <span class="warn">phone not registered</span>}
          </label>
        )
      })}
    </div>
  )
}
