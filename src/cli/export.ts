import { writeFileSync } from 'node:fs'

export interface RemoteOptions {
  readonly url: string
  readonly tenant: string
  readonly username: string
  readonly password: string
}

export interface ExportOptions extends RemoteOptions {
  readonly report: string
  readonly from: string
  readonly to?: string
  readonly timeZone?: string
  readonly format: 'json' | 'csv'
  /** A file to write; stdout when absent. */
  readonly out?: string
}

/** Signs in as a supervisor or admin of the tenant; says what went wrong in the server's words. */
async function signIn(o: RemoteOptions): Promise<string> {
  const res = await fetch(`${o.url}/api/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: o.username, password: o.password, tenant: o.tenant }),
  })
  const body = (await res.json().catch(() => ({}))) as { token?: string; error?: { message?: string } }
  if (!res.ok || !body.token)
    throw new Error(`sign-in as ${o.username} failed: ${body.error?.message ?? res.statusText}`)
  return body.token
}

async function failure(res: Response): Promise<Error> {
  const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } }
  return new Error(`${res.status} ${body.error?.message ?? res.statusText}`)
}

/** Fetches one report over the API and writes it out; resolves with the number of rows. */
export async function runExport(o: ExportOptions): Promise<number> {
  const token = await signIn(o)
  const q = new URLSearchParams({ from: o.from, format: o.format })
  if (o.to) q.set('to', o.to)
  if (o.timeZone) q.set('timeZone', o.timeZone)
  const res = await fetch(`${o.url}/api/v1/reports/${encodeURIComponent(o.report)}?${q.toString()}`, {
    headers: { authorization: `Bearer ${token}` },
  })
  if (!res.ok) throw await failure(res)
  const text = await res.text()
  if (o.out) writeFileSync(o.out, text)
  else process.stdout.write(text)
  return o.format === 'csv'
    ? Math.max(0, text.trimEnd().split('\r\n').length - 1)
    : (JSON.parse(text) as { rows: unknown[] }).rows.length
}

/** Asks the server to fold the whole event log again; resolves with the number of events. */
export async function runRebuild(o: RemoteOptions): Promise<number> {
  const token = await signIn(o)
  const res = await fetch(`${o.url}/api/v1/reports/rebuild`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  })
  if (!res.ok) throw await failure(res)
  return ((await res.json()) as { events: number }).events
}
