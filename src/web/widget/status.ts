import type { Request } from '../shared/http.js'

export interface EntryPointStatus {
  allowed: boolean
  reason: string | null
  estimatedWaitSeconds: number
}

export interface EntryPointInfo {
  id: string
  name: string
  active: boolean
  attachments: { enabled: boolean; maxSizeBytes: number }
  leaveMessage: boolean
  /** The chat's customer may call from the browser ("Call us"). */
  call?: { enabled: boolean }
}

const TTL_MS = 30_000

/**
 * Whether to show the chat button. One request per visitor every 30 s at most, shared by every
 * page of the visit (sessionStorage), and none while the tab is hidden: the server answers
 * from memory, but a busy site has many visitors.
 */
export function watchStatus(
  api: Request,
  entryPointId: string,
  onStatus: (s: EntryPointStatus) => void,
): () => void {
  const key = `switchboard.status.${entryPointId}`
  let timer: ReturnType<typeof setTimeout> | undefined
  const tick = async (): Promise<void> => {
    if (document.visibilityState === 'visible') {
      const cached = sessionStorage.getItem(key)
      const hit = cached ? (JSON.parse(cached) as { at: number; s: EntryPointStatus }) : undefined
      if (hit && Date.now() - hit.at < TTL_MS) onStatus(hit.s)
      else {
        try {
          const s = await api<EntryPointStatus>(
            `/api/v1/entry-points/${encodeURIComponent(entryPointId)}/status`,
          )
          sessionStorage.setItem(key, JSON.stringify({ at: Date.now(), s }))
          onStatus(s)
        } catch {
          onStatus({ allowed: false, reason: 'service_not_running', estimatedWaitSeconds: 0 })
        }
      }
    }
    timer = setTimeout(() => void tick(), TTL_MS)
  }
  const onVisible = (): void => {
    if (document.visibilityState !== 'visible') return
    clearTimeout(timer)
    void tick()
  }
  document.addEventListener('visibilitychange', onVisible)
  void tick()
  return () => {
    clearTimeout(timer)
    document.removeEventListener('visibilitychange', onVisible)
  }
}
