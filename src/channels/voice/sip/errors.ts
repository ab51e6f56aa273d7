/**
 * A message or header we cannot read. A request that fails gets `status` back when enough of it
 * was read to answer (400, or 505 for another SIP version); a response is dropped. Never thrown
 * past the transport.
 */
export class SipParseError extends Error {
  override readonly name = 'SipParseError'
  constructor(
    message: string,
    readonly status: 400 | 505 = 400,
  ) {
    super(message)
  }
}
