/** The server's error body: `{ error: { code, message, details } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export interface RequestOptions {
  readonly method?: string
  readonly token?: string | null
  readonly body?: unknown
  readonly raw?: Blob
  readonly signal?: AbortSignal
}

/** JSON over fetch against the server the script came from. */
export function client(base: string) {
  return async function request<T>(path: string, o: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = {}
    if (o.token) headers.authorization = `Bearer ${o.token}`
    if (o.body !== undefined) headers['content-type'] = 'application/json'
    if (o.raw) headers['content-type'] = 'application/octet-stream'
    const res = await fetch(base + path, {
      method: o.method ?? (o.body !== undefined || o.raw ? 'POST' : 'GET'),
      headers,
      body: o.raw ?? (o.body !== undefined ? JSON.stringify(o.body) : undefined),
      signal: o.signal,
    })
    if (res.status === 204) return undefined as T
    const data = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } }
    if (!res.ok)
      throw new ApiError(
        res.status,
        data.error?.code ?? 'HTTP_' + res.status,
        data.error?.message ?? res.statusText,
      )
    return data as T
  }
}

export type Request = ReturnType<typeof client>

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** 1 s, 2 s, 4 s … capped at 15 s, with jitter so a fleet of clients does not reconnect at once. */
export function backoff(attempt: number): number {
  return Math.min(15_000, 1000 * 2 ** attempt) * (0.75 + Math.random() * 0.5)
}

export function uid(): string {
  return crypto.randomUUID
    ? crypto.randomUUID()
    : Math.random().toString(36).slice(2) + Date.now().toString(36)
}
