import { SipParseError } from './errors.js'
import type { SipMessage } from './message.js'
import { headerEnd, MAX_MESSAGE_BYTES, parseMessage } from './parse.js'

export type Frame =
  | { readonly kind: 'message'; readonly message: SipMessage }
  | { readonly kind: 'broken'; readonly raw: Buffer; readonly error: SipParseError }

export function readFrame(raw: Buffer): Frame {
  try {
    return { kind: 'message', message: parseMessage(raw) }
  } catch (e) {
    if (e instanceof SipParseError) return { kind: 'broken', raw, error: e }
    throw e
  }
}

/**
 * Cuts a TCP byte stream into messages by Content-Length, which a stream transport must carry
 * (§18.3). Keep-alive CRLFs between messages (RFC 5626) are skipped. A framing error means the
 * stream can no longer be trusted: the caller closes the connection.
 */
export class StreamFramer {
  private buffer: Buffer = Buffer.alloc(0)

  /**
   * Messages completed by `chunk` (one that is framed but unreadable comes back as `broken`, to
   * be answered 400); throws SipParseError when the framing itself is broken.
   */
  push(chunk: Buffer): { frames: Frame[]; keepAlives: number } {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    const frames: Frame[] = []
    let keepAlives = 0
    for (;;) {
      let start = 0
      while (this.buffer[start] === 0x0d || this.buffer[start] === 0x0a) start++
      // A "\r\n\r\n" ping asks for a "\r\n" pong.
      if (start >= 4) keepAlives++
      this.buffer = this.buffer.subarray(start)
      const bounds = headerEnd(this.buffer)
      if (!bounds) {
        if (this.buffer.length > MAX_MESSAGE_BYTES) throw new SipParseError('headers too large')
        break
      }
      const declared = /\r?\n(?:content-length|l)[ \t]*:[ \t]*(\d{1,9})[ \t]*\r?\n/i.exec(
        this.buffer.toString('latin1', 0, bounds.bodyStart),
      )
      if (!declared) throw new SipParseError('no Content-Length on a stream transport')
      const total = bounds.bodyStart + Number(declared[1])
      if (total > MAX_MESSAGE_BYTES) throw new SipParseError('message too large')
      if (this.buffer.length < total) break
      const frame = this.buffer.subarray(0, total)
      this.buffer = this.buffer.subarray(total)
      frames.push(readFrame(frame))
    }
    return { frames, keepAlives }
  }
}
