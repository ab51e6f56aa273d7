import type { HttpSender } from '../../app/ports.js'

/** Outbound HTTP with a deadline: a receiver that hangs is a failed attempt, retried later. */
export function fetchSender(timeoutMs = 10_000): HttpSender {
  return {
    async post(url, body, headers) {
      const res = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs) })
      return { status: res.status, body: await res.text() }
    },
  }
}
