import { useState } from 'preact/hooks'
import { SignInForm } from '../shared/parts.js'
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
  const submit = async (username: string, password: string): Promise<void> => {
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
    <SignInForm
      title="Switchboard agent desktop"
      error={error}
      busy={busy}
      onSubmit={(u, p) => void submit(u, p)}
    />
  )
}
