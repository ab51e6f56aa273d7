import { useEffect, useState } from 'preact/hooks'
import type { Desk } from './desk.js'
import type { Offer } from './model.js'
import type { Softphone } from './softphone.js'
import { popUrlFor } from './model.js'

/** An incoming contact with the seconds left to take it. */
export function OfferCard({
  offer,
  desk,
  phone,
  onAccepted,
}: {
  offer: Offer
  desk: Desk
  phone: Softphone | null
  onAccepted: () => void
}) {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 250)
    return () => clearInterval(t)
  }, [])
  const left = Math.max(0, Math.ceil((offer.expiresAt - now) / 1000))
  return (
    <div class="offer" role="alertdialog" aria-label={`Incoming ${offer.channel} from ${offer.customer}`}>
      <div>
        <strong>Incoming {offer.channel === 'email' ? 'message' : offer.channel}</strong> from{' '}
        {offer.customer} · queue {offer.queueId}
        {offer.relatedContactId && desk.contacts.has(offer.relatedContactId) && (
          <p class="continues">The customer you are chatting with asks to talk: the call joins the chat.</p>
        )}
      </div>
      <div class="countdown" aria-label={`${left} seconds left`}>
        {left}s
      </div>
      {offer.channel === 'voice' ? (
        // A call is answered on the phone, which rings now; declining here takes it back.
        <>
          {phone?.ringing ? (
            <>
              <p class="ringing" role="status">
                Ringing in this browser
              </p>
              <button
                type="button"
                class="primary"
                onClick={() => {
                  phone.answer()
                  onAccepted()
                }}
              >
                Answer
              </button>
            </>
          ) : (
            <p class="ringing" role="status">
              Ringing on your phone: answer there
            </p>
          )}
          {desk.settings?.popUrl && offer.phone && (
            <a
              href={popUrlFor(desk.settings.popUrl, offer.phone, offer.contactId)}
              target="_blank"
              rel="noopener"
            >
              Open {offer.phone} in the CRM
            </a>
          )}
          <button type="button" onClick={() => void desk.answer(offer.offerId, false)}>
            Decline
          </button>
        </>
      ) : (
        <>
          <button
            type="button"
            class="primary"
            onClick={() => void desk.answer(offer.offerId, true).then(onAccepted)}
          >
            Accept
          </button>
          <button type="button" onClick={() => void desk.answer(offer.offerId, false)}>
            Reject
          </button>
        </>
      )}
    </div>
  )
}
