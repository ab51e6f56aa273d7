import { useEffect, useState } from 'preact/hooks'
import { backoff, type Request } from '../shared/http.js'

interface Message {
  id: string
  from: 'customer' | 'agent' | 'system'
  text: string
  at: string
}

type Posted = {
  type: string
  contactId?: string
  messageId?: string
  from?: Message['from']
  text?: string
  at: string
}

/** Adds what is not yet in the list, by id: the transcript and the stream may both carry a message. */
function merged(list: Message[], more: Message[]): Message[] {
  const seen = new Set(list.map((m) => m.id))
  return [...list, ...more.filter((m) => !seen.has(m.id))]
}

/**
 * A chat read as it happens. The stream is opened first and the transcript fetched once it is
 * ready, so a message written between the two is in one or the other, never in neither.
 */
export function LiveChat(props: { contactId: string; api: Request; token: string; onClose: () => void }) {
  const [messages, setMessages] = useState<Message[]>([])
  const [live, setLive] = useState(false)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    let closed = false
    let ws: WebSocket | null = null
    let attempt = 0
    let retry: ReturnType<typeof setTimeout> | undefined
    const open = (): void => {
      const base = location.origin.replace(/^http/, 'ws')
      ws = new WebSocket(`${base}/api/v1/stream?token=${encodeURIComponent(props.token)}`)
      ws.onmessage = (m) => {
        const msg = JSON.parse(String(m.data)) as { type: string; events?: Posted[] }
        // Fetched again after each reconnect: what was written while away is in the transcript.
        if (msg.type === 'ready')
          void props
            .api<{ messages: Message[] }>(`/api/v1/contacts/${props.contactId}`, { token: props.token })
            .then(
              (c) => {
                if (closed) return
                attempt = 0
                setError(null)
                setMessages((streamed) => merged(c.messages, streamed))
                setLive(true)
              },
              (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
            )
        const posted = (msg.events ?? [])
          .filter((e) => e.type === 'MessagePosted' && e.contactId === props.contactId)
          .map((e) => ({ id: e.messageId ?? '', from: e.from ?? 'system', text: e.text ?? '', at: e.at }))
        if (posted.length > 0) setMessages((list) => merged(list, posted))
      }
      ws.onclose = () => {
        if (closed) return
        setLive(false)
        retry = setTimeout(open, backoff(attempt++))
      }
    }
    open()
    return () => {
      closed = true
      clearTimeout(retry)
      ws?.close()
    }
  }, [props.contactId])
  return (
    <aside class="live-chat" aria-label="Chat read live">
      <header>
        <strong>
          Reading {props.contactId.slice(0, 8)}… <span role="status">{live ? 'live' : 'connecting…'}</span>
        </strong>
        <button type="button" onClick={props.onClose} aria-label="Stop reading">
          ×
        </button>
      </header>
      {error && <p class="error">{error}</p>}
      <ol aria-live="polite">
        {messages.map((m) => (
          <li key={m.id} class={m.from}>
            <span class="who">{m.from}</span> {m.text}
          </li>
        ))}
      </ol>
    </aside>
  )
}
