import { useEffect, useRef, useState } from 'preact/hooks'
import { SurveyForm } from './forms.js'
import { CallBar } from './CallBar.js'
import { ErrorLine, FileView } from '../shared/parts.js'
import type { ChatSession, ChatView, Message } from './session.js'
import type { EntryPointInfo } from './status.js'
import type { Strings } from './strings.js'

interface Props {
  readonly t: Strings
  readonly base: string
  readonly session: ChatSession
  readonly view: ChatView
  readonly info: EntryPointInfo | null
  readonly onDone: () => void
}

export function ChatPanel({ t, base, session, view, info, onDone }: Props) {
  const [surveyDone, setSurveyDone] = useState(false)
  const [fileError, setFileError] = useState<string | null>(null)
  const log = useRef<HTMLDivElement>(null)
  const ended = session.ended

  useEffect(() => {
    log.current?.scrollTo({ top: log.current.scrollHeight })
    if (document.visibilityState === 'visible') session.markRead()
  }, [view.messages.length, view.agentTyping])

  const lastMine = [...view.messages].reverse().find((m) => m.from === 'customer' && m.messageSeq)
  const readMine = lastMine?.messageSeq !== undefined && view.readUpTo >= lastMine.messageSeq

  const attach = async (file: File): Promise<void> => {
    setFileError(null)
    const max = info?.attachments.maxSizeBytes ?? 0
    if (file.size > max) return setFileError(t.fileTooLarge(Math.round(max / 1024 / 1024)))
    try {
      await session.attach(file)
    } catch (e) {
      setFileError(e instanceof Error ? e.message : t.error)
    }
  }

  return (
    <div class="sb-chat">
      {view.connection === 'reconnecting' && (
        <p class="sb-banner" role="status">
          {t.reconnecting}
        </p>
      )}
      {view.state === 'queued' || view.state === 'offered' ? (
        <div class="sb-queue" role="status" aria-live="polite">
          <p>{t.connecting}</p>
          {view.position > 0 && <p class="sb-position">{t.position(view.position)}</p>}
          {view.position > 0 && <p>{t.wait(view.waitSeconds)}</p>}
        </div>
      ) : null}
      {info?.call?.enabled && !ended && <CallBar t={t} base={base} session={session} />}
      <div class="sb-log" role="log" aria-live="polite" aria-label={t.title} ref={log} tabIndex={0}>
        {view.agentName && <p class="sb-system">{t.joined(view.agentName)}</p>}
        {view.messages.map((m) => (
          <Bubble key={m.key} m={m} t={t} base={base} session={session} />
        ))}
        {readMine && <p class="sb-read">{t.read}</p>}
      </div>
      {view.agentTyping && !ended && (
        <p class="sb-typing" aria-live="polite">
          {t.typing(view.agentName ?? t.agent)}
        </p>
      )}
      {!ended && (
        <Composer
          t={t}
          session={session}
          canAttach={info?.attachments.enabled === true}
          onFile={(f) => void attach(f)}
        />
      )}
      <ErrorLine text={fileError} className="sb-error" />
      {!ended && (
        <button type="button" class="sb-end" onClick={() => void session.end()}>
          {t.end}
        </button>
      )}
      {ended && (
        <div class="sb-after">
          <p role="status">{t.ended}</p>
          {view.agentName && !surveyDone && (
            <SurveyForm
              t={t}
              onSubmit={async (rating, comment) => {
                await session.survey(rating, comment)
                setSurveyDone(true)
              }}
            />
          )}
          {surveyDone && <p role="status">{t.thanks}</p>}
          <button type="button" class="sb-secondary" onClick={onDone}>
            {t.newChat}
          </button>
        </div>
      )}
    </div>
  )
}

function Composer(props: {
  t: Strings
  session: ChatSession
  canAttach: boolean
  onFile: (f: File) => void
}) {
  const { t, session } = props
  const [text, setText] = useState('')
  const send = (): void => {
    const v = text.trim()
    if (!v) return
    setText('')
    void session.send(v)
  }
  return (
    <form
      class="sb-composer"
      onSubmit={(e) => {
        e.preventDefault()
        send()
      }}
    >
      <textarea
        rows={2}
        value={text}
        maxLength={4000}
        aria-label={t.messagePlaceholder}
        placeholder={t.messagePlaceholder}
        onInput={(e) => {
          setText(e.currentTarget.value)
          session.typing()
        }}
        onKeyDown={(e) => {
          // Enter sends, Shift+Enter is a new line: what chat users expect.
          if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault()
            send()
          }
        }}
      />
      {props.canAttach && (
        <label class="sb-attach">
          <span class="sb-sr">{t.attach}</span>
          <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22">
            <path
              fill="none"
              stroke="currentColor"
              stroke-width="2"
              stroke-linecap="round"
              d="M21 11.5 12.5 20a5.5 5.5 0 0 1-7.8-7.8l8.9-8.9a3.7 3.7 0 0 1 5.2 5.2l-8.9 8.9a1.8 1.8 0 0 1-2.6-2.6L15.5 6.6"
            />
          </svg>
          <input
            type="file"
            accept="image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain"
            onChange={(e) => {
              const f = e.currentTarget.files?.[0]
              if (f) props.onFile(f)
              e.currentTarget.value = ''
            }}
          />
        </label>
      )}
      <button type="submit" class="sb-primary">
        {t.send}
      </button>
    </form>
  )
}

function Bubble({ m, t, base, session }: { m: Message; t: Strings; base: string; session: ChatSession }) {
  const who = m.from === 'customer' ? t.you : (m.agentName ?? t.agent)
  return (
    <div class={`sb-msg sb-${m.from}${m.pending ? ' sb-pending' : ''}`}>
      <span class="sb-who">{who}</span>
      {m.text && <p>{m.text}</p>}
      {m.attachment && (
        <FileView
          a={m.attachment}
          fetchUrl={(a) => session.fetchAttachment(base, a)}
          imageClass="sb-image"
          linkClass="sb-file"
        />
      )}
      {m.pending && <span class="sb-state">{m.failed ? t.notSent : t.sending}</span>}
    </div>
  )
}
