import { useEffect, useState } from 'preact/hooks'
import type { Request } from '../shared/http.js'

interface Message {
  id: string
  from: 'customer' | 'agent' | 'system'
  text: string
  at: string
}

/** A chat read as it happens: the transcript so far, then each new message from the stream. */
export function LiveChat(props: { contactId: string; api: Request; token: string; onClose: () => void }) {
  const [messages, setMessages] = useState<Message[]>([])
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    let ws: WebSocket | null = null
    let closed = false
    void props
      .api<{ messages: Message[] }>(`/api/v1/contacts/${props.contactId}`, { token: props.token })
      .then(
        (c) => {
          if (closed) return
          setMessages(c.messages)
          const base = location.origin.replace(/^http/, 'ws')
          ws = new WebSocket(`${base}/api/v1/stream?token=${encodeURIComponent(props.token)}`)
          ws.onmessage = (m) => {
            const msg = JSON.parse(String(m.data)) as {
              type: string
              events?: {
                type: string
                contactId?: string
                messageId?: string
                from?: Message['from']
                text?: string
                at: string
              }[]
            }
            for (const e of msg.events ?? [])
              if (e.type === 'MessagePosted' && e.contactId === props.contactId)
                setMessages((list) =>
                  list.some((x) => x.id === e.messageId)
                    ? list
                    : [
                        ...list,
                        { id: e.messageId ?? '', from: e.from ?? 'system', text: e.text ?? '', at: e.at },
                      ],
                )
          }
        },
        (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
      )
    return () => {
      closed = true
      ws?.close()
    }
  }, [props.contactId])
  return (
    <aside class="live-chat" aria-label="Chat read live">
      <header>
        <strong>Reading {props.contactId.slice(0, 8)}… live</strong>
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
