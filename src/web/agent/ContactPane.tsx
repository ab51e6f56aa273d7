import { useEffect, useRef, useState } from 'preact/hooks'
import { uid } from '../shared/http.js'
import { FileView } from '../shared/parts.js'
import type { Desk } from './desk.js'
import type { Contact } from './model.js'
import { CallPanel } from './CallPanel.js'
import type { Softphone } from './softphone.js'
import { Transfer } from './Transfer.js'

interface Canned {
  id: string
  title: string
  text: string
}

interface Earlier {
  id: string
  channel: string
  state: string
  createdAt: string
  subject: string | null
  wrapUp: { code: string | null } | null
}

const TYPING_EVERY_MS = 3000

export function ContactPane({
  desk,
  contact,
  linked,
  phone,
}: {
  desk: Desk
  contact: Contact
  /** Contacts that continue this one (the customer's call from this chat): worked here too. */
  linked: Contact[]
  phone: Softphone | null
}) {
  const log = useRef<HTMLDivElement>(null)
  useEffect(() => {
    log.current?.scrollTo({ top: log.current.scrollHeight })
    const last = [...contact.messages].reverse().find((m) => m.from === 'customer')
    if (last && contact.state === 'connected') desk.markRead(contact.id, last.seq)
  }, [contact.messages.length])

  const lastMine = [...contact.messages].reverse().find((m) => m.from === 'agent')
  const typing = contact.customerTypingUntil > Date.now()
  return (
    <div class="pane" role="tabpanel" id={`pane-${contact.id}`} aria-labelledby={`tab-${contact.id}`}>
      <div class="conversation">
        <div class="log" role="log" aria-live="polite" ref={log} tabIndex={0}>
          {contact.messages.map((m) => (
            <div key={m.id} class={`msg msg-${m.from}`}>
              <span class="meta">
                {m.from === 'customer' ? contact.customer.name : m.from === 'agent' ? 'You' : 'System'} ·{' '}
                {new Date(m.at).toLocaleTimeString()}
              </span>
              {m.text && <p>{m.text}</p>}
              {m.attachment && (
                <FileView a={m.attachment} fetchUrl={(a) => desk.fileUrl(contact.id, a)} imageClass="image" />
              )}
            </div>
          ))}
          {lastMine && contact.customerReadUpTo >= lastMine.seq && <p class="read">Read</p>}
        </div>
        {typing && (
          <p class="typing" aria-live="polite">
            {contact.customer.name} is typing…
          </p>
        )}
        {linked.map((l) =>
          l.state === 'connected' ? (
            <CallPanel key={l.id} desk={desk} contact={l} phone={phone} />
          ) : (
            <WrapUp key={l.id} desk={desk} contact={l} />
          ),
        )}
        {contact.state === 'connected' && contact.channel === 'voice' ? (
          <CallPanel desk={desk} contact={contact} phone={phone} />
        ) : contact.state === 'connected' ? (
          <Composer desk={desk} contact={contact} />
        ) : (
          <WrapUp desk={desk} contact={contact} />
        )}
      </div>
      <CustomerDetails desk={desk} contact={contact} />
    </div>
  )
}

