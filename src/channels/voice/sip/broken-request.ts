import type { SipParseError } from './errors.js'
import { SipHeaders } from './headers.js'
import { response } from './message.js'
import type { SipResponse } from './message.js'

/**
 * The 400 (or 505) for a request we could not read, when enough of it is there to route an
 * answer (§8.2: a UAS answers a malformed request when it can). Responses and requests without
 * a Via or Call-ID get nothing: there is nobody to answer.
 */
export function answerToBroken(raw: Buffer, error: SipParseError): SipResponse | undefined {
  const text = raw.toString('latin1', 0, Math.min(raw.length, 8192))
  const lines = text.split(/\r?\n/)
  const first = lines[0] ?? ''
  // Anything shaped like a request line, even one broken by its spacing, gets its 400.
  if (first.startsWith('SIP/') || !/^[^\s:]+\s+.*\sSIP\/\d/.test(first) || /^ACK\s/i.test(first))
    return undefined
  const headers = new SipHeaders()
  const wanted: Record<string, string> = {
    v: 'via',
    via: 'via',
    f: 'from',
    from: 'from',
    t: 'to',
    to: 'to',
    i: 'call-id',
    'call-id': 'call-id',
    cseq: 'cseq',
  }
  for (const line of lines.slice(1)) {
    if (line === '') break
    const colon = line.indexOf(':')
    const name = wanted[line.slice(0, colon).trim().toLowerCase()]
    if (colon > 0 && name) headers.append(name, line.slice(colon + 1).trim())
  }
  if (!headers.has('via') || !headers.has('call-id')) return undefined
  const reason =
    error.status === 505
      ? 'Version Not Supported'
      : `Bad Request (${error.message.slice(0, 80).replace(/[\r\n]/g, ' ')})`
  return response(error.status, reason, headers)
}
