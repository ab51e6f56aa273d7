/**
 * The fields of a 004 request, from a form body, a JSON object or the query string.
 *
 * 004's samples send form bodies without `&` between fields ("queue=630member=808state=on"), and
 * clients were written from them. Knowing the names a call takes, each value runs to the next
 * `name=` (or `&`): harmless, since these values are numbers and on/off words that never hold a
 * field name followed by "=".
 */
export function fieldsOf(body: unknown, query: unknown, names: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {}
  const take = (name: string, value: unknown) => {
    if (!names.includes(name) || name in fields) return
    if (typeof value === 'string' || typeof value === 'number') fields[name] = String(value).trim()
  }
  const fromObject = (o: unknown) => {
    if (o && typeof o === 'object' && !Array.isArray(o))
      for (const [k, v] of Object.entries(o as Record<string, unknown>)) take(k, v)
  }
  if (typeof body === 'string') {
    const text = body.trim()
    if (text.startsWith('{')) fromObject(parseJson(text))
    else for (const [k, v] of formPairs(text, names)) take(k, v)
  } else fromObject(body)
  fromObject(query)
  return fields
}

function formPairs(text: string, names: readonly string[]): [string, string][] {
  const pattern = new RegExp(`(${names.map(escapeRegExp).join('|')})=`, 'g')
  const found = [...text.matchAll(pattern)]
  return found.map((m, i) => {
    const start = (m.index ?? 0) + m[0].length
    const end = found[i + 1]?.index ?? text.length
    return [m[1] ?? '', decode(text.slice(start, end).split('&')[0] ?? '')]
  })
}

function decode(v: string): string {
  try {
    return decodeURIComponent(v.replace(/\+/g, ' '))
  } catch {
    return v
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
