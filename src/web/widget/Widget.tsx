import { useEffect, useRef, useState } from 'preact/hooks'
import type { Request } from '../shared/http.js'
import { ChatPanel } from './ChatPanel.js'
import { LeaveMessageForm, PreChatForm } from './forms.js'
import type { ChatView } from './session.js'
import { ChatSession } from './session.js'
import type { EntryPointInfo, EntryPointStatus } from './status.js'
import { watchStatus } from './status.js'
import type { Strings } from './strings.js'

type Mode = 'prechat' | 'chat' | 'leave' | 'left'

export interface WidgetProps {
  readonly api: Request
  readonly base: string
  readonly entryPointId: string
  readonly t: Strings
}

// Closed or busy: a message can still be left. Inactive or unknown: nothing is shown.
const LEAVE_REASONS = new Set(['outside_business_hours', 'agent_not_available', 'queue_depth_reached'])

export function Widget({ api, base, entryPointId, t }: WidgetProps) {
  const storageKey = `switchboard.chat.${entryPointId}`
  const [info, setInfo] = useState<EntryPointInfo | null>(null)
  const [status, setStatus] = useState<EntryPointStatus | null>(null)
  const [open, setOpen] = useState(false)
  const [mode, setMode] = useState<Mode>('prechat')
  const [session, setSession] = useState<ChatSession | null>(null)
  const [view, setView] = useState<ChatView | null>(null)
  const panel = useRef<HTMLDivElement>(null)

  useEffect(() => {
    api<EntryPointInfo>(`/api/v1/entry-points/${encodeURIComponent(entryPointId)}`).then(
      setInfo,
      () => undefined,
    )
    // A chat in progress survives page navigation and reloads within the visit.
    const resumed = ChatSession.resume(api, storageKey, setView)
    if (resumed) {
      setSession(resumed)
      setMode('chat')
      setOpen(true)
      resumed.run()
    }
    const stop = watchStatus(api, entryPointId, setStatus)
    return () => {
      stop()
      resumed?.stop()
    }
  }, [])

  useEffect(() => {
    if (open) panel.current?.querySelector<HTMLElement>('input, textarea, button:not(.sb-close)')?.focus()
  }, [open, mode])

  const inChat = session !== null
  const canChat = status?.allowed === true
  const canLeave = !canChat && info?.leaveMessage === true && LEAVE_REASONS.has(status?.reason ?? '')
  if (!inChat && !canChat && !canLeave && !open) return null

  const launch = (): void => {
    if (!inChat) setMode(canChat ? 'prechat' : 'leave')
    setOpen(true)
  }

  const start = async (form: { name: string; email?: string; subject?: string }): Promise<void> => {
    const s = await ChatSession.start(api, storageKey, entryPointId, form, setView)
    setSession(s)
    setView(s.view)
    setMode('chat')
    s.run()
  }

  const finish = (): void => {
    session?.forget()
    setSession(null)
    setView(null)
    setMode(canChat ? 'prechat' : 'leave')
  }

  if (!open)
    return (
      <button type="button" class="sb-launcher" onClick={launch} aria-haspopup="dialog">
        {inChat || canChat ? t.chatWithUs : t.leaveMessage}
      </button>
    )

  return (
    <div
      class="sb-panel"
      role="dialog"
      aria-modal="false"
      aria-labelledby="sb-title"
      ref={panel}
      onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}
    >
      <header class="sb-header">
        <h2 id="sb-title">
          {mode === 'leave' || mode === 'left' ? t.leaveMessage : (info?.name ?? t.title)}
        </h2>
        <button type="button" class="sb-close" aria-label={t.close} onClick={() => setOpen(false)}>
          ×
        </button>
      </header>
      {mode === 'prechat' && <PreChatForm t={t} onStart={start} />}
      {mode === 'chat' && session && view && (
        <ChatPanel t={t} base={base} session={session} view={view} info={info} onDone={finish} />
      )}
      {mode === 'leave' && (
        <LeaveMessageForm
          t={t}
          onSend={async (form) => {
            await api(`/api/v1/entry-points/${encodeURIComponent(entryPointId)}/messages`, {
              body: {
                customer: { name: form.name, email: form.email },
                text: form.text,
              },
            })
            setMode('left')
          }}
        />
      )}
      {mode === 'left' && (
        <p class="sb-note" role="status">
          {t.messageSent}
        </p>
      )}
    </div>
  )
}