function Composer({ desk, contact }: { desk: Desk; contact: Contact }) {
  const [text, setText] = useState('')
  const [canned, setCanned] = useState<Canned[]>([])
  const lastTyping = useRef(0)
  useEffect(() => {
    desk
      .api<{ cannedResponses: Canned[] }>(
        `/api/v1/canned-responses?queueId=${encodeURIComponent(contact.queueId)}`,
        {
          token: desk.token,
        },
      )
      .then(
        (r) => setCanned(r.cannedResponses),
        () => undefined,
      )
  }, [contact.queueId])

  const send = (): void => {
    const v = text.trim()
    if (!v) return
    setText('')
    void desk.send(contact.id, v, uid())
  }
  return (
    <div class="composer">
      <form
        onSubmit={(e) => {
          e.preventDefault()
          send()
        }}
      >
        <textarea
          rows={3}
          value={text}
          aria-label="Reply"
          placeholder="Reply (Enter sends, Shift+Enter for a new line)"
          onInput={(e) => {
            setText(e.currentTarget.value)
            if (Date.now() - lastTyping.current > TYPING_EVERY_MS) {
              lastTyping.current = Date.now()
              desk.typing(contact.id)
            }
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault()
              send()
            }
          }}
        />
        <div class="actions">
          <select
            aria-label="Canned responses"
            value=""
            onChange={(e) => {
              const r = canned.find((c) => c.id === e.currentTarget.value)
              if (r) setText((t) => (t ? `${t} ${r.text}` : r.text))
            }}
          >
            <option value="">Canned responses…</option>
            {canned.map((c) => (
              <option key={c.id} value={c.id}>
                {c.title}
              </option>
            ))}
          </select>
          <label class="attach">
            Attach
            <input
              type="file"
              aria-label="Attach a file"
              onChange={(e) => {
                const f = e.currentTarget.files?.[0]
                if (f) void desk.attach(contact.id, f)
                e.currentTarget.value = ''
              }}
            />
          </label>
          <button type="submit" class="primary">
            Send
          </button>
        </div>
      </form>
      <div class="actions">
        <Transfer desk={desk} contact={contact} />
        <button type="button" class="danger" onClick={() => void desk.end(contact.id)}>
          End
        </button>
      </div>
    </div>
  )
}

function WrapUp({ desk, contact }: { desk: Desk; contact: Contact }) {
  const codes = desk.settings?.wrapUpCodes ?? []
  const what = contact.channel === 'voice' ? 'call' : contact.channel === 'email' ? 'message' : 'chat'
  return (
    <form
      class="wrapup"
      aria-label={`Wrap-up of the ${what}`}
      onSubmit={(e) => {
        e.preventDefault()
        const f = e.currentTarget
        const code = (f.elements.namedItem('code') as HTMLSelectElement).value || null
        const notes = (f.elements.namedItem('notes') as HTMLTextAreaElement).value.trim()
        void desk.wrapUp(contact.id, code, notes)
      }}
    >
      <p>
        <strong>Wrap-up of the {what}.</strong> It has ended; finish it to take new contacts.
      </p>
      <label>
        Outcome
        <select name="code">
          <option value="">(none)</option>
          {codes.map((c) => (
            <option key={c.code} value={c.code}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Notes
        <textarea name="notes" rows={2} maxLength={4000} />
      </label>
      <button type="submit" class="primary">
        Finish wrap-up
      </button>
    </form>
  )
}

function CustomerDetails({ desk, contact }: { desk: Desk; contact: Contact }) {
  const [earlier, setEarlier] = useState<Earlier[] | null>(null)
  useEffect(() => {
    desk.api<{ contacts: Earlier[] }>(`/api/v1/contacts/${contact.id}/history`, { token: desk.token }).then(
      (r) => setEarlier(r.contacts),
      () => setEarlier([]),
    )
  }, [contact.id])
  return (
    <aside class="details" aria-label="Customer">
      <h2>{contact.customer.name}</h2>
      <dl>
        {contact.customer.phone !== undefined && (
          <>
            <dt>Phone</dt>
            <dd>{contact.customer.phone}</dd>
          </>
        )}
        <dt>Email</dt>
        <dd>{contact.customer.email ?? '—'}</dd>
        <dt>Subject</dt>
        <dd>{contact.subject ?? '—'}</dd>
        <dt>Queue</dt>
        <dd>{contact.queueId}</dd>
        <dt>Entry point</dt>
        <dd>{contact.entryPointId}</dd>
        <dt>Waiting since</dt>
        <dd>{new Date(contact.enqueuedAt).toLocaleTimeString()}</dd>
      </dl>
      <h3>Earlier contacts</h3>
      {earlier === null ? (
        <p>Loading…</p>
      ) : earlier.length === 0 ? (
        <p>None{contact.customer.email ? '' : ' (no email given)'}.</p>
      ) : (
        <ul class="history">
          {earlier.map((c) => (
            <li key={c.id}>
              {new Date(c.createdAt).toLocaleDateString()} · {c.channel} · {c.state}
              {c.wrapUp?.code ? ` · ${c.wrapUp.code}` : ''}
              {c.subject ? ` · ${c.subject}` : ''}
            </li>
          ))}
        </ul>
      )}
    </aside>
  )
}
