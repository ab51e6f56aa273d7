import { useEffect, useState } from 'preact/hooks'
import { ApiError } from '../shared/http.js'
import type { Desk } from './desk.js'
import type { SoftphoneLogin } from './softphone.js'
import { Softphone } from './softphone.js'

/**
 * The agent's softphone, started once the desk is: when the agent has an extension and the
 * server has voice, it registers at once (no SIP password to type). Null when there is none.
 * Re-renders the caller on every change of the phone.
 */
export function usePhone(desk: Desk | null): Softphone | null {
  const [phone, setPhone] = useState<Softphone | null>(null)
  const [, setVersion] = useState(0)
  useEffect(() => {
    if (!desk || !desk.channels.voice) return
    const speaker = document.createElement('audio')
    speaker.autoplay = true
    document.body.append(speaker)
    const p = new Softphone(speaker, () => setVersion((v) => v + 1))
    let stopped = false
    desk.api<SoftphoneLogin>('/api/v1/softphone', { token: desk.token }).then(
      (login) => {
        if (stopped) return
        p.start(login)
        setPhone(p)
      },
      (e: unknown) => {
        // No extension, or no voice on this server: calls ring a desk phone, if any.
        if (!(e instanceof ApiError && e.status === 404 && e.code === 'CHANNEL_NOT_CONFIGURED'))
          console.warn('softphone unavailable', e)
      },
    )
    return () => {
      stopped = true
      p.stop()
      speaker.remove()
      setPhone(null)
    }
  }, [desk, desk?.channels.voice !== undefined])
  return phone
}
