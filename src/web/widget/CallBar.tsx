import { useEffect, useRef, useState } from 'preact/hooks'
import type { BrowserCall } from './browser-call.js'
import type { ChatSession } from './session.js'
import type { Strings } from './strings.js'

/** "Call us" in an open chat, and the call's state, mute and hang-up once it is placed. */
export function CallBar({ t, base, session }: { t: Strings; base: string; session: ChatSession }) {
  const [, setVersion] = useState(0)
  const speaker = useRef<HTMLAudioElement>(null)
  const call = useRef<BrowserCall | null>(null)
  useEffect(() => () => call.current?.hangUp(), [])
  const c = call.current
  const busy = c?.state === 'calling' || c?.state === 'talking'
  return (
    <div class="sb-call" role="group" aria-label={t.callUs}>
      <audio ref={speaker} autoplay />
      {!busy && (
        <button
          type="button"
          class="sb-secondary"
          onClick={() => {
            if (!speaker.current) return
            call.current = session.call(base, speaker.current, () => setVersion((v) => v + 1))
            void call.current.start()
          }}
        >
          {t.callUs}
        </button>
      )}
      {c && (
        <p role="status">
          {c.state === 'calling'
            ? t.calling
            : c.state === 'talking'
              ? t.onCall
              : c.state === 'ended'
                ? t.callEnded
                : c.problem
                  ? t[c.problem]
                  : ''}
        </p>
      )}
      {busy && c && (
        <>
          <button type="button" aria-pressed={c.muted} onClick={() => c.setMuted(!c.muted)}>
            {c.muted ? t.unmute : t.mute}
          </button>
          <button type="button" class="sb-danger" onClick={() => c.hangUp()}>
            {t.hangUp}
          </button>
        </>
      )}
    </div>
  )
}
