import { useEffect, useState } from 'preact/hooks'

/** A file sent in a chat, as the API describes it. */
export interface Attachment {
  id: string
  name: string
  contentType: string
  size: number
}

/**
 * The file's bytes as a blob URL: downloads need the token, which a plain link cannot send.
 * The URL is revoked when the component goes away.
 */
export function useFileUrl(a: Attachment, fetchUrl: (a: Attachment) => Promise<string>): string | null {
  const [url, setUrl] = useState<string | null>(null)
  useEffect(() => {
    let made: string | undefined
    fetchUrl(a).then(
      (u) => setUrl((made = u)),
      () => undefined,
    )
    return () => {
      if (made) URL.revokeObjectURL(made)
    }
  }, [a.id])
  return url
}

export function FileView(props: {
  a: Attachment
  fetchUrl: (a: Attachment) => Promise<string>
  imageClass: string
  linkClass?: string
}) {
  const { a } = props
  const url = useFileUrl(a, props.fetchUrl)
  if (a.contentType.startsWith('image/') && url)
    return <img class={props.imageClass} src={url} alt={a.name} />
  return (
    <a class={props.linkClass} href={url ?? undefined} download={a.name}>
      {a.name} ({Math.ceil(a.size / 1024)} KB)
    </a>
  )
}

/** An error line that screen readers announce. */
export function ErrorLine({ text, className = 'error' }: { text: string | null; className?: string }) {
  return text ? (
    <p class={className} role="alert">
      {text}
    </p>
  ) : null
}

/** Username and password, as every page of ours asks for them. */
export function SignInForm(props: {
  title: string
  error: string | null
  busy?: boolean
  onSubmit: (username: string, password: string) => void
}) {
  return (
    <form
      class="login"
      onSubmit={(e) => {
        e.preventDefault()
        const f = e.currentTarget
        props.onSubmit(
          (f.elements.namedItem('username') as HTMLInputElement).value.trim(),
          (f.elements.namedItem('password') as HTMLInputElement).value,
        )
      }}
    >
      <h1>{props.title}</h1>
      <label>
        Username
        <input name="username" required autoComplete="username" />
      </label>
      <label>
        Password
        <input name="password" type="password" required autoComplete="current-password" />
      </label>
      <ErrorLine text={props.error} />
      <button type="submit" class="primary" disabled={props.busy}>
        {props.busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  )
}
