import type { SipMessage } from '../../src/channels/voice/sip/message.js'
import { parseMessage } from '../../src/channels/voice/sip/parse.js'
import { serialize } from '../../src/channels/voice/sip/serialize.js'
import type { Wire } from '../../src/channels/voice/sip/transactions.js'
import type { SipEndpoint } from '../../src/channels/voice/sip/transport.js'

export const PEER: SipEndpoint = { transport: 'UDP', host: '127.0.0.1', port: 5070 }

/**
 * A wire that records what was sent (when, and to where) and lets the test deliver messages. Both
 * ways go through the serializer and the parser, as on a real socket.
 */
export function fakeWire() {
  let deliver: (msg: SipMessage, from: SipEndpoint) => void = () => undefined
  const sent: { at: number; msg: SipMessage; to: SipEndpoint }[] = []
  const wire: Wire = {
    host: '127.0.0.1',
    port: 5060,
    send: (msg, to) => sent.push({ at: Date.now(), msg: parseMessage(serialize(msg)), to }) > 0,
    onMessage: (h) => (deliver = h),
  }
  return { wire, sent, deliver: (m: SipMessage, from = PEER) => deliver(parseMessage(serialize(m)), from) }
}
