import { SipParseError } from './errors.js'

export type Params = Readonly<Record<string, string | null>>

/** `;name=value;flag;name="quoted; value"` after a URI, Via or name-addr; names lower-cased. */
export function parseParams(text: string): Record<string, string | null> {
  const params: Record<string, string | null> = {}
  let i = 0
  while (i < text.length) {
    if (text[i] !== ';') throw new SipParseError(`expected ';' in parameters: ${text}`)
    i++
    let end = i
    while (end < text.length && text[end] !== '=' && text[end] !== ';') end++
    const name = text.slice(i, end).trim().toLowerCase()
    if (!/^[\w.!%*+`'~-]+$/.test(name)) throw new SipParseError(`bad parameter name in: ${text}`)
    i = end
    let value: string | null = null
    if (text[i] === '=') {
      i++
      while (text[i] === ' ' || text[i] === '\t') i++
      if (text[i] === '"') {
        let j = i + 1
        while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1
        if (j >= text.length) throw new SipParseError(`unterminated quoted parameter in: ${text}`)
        value = text.slice(i, j + 1)
        i = j + 1
      } else {
        let j = i
        while (j < text.length && text[j] !== ';') j++
        value = text.slice(i, j).trim()
        i = j
      }
      while (text[i] === ' ' || text[i] === '\t') i++
    }
    params[name] = value
  }
  return params
}

export function formatParams(params: Params): string {
  return Object.entries(params)
    .map(([k, v]) => (v === null ? `;${k}` : `;${k}=${v}`))
    .join('')
}

/** A quoted-string's content, or the token itself. */
export function unquote(value: string): string {
  return value.startsWith('"') && value.endsWith('"') && value.length >= 2
    ? value.slice(1, -1).replace(/\\(.)/g, '$1')
    : value
}

export function quote(value: string): string {
  return `"${value.replace(/(["\\])/g, '\\$1')}"`
}
