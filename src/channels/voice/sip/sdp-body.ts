import type { SipMessage } from './message.js'

/**
 * The SDP a message carries: its body, or the `application/sdp` part of a multipart body (RFC
 * 5621: a carrier may send the offer beside an ISUP part or a signature). Empty when none.
 */
export function sdpOf(msg: SipMessage): string {
  const type = msg.headers.get('content-type') ?? ''
  const body = msg.body.toString('utf8')
  if (/^\s*application\/sdp\b/i.test(type) || (type === '' && body.startsWith('v=0'))) return body
  const boundary = /^\s*multipart\/[\w.+-]+\s*;(?:.*;)?\s*boundary\s*=\s*"?([^";]+)"?/i.exec(type)?.[1]
  if (!boundary) return ''
  for (const part of body.split(`--${boundary}`).slice(1)) {
    if (part.startsWith('--')) break
    const split = /\r?\n\r?\n/.exec(part)
    if (!split) continue
    const head = part.slice(0, split.index)
    if (/^content-type:\s*application\/sdp\b/im.test(head))
      return part.slice(split.index + split[0].length).replace(/\r?\n$/, '')
  }
  return ''
}
