import { useEffect, useState } from 'preact/hooks'
import { ErrorLine, SignInForm } from '../shared/parts.js'
import type { Request } from '../shared/http.js'
import { DayCharts } from './DayCharts.js'
import { LiveChat } from './LiveChat.js'
import { useLiveFloor } from './live.js'
import type { QueueTile } from './model.js'
import { clock } from './model.js'
import { AgentTable, ContactTable } from './Tables.js'

const KEY = 'switchboard.supervisor'

/** Sign-in for supervisors and admins; the token stays for this tab. */
function SignIn(props: { api: Request; notice: string | null; onToken: (t: string) => void }) {
  const [error, setError] = useState<string | null>(props.notice)
  return (
    <SignInForm
      title="Switchboard wallboard"
      error={error}
      onSubmit={(username, password) =>
        void props
          .api<{ token: string; user: { role: string } }>('/api/v1/login', { body: { username, password } })
          .then(
            (r) =>
              r.user.role === 'supervisor' || r.user.role === 'admin'
                ? props.onToken(r.token)
                : setError('The wallboard is for supervisors and admins: sign in as one.'),
            (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
          )
      }
    />
  )
}

function Tile(props: { q: QueueTile; tick: number; selected: boolean; onSelect: () => void }) {
  const { q } = props
  const sl = q.serviceLevelToday === null ? '—' : `${Math.round(q.serviceLevelToday * 100)}%`
  return (
    <button
      type="button"
      class={`tile${props.selected ? ' selected' : ''}`}
      onClick={props.onSelect}
      aria-pressed={props.selected}
    >
      <span class="name">{q.name}</span>
      <span class="big" aria-label="waiting">
        {q.waiting}
      </span>
      <span>waiting · oldest {clock(q.waiting > 0 ? q.oldestWaitSeconds + props.tick : 0)}</span>
      <span>
        wait now ≈ {clock(q.estimatedWaitSeconds)} · SL today {sl}
      </span>
      <span>
        answered {q.answeredToday} · abandoned {q.abandonedToday} · ready {q.agentsReady} · busy{' '}
        {q.agentsBusy}
      </span>
    </button>
  )
}

function Floor(props: { api: Request; token: string; onExpired: () => void }) {
  const live = useLiveFloor(props.token, props.onExpired)
  const [tick, setTick] = useState(0)
  const [queueId, setQueueId] = useState<string | null>(null)
  const [reading, setReading] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [reasons, setReasons] = useState<string[]>([])
  // Timers run between snapshots; each snapshot sets them right again.
  useEffect(() => setTick(0), [live.floor])
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 1000)
    return () => clearInterval(t)
  }, [])
  useEffect(() => {
    void props.api<{ notReadyReasons: string[] }>('/api/v1/desk', { token: props.token }).then(
      (d) => setReasons(d.notReadyReasons),
      () => setReasons(['Break']),
    )
  }, [props.token])
  const f = live.floor
  return (
    <main class="board">
      <header>
        <h1>Wallboard</h1>
        <span class={live.connected ? 'online' : 'offline'} role="status">
          {live.connected ? `live · ${f ? new Date(f.at).toLocaleTimeString() : ''}` : 'reconnecting…'}
        </span>
        <button type="button" onClick={props.onExpired}>
          Sign out
        </button>
      </header>
      <ErrorLine text={error} />
      {f && (
        <>
          <section class="tiles" aria-label="Queues">
            {f.queues.map((q) => (
              <Tile
                key={q.id}
                q={q}
                tick={tick}
                selected={queueId === q.id}
                onSelect={() => setQueueId(queueId === q.id ? null : q.id)}
              />
            ))}
          </section>
          <DayCharts api={props.api} token={props.token} live={live} queueId={queueId} />
          <div class="floor">
            <section>
              <h2>Agents</h2>
              <AgentTable
                floor={f}
                tick={tick}
                api={props.api}
                token={props.token}
                reasons={reasons}
                onError={setError}
              />
            </section>
            <section>
              <h2>Contacts</h2>
              <ContactTable
                floor={f}
                tick={tick}
                api={props.api}
                token={props.token}
                onRead={setReading}
                onError={setError}
              />
            </section>
            {reading && (
              <LiveChat
                contactId={reading}
                api={props.api}
                token={props.token}
                onClose={() => setReading(null)}
              />
            )}
          </div>
        </>
      )}
    </main>
  )
}

export function Board(props: { api: Request }) {
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(KEY))
  const [notice, setNotice] = useState<string | null>(null)
  if (!token)
    return (
      <SignIn
        api={props.api}
        notice={notice}
        onToken={(t) => {
          sessionStorage.setItem(KEY, t)
          setToken(t)
        }}
      />
    )
  return (
    <Floor
      api={props.api}
      token={token}
      onExpired={() => {
        sessionStorage.removeItem(KEY)
        setNotice('Signed out: sign in again.')
        setToken(null)
      }}
    />
  )
}
