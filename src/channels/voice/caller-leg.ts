import type { MediaServer } from '../../app/voice-ports.js'
import {
  agreedOffer,
  directionOf,
  holdAnswer,
  mediaWarning,
  SdpVersions,
  unbridgeable,
  waitingAnswer,
  withDirection,
} from './sdp.js'
import type { SipRequest } from './sip/message.js'
import { sdpOf } from './sip/sdp-body.js'
import type { ServerTransaction } from './sip/transactions.js'
import type { SipUserAgent } from './sip/user-agent.js'

/**
 * The caller's side of a call's media session: the caller's offer, what the media server answers
 * it, and every description the caller is sent, versioned as RFC 3264 §8 asks. A new offer from
 * the caller (a re-INVITE, or an UPDATE, RFC 3311) goes through the media server, so a stream
 * that moved is followed; the other side is the agent's phone, or the queue.
 */
export class CallerLeg {
  private readonly versions = new SdpVersions()

  constructor(
    private readonly media: MediaServer,
    private readonly ids: { readonly callId: string; readonly callerTag: string; readonly ourTag: string },
    public offer: string,
    public answer = '',
  ) {}

  /** Opens the media session (the caller waits in the queue) and returns what to answer it. */
  async open(record: boolean): Promise<string> {
    const { callId, callerTag, ourTag } = this.ids
    await this.media.offer({ callId, fromTag: callerTag, sdp: this.offer, record })
    this.answer = await this.media.answer({
      callId,
      fromTag: callerTag,
      toTag: ourTag,
      sdp: waitingAnswer(this.offer),
    })
    return this.described()
  }

  /**
   * The caller's first real offer, after a stand-in (click-to-call): through the media server
   * against the agent's answer, or the queue's; returns what to answer the caller.
   */
  async joined(offer: string, agentAnswer: string | undefined): Promise<string> {
    await this.through(offer, agentAnswer)
    return this.described()
  }

  /** A new offer of the caller's, through the media server, answered by the agent's phone or the queue. */
  private async through(offer: string, agentAnswer: string | undefined): Promise<void> {
    const { callId, callerTag, ourTag } = this.ids
    await this.media.offer({ callId, fromTag: callerTag, toTag: ourTag, sdp: offer })
    this.answer = await this.media.answer({
      callId,
      fromTag: callerTag,
      toTag: ourTag,
      sdp: agentAnswer ?? waitingAnswer(offer),
    })
    this.offer = offer
  }

  /** The caller's offer cut to what it was answered: it stands for the caller's answer. */
  agreed(): string {
    return agreedOffer(this.offer, this.answer)
  }

  /** The description the caller is told now, with the direction a hold asks for. */
  described(direction: ReturnType<typeof directionOf> = 'sendrecv'): string {
    return this.versions.stamp(direction === 'sendrecv' ? this.answer : withDirection(this.answer, direction))
  }

  /**
   * An in-dialog INVITE or UPDATE from the caller. `agentAnswer`: the agent phone's description
   * when one talks. Resolves with the direction the caller asked for (a hold, or not).
   */
  async reoffered(
    ua: SipUserAgent,
    req: SipRequest,
    tx: ServerTransaction,
    agentAnswer: string | undefined,
    headers: Record<string, string> = {},
  ): Promise<ReturnType<typeof directionOf>> {
    const offer = sdpOf(req)
    // An UPDATE without a body refreshes the session; a re-INVITE without one asks for our offer.
    if (offer === '') {
      if (req.method === 'UPDATE') tx.reply(200, 'OK', { headers })
      else ua.acceptReinvite(tx, this.described(), headers)
      return 'sendrecv'
    }
    const refused = unbridgeable(offer)
    if (refused) {
      tx.reply(488, 'Not Acceptable Here', { headers: { warning: mediaWarning(refused) } })
      return directionOf(this.offer)
    }
    await this.through(offer, agentAnswer)
    const asked = directionOf(offer)
    ua.acceptReinvite(tx, this.described(holdAnswer(asked)), headers)
    return asked
  }
}
