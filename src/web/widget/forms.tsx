import { useState } from 'preact/hooks'
import { ErrorLine } from '../shared/parts.js'
import type { Strings } from './strings.js'

/** Runs a submit, showing progress and the error instead of losing what was typed. */
function useSubmit() {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const run = async (fn: () => Promise<void>, fallback: string): Promise<void> => {
    setBusy(true)
    setError(null)
    try {
      await fn()
    } catch (e) {
      setError(e instanceof Error && e.message ? e.message : fallback)
    } finally {
      setBusy(false)
    }
  }
  return { busy, error, run }
}

const value = (form: HTMLFormElement, name: string): string =>
  (form.elements.namedItem(name) as HTMLInputElement | null)?.value.trim() ?? ''

export function PreChatForm(props: {
  t: Strings
  onStart: (f: { name: string; email?: string; subject?: string }) => Promise<void>
}) {
  const { t } = props
  const { busy, error, run } = useSubmit()
  return (
    <form
      class="sb-form"
      onSubmit={(e) => {
        e.preventDefault()
        const f = e.currentTarget
        const email = value(f, 'email')
        const subject = value(f, 'subject')
        void run(
          () =>
            props.onStart({
              name: value(f, 'name'),
              ...(email ? { email } : {}),
              ...(subject ? { subject } : {}),
            }),
          t.error,
        )
      }}
    >
      <label>
        {t.name}
        <input name="name" required maxLength={200} autoComplete="name" />
      </label>
      <label>
        {t.emailOptional}
        <input name="email" type="email" maxLength={254} autoComplete="email" />
      </label>
      <label>
        {t.question}
        <textarea name="subject" rows={3} maxLength={500} />
      </label>
      <ErrorLine text={error} className="sb-error" />
      <button type="submit" class="sb-primary" disabled={busy}>
        {busy ? t.starting : t.start}
      </button>
    </form>
  )
}

export function LeaveMessageForm(props: {
  t: Strings
  onSend: (f: { name: string; email: string; text: string }) => Promise<void>
}) {
  const { t } = props
  const { busy, error, run } = useSubmit()
  return (
    <form
      class="sb-form"
      onSubmit={(e) => {
        e.preventDefault()
        const f = e.currentTarget
        void run(
          () => props.onSend({ name: value(f, 'name'), email: value(f, 'email'), text: value(f, 'text') }),
          t.error,
        )
      }}
    >
      <p class="sb-note">{t.closedNote}</p>
      <label>
        {t.name}
        <input name="name" required maxLength={200} autoComplete="name" />
      </label>
      <label>
        {t.email}
        <input name="email" type="email" required maxLength={254} autoComplete="email" />
      </label>
      <label>
        {t.yourMessage}
        <textarea name="text" rows={4} required maxLength={4000} />
      </label>
      <ErrorLine text={error} className="sb-error" />
      <button type="submit" class="sb-primary" disabled={busy}>
        {t.sendMessage}
      </button>
    </form>
  )
}

export function SurveyForm(props: {
  t: Strings
  onSubmit: (rating: number, comment: string) => Promise<void>
}) {
  const { t } = props
  const [rating, setRating] = useState(0)
  const { busy, error, run } = useSubmit()
  return (
    <form
      class="sb-form"
      onSubmit={(e) => {
        e.preventDefault()
        const comment = value(e.currentTarget, 'comment')
        if (rating > 0) void run(() => props.onSubmit(rating, comment), t.error)
      }}
    >
      <fieldset class="sb-rating">
        <legend>{t.rate}</legend>
        {[1, 2, 3, 4, 5].map((n) => (
          <label key={n} class={n <= rating ? 'on' : ''}>
            <input
              type="radio"
              name="rating"
              value={n}
              checked={rating === n}
              onChange={() => setRating(n)}
            />
            <span aria-hidden="true">★</span>
            <span class="sb-sr">{t.stars(n)}</span>
          </label>
        ))}
      </fieldset>
      <label>
        {t.comment}
        <textarea name="comment" rows={2} maxLength={1000} />
      </label>
      <ErrorLine text={error} className="sb-error" />
      <button type="submit" class="sb-primary" disabled={busy || rating === 0}>
        {t.submit}
      </button>
    </form>
  )
}
