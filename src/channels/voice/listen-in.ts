import type { AudioMixer, ListenBridge, MediaServer } from '../../app/voice-ports.js'
import type { Phone } from './call-host.js'
import type { Dialog } from './sip/dialog.js'
import { newTag } from './sip/transactions.js'
import type { OutgoingInvite, SipUserAgent } from './sip/user-agent.js'

export interface ListenInDeps {
  readonly ua: SipUserAgent
  readonly media: MediaServer
  readonly mixer: AudioMixer
  readonly log: (msg: string, err?: unknown) => void
}

/**
 * A phone listening in on a call (004's extenSpy, Asterisk's ChanSpy in its quiet mode): the
 * media server copies both parties' audio to our mixer, which sends their mix to the phone.
 * The phone is rung like any call; it hears, and nobody hears it.
 */
export class ListenIn {
  private bridge: ListenBridge | undefined
  private invite: OutgoingInvite | undefined
  private dialog: Dialog | undefined
  private readonly tag = newTag()
  private over = false

  constructor(
    private readonly deps: ListenInDeps,
    readonly contactId: string,
    readonly extension: string,
    private readonly onEnd: () => void,
  ) {}

  /** Subscribes to the parties `tags` and rings the listener's phone. */
  async start(tags: readonly string[], phone: Phone, from: string): Promise<void> {
    const { media, ua } = this.deps
    this.bridge = await this.deps.mixer.listen()
    try {
      const offer = await media.subscribe(this.contactId, tags, this.tag)
      await media.subscribeAnswer(this.contactId, this.tag, await this.bridge.answerSubscription(offer))
    } catch (e) {
      throw new Error(`the media server gave no copy of the call's audio: ${(e as Error).message}`, {
        cause: e,
      })
    }
    this.invite = ua.invite(
      {
        uri: phone.uri,
        to: phone.to,
        from,
        toHeader: phone.toHeader,
        sdp: this.bridge.phoneOffer(),
        callId: `${this.contactId}-listen-${this.tag}`,
      },
      {
        onAnswered: (dialog, res) => {
          this.dialog = dialog
          if (this.over) return void this.hangUp()
          ua.attach(dialog, (req, tx) => {
            if (req.method !== 'BYE') return void tx?.reply(200, 'OK')
            tx?.reply(200, 'OK')
            ua.forget(dialog)
            this.dialog = undefined
            void this.stop()
          })
          try {
            this.bridge?.phoneAnswered(res.body.toString())
          } catch (e) {
            this.deps.log(`listening in on ${this.contactId}`, e)
            void this.stop()
          }
        },
        onFailed: () => void this.stop(),
      },
    )
  }

  /** Ends it: the phone is hung up (or stops ringing), the copy of the call's audio stops. */
  async stop(): Promise<void> {
    if (this.over) return
    this.over = true
    this.invite?.cancel()
    await this.hangUp()
    this.bridge?.close()
    await this.deps.media.unsubscribe(this.contactId, this.tag).catch(() => undefined)
    this.onEnd()
  }

  private async hangUp(): Promise<void> {
    const d = this.dialog
    if (!d) return
    this.dialog = undefined
    this.deps.ua.forget(d)
    await this.deps.ua.send(d, 'BYE').catch(() => undefined)
  }
}
