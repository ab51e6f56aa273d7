import { useState } from 'preact/hooks'
import { ErrorLine } from '../shared/parts.js'
import type { Request } from '../shared/http.js'

interface LoginResult {
  token: string
  user: { id: string; role: string; agentId?: string }
}

export function Login(props: {
  api: Request
  notice: string | null
  onLogin: (s: { token: string; agentId: string; username: string }) => void
}) {
  const [error, setError] = useState<string | null>(props.notice)
  const [busy, setBusy] = useState(false)
  const submit = async (f: HTMLFormElement): Promise<void> => {
    const username = (f.elements.namedItem('username') as HTMLInputElement).value.trim()
    const password = (f.elements.namedItem('password') as HTMLInputElement).value
    setBusy(true)
    setError(null)
    try {
      const r = await props.api<LoginResult>('/api/v1/login', { body: { username, password } })
      if (!r.user.agentId) setError('This user is not an agent: the desktop is for agents.')
      else props.onLogin({ token: r.token, agentId: r.user.agentId, username })
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form
      class="login"
      onSubmit={(e) => {
        e.preventDefault()
        void submit(e.currentTarget)
      }}
    >
      <h1>Switchboard agent desktop</h1>
      <label>
        Username
        <input name="username" required autoComplete="username" />
      </label>
      <label>
        Password
        <input name="password" type="password" required autoComplete="current-password" />
      </label>
      <ErrorLine text={error} />
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  )
}
