import type { SipRequest } from './message.js'
import { ROUTABLE_SCHEMES } from './uri.js'

/** The methods of RFC 3261 and its extensions: one we know but do not take gets 405, others 501. */
const KNOWN_METHODS = new Set([
  'INVITE',
  'ACK',
  'CANCEL',
  'BYE',
  'OPTIONS',
  'REGISTER',
  'PRACK',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'INFO',
  'REFER',
  'MESSAGE',
  'UPDATE',
])

export interface Refusal {
  readonly status: number
  readonly reason: string
  readonly headers?: Record<string, string>
}

/**
 * What a UAS checks of any request before its method is looked at (§8.2.1 to §8.2.2.3, §16.3):
 * the method, the Request-URI's scheme, Max-Forwards and the extensions the request requires.
 * `allow`: the methods taken here (inside a dialog, or outside one); `supported`: option tags.
 */
export function refusalOf(
  req: SipRequest,
  allow: readonly string[],
  supported: ReadonlySet<string>,
): Refusal | undefined {
  if (req.method === 'ACK') return undefined
  const allowHeader = { allow: allow.join(', ') }
  if (!allow.includes(req.method))
    return KNOWN_METHODS.has(req.method)
      ? { status: 405, reason: 'Method Not Allowed', headers: allowHeader }
      : { status: 501, reason: 'Not Implemented', headers: allowHeader }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(req.uri)?.[1]?.toLowerCase() ?? ''
  if (!ROUTABLE_SCHEMES.has(scheme))
    return { status: 416, reason: `Unsupported URI Scheme (${scheme.slice(0, 20)})` }
  // A request that has run out of hops is not carried further (the B2BUA forwards every call).
  if (Number(req.headers.get('max-forwards') ?? '70') === 0) return { status: 483, reason: 'Too Many Hops' }
  // §8.2.2.3: a CANCEL is never refused for what it requires.
  if (req.method === 'CANCEL') return undefined
  const unsupported = req.headers
    .getAll('require')
    .flatMap((v) => v.split(','))
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '' && !supported.has(t))
  if (unsupported.length > 0)
    return { status: 420, reason: 'Bad Extension', headers: { unsupported: unsupported.join(', ') } }
  return undefined
}

/** Max-Forwards for the leg a request continues on: one less than it came with (§16.6 step 3). */
export function nextMaxForwards(req: SipRequest): string {
  const mf = Number(req.headers.get('max-forwards') ?? '70')
  return String(Number.isFinite(mf) && mf > 0 ? mf - 1 : 70)
}
