/** Signs in over HTTP, as a page or a client does: the session's bearer token. */
export async function loginAt(baseUrl: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  if (!res.ok) throw new Error(`login ${username}: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { token: string }).token
}
