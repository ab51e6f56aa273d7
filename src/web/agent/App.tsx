import { useEffect, useState } from 'preact/hooks'
import type { Request } from '../shared/http.js'
import { ErrorLine } from '../shared/parts.js'
import { ContactPane } from './ContactPane.js'
import { openConversations, shownIn } from './conversations.js'
import { Desk } from './desk.js'
import { Login } from './Login.js'
import { OfferCard } from './OfferCard.js'
import { StateBar } from './StateBar.js'
import { PhoneStatus } from './PhoneStatus.js'
import { Dialer } from './Dialer.js'
import { usePhone } from './usePhone.js'

interface Session {
  token: string
  agentId: string
  username: string
}

const KEY = 'switchboard.agent'

function useDesk(desk: Desk | null): number {
  const [version, setVersion] = useState(0)
  useEffect(() => {
    if (!desk) return
    const bump = (): void => setVersion((v) => v + 1)
    const unsubscribe = desk.subscribe(bump)
    // A change between the first render and this subscription would otherwise never show.
    bump()
    return unsubscribe
  }, [desk])
  return version
}

export function App({ api }: { api: Request }) {
  const [session, setSession] = useState<Session | null>(() => {
    const raw = sessionStorage.getItem(KEY)
    return raw ? (JSON.parse(raw) as Session) : null
  })
  const [desk, setDesk] = useState<Desk | null>(null)
  const [active, setActive] = useState<string | null>(null)
  const [fatal, setFatal] = useState<string | null>(null)
  useDesk(desk)
  const phone = usePhone(desk)

  useEffect(() => {
    if (!session) return
    const wsBase = location.origin.replace(/^http/, 'ws')
    const d = new Desk(api, session.token, session.agentId, wsBase)
    d.start().then(
      () => setDesk(d),
      (e: unknown) => {
        // An expired token: back to the login form, with the reason.
        sessionStorage.removeItem(KEY)
        setSession(null)
        setFatal(e instanceof Error ? e.message : String(e))
      },
    )
    return () => d.stop()
  }, [session])

  if (!session)
    return (
      <Login
        api={api}
        notice={fatal}
        onLogin={(s) => {
          sessionStorage.setItem(KEY, JSON.stringify(s))
          setFatal(null)
          setSession(s)
        }}
      />
    )
  if (!desk) return <p class="loading">Loading your desk…</p>

  const open = openConversations(desk.contacts)
  const shown = open.find((v) => v.contact.id === (active && shownIn(desk.contacts, active))) ?? open[0]
  return (
    <div class="desk">
      <header class="topbar">
        <strong>{desk.settings?.tenant.name}</strong>
        <span class="who">{desk.agentName}</span>
        <StateBar desk={desk} />
        {phone && <PhoneStatus phone={phone} />}
        <span class={`conn conn-${desk.connection}`} role="status">
          {desk.connection === 'online' ? 'Connected' : 'Reconnecting…'}
        </span>
        <button
          type="button"
          onClick={() => {
            sessionStorage.removeItem(KEY)
            desk.stop()
            setDesk(null)
            setSession(null)
          }}
        >
          Sign out
        </button>
      </header>
      <ErrorLine text={desk.error} />
      {desk.channels.voice && <Dialer desk={desk} phone={phone} />}
      <section class="offers" aria-label="Incoming" aria-live="assertive">
        {[...desk.offers.values()].map((o) => (
          <OfferCard
            key={o.offerId}
            offer={o}
            desk={desk}
            phone={phone}
            onAccepted={() =>
              setActive(
                o.relatedContactId && desk.contacts.has(o.relatedContactId)
                  ? o.relatedContactId
                  : o.contactId,
              )
            }
          />
        ))}
      </section>
      {open.length === 0 ? (
        <p class="empty">No open conversations. Set a channel to Ready to receive contacts.</p>
      ) : (
        <div class="work">
          <div class="tabs" role="tablist" aria-label="Open conversations">
            {open.map(({ contact: c, linked }) => {
              const typing = c.customerTypingUntil > Date.now()
              const onCall = linked.some((l) => l.state === 'connected')
              return (
                <button
                  type="button"
                  role="tab"
                  key={c.id}
                  id={`tab-${c.id}`}
                  aria-selected={shown?.contact.id === c.id}
                  aria-controls={`pane-${c.id}`}
                  class={shown?.contact.id === c.id ? 'tab on' : 'tab'}
                  onClick={() => setActive(c.id)}
                >
                  {c.customer.name}
                  <small>
                    {c.channel === 'email' ? 'message' : c.channel} ·{' '}
                    {c.state === 'wrap_up' ? 'wrap-up' : c.state}
                    {onCall ? ' · on a call' : ''}
                    {typing ? ' · typing' : ''}
                  </small>
                </button>
              )
            })}
          </div>
          {shown && (
            <ContactPane
              key={shown.contact.id}
              desk={desk}
              contact={shown.contact}
              linked={shown.linked}
              phone={phone}
            />
          )}
        </div>
      )}
    </div>
  )
}
