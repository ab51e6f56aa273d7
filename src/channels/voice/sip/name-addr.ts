import { SipParseError } from './errors.js'
import type { Params } from './params.js'
import { formatParams, parseParams, quote, unquote } from './params.js'
import type { SipUri } from './uri.js'
import { formatUri, parseAnyUri } from './uri.js'

/** A From, To, Contact, Route or Refer-To value: display name, URI and the header's own parameters. */
export interface NameAddr {
  readonly display: string | null
  readonly uri: SipUri
  readonly params: Params
}

export function parseNameAddr(text: string): NameAddr {
  const s = text.trim()
  const lt = findAngle(s)
  if (lt >= 0) {
    const gt = s.indexOf('>', lt)
    if (gt < 0) throw new SipParseError(`unclosed '<' in: ${s.slice(0, 80)}`)
    const before = s.slice(0, lt).trim()
    // An unquoted display name is tokens and spaces (RFC 4475 §3.1.2.15: `Bell, Alexander` is
    // refused). Non-ASCII letters are let through: phones send unquoted names in their language.
    if (before !== '' && !before.startsWith('"') && /[,;"<>\\@?=[\]{}()]/.test(before))
      throw new SipParseError(`a display name with separators must be quoted: ${before.slice(0, 80)}`)
    const display = before === '' ? null : unquote(before)
    const inner = s.slice(lt + 1, gt)
    if (inner !== inner.trim())
      throw new SipParseError(`spaces inside <> around: ${inner.trim().slice(0, 80)}`)
    const after = s.slice(gt + 1).trim()
    return { display, uri: parseAnyUri(inner), params: after === '' ? {} : parseParams(after) }
  }
  // addr-spec without brackets: whatever follows the first ';' belongs to the header, not the URI
  // (§20.10), and a URI with headers or a comma must be in <> (RFC 4475 §3.1.2.13).
  if (/[?,]/.test(s.split(';')[0] ?? ''))
    throw new SipParseError(`a URI with ? or , must be in <>: ${s.slice(0, 80)}`)
  const semi = s.indexOf(';')
  return {
    display: null,
    uri: parseAnyUri(semi >= 0 ? s.slice(0, semi) : s),
    params: semi >= 0 ? parseParams(s.slice(semi)) : {},
  }
}

export function formatNameAddr(a: NameAddr): string {
  const display = a.display === null ? '' : `${quote(a.display)} `
  return `${display}<${formatUri(a.uri)}>${formatParams(a.params)}`
}

/** The `<` that opens the URI, skipping a quoted display name that may contain one. */
function findAngle(s: string): number {
  let quoted = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (quoted) {
      if (c === '\\') i++
      else if (c === '"') quoted = false
    } else if (c === '"') quoted = true
    else if (c === '<') return i
  }
  if (quoted) throw new SipParseError(`unterminated quoted display name in: ${s.slice(0, 80)}`)
  return -1
}
