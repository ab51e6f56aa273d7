import { useEffect, useRef, useState } from 'preact/hooks'
import { backoff } from '../shared/http.js'
import type { Floor } from './model.js'

/** Ten minutes of once-a-second samples per queue: the live "waiting now" chart. */
const HISTORY = 600

export interface LiveFloor {
  floor: Floor | null
  connected: boolean
  /** Seconds since epoch, and waiting per queue id, oldest first. */
  history: { t: number[]; waiting: Record<string, number[]> }
}

/**
 * The floor as the server pushes it every second; reconnects by itself (with backoff) when the
 * socket drops, and keeps a short history for the live chart.
 */
export function useLiveFloor(token: string, onExpired: () => void): LiveFloor {
  const [floor, setFloor] = useState<Floor | null>(null)
  const [connected, setConnected] = useState(false)
  const history = useRef<LiveFloor['history']>({ t: [], waiting: {} })
  useEffect(() => {
    let ws: WebSocket | null = null
    let attempt = 0
    let stopped = false
    let retry: ReturnType<typeof setTimeout> | undefined
    const open = (): void => {
      const base = location.origin.replace(/^http/, 'ws')
      ws = new WebSocket(`${base}/api/v1/supervisor/floor/live?token=${encodeURIComponent(token)}`)
      ws.onopen = () => {
        attempt = 0
        setConnected(true)
      }
      ws.onmessage = (m) => {
        const msg = JSON.parse(String(m.data)) as { type: string; floor?: Floor }
        if (msg.type !== 'floor' || !msg.floor) return
        const h = history.current
        h.t.push(Date.parse(msg.floor.at) / 1000)
        for (const q of msg.floor.queues)
          (h.waiting[q.id] ??= Array<number>(h.t.length - 1).fill(0)).push(q.waiting)
        if (h.t.length > HISTORY) {
          h.t.shift()
          for (const k of Object.keys(h.waiting)) h.waiting[k]?.shift()
        }
        setFloor(msg.floor)
      }
      ws.onclose = () => {
        setConnected(false)
        if (stopped) return
        // Refused at the upgrade, a socket only says "closed": ask over HTTP whether the token
        // expired (sign in again) or the network dropped (try again, backing off).
        void fetch('/api/v1/supervisor/floor', { headers: { authorization: `Bearer ${token}` } }).then(
          (res) => (res.status === 401 ? onExpired() : (retry = setTimeout(open, backoff(attempt++)))),
          () => (retry = setTimeout(open, backoff(attempt++))),
        )
      }
    }
    open()
    return () => {
      stopped = true
      clearTimeout(retry)
      ws?.close()
    }
  }, [token])
  return { floor, connected, history: history.current }
}
