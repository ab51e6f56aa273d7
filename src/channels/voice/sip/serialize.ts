import { spelledName } from './headers.js'
import type { SipMessage } from './message.js'

/** Writes a message; Content-Length always states the body it carries. */
export function serialize(msg: SipMessage): Buffer {
  const lines = [
    msg.kind === 'request' ? `${msg.method} ${msg.uri} SIP/2.0` : `SIP/2.0 ${msg.status} ${msg.reason}`,
  ]
  for (const [name, value] of msg.headers)
    if (name !== 'content-length') lines.push(`${spelledName(name)}: ${value}`)
  lines.push(`Content-Length: ${msg.body.length}`, '', '')
  const head = lines.join('\r\n')
  // Most messages have no body: one buffer, no copy.
  return msg.body.length === 0
    ? Buffer.from(head, 'utf8')
    : Buffer.concat([Buffer.from(head, 'utf8'), msg.body])
}
