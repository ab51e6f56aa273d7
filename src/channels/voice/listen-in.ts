import type { AudioMixer, ListenBridge, ListenMode, MediaServer } from '../../app/voice-ports.js'
import type { Phone } from './call-host.js'
import type { Dialog } from './sip/dialog.js'
import { newTag } from './sip/transactions.js'
import type { OutgoingInvite, SipUserAgent } from './sip/user-agent.js'

/** The call listened to: its phones' streams, diverted to the listener's mixer and back. */
export interface CallParties {
  divert(barge: boolean): Promise<{ agent: string; caller: string }>
  restore(barge: boolean): Promise<void>
}

export interface ListenInDeps {
  readonly ua: SipUserAgent
  readonly media: MediaServer
  readonly mixer: AudioMixer
  readonly log: (msg: string, err?: unknown) => void
}

/**
 * A phone listening in on a call (004's extenSpy, Asterisk's ChanSpy): the media server copies
 * both parties' audio to our mixer, which sends their mix to the phone, rung like any call.
 * Listening, nobody hears it; whispering, the agent does; barging, both do.
 */
export class ListenIn {
  private bridge: ListenBridge | undefined
  private invite: OutgoingInvite | undefined
  private dialog: Dialog | undefined
  private readonly tag = newTag()
  private over = false
  private mode: ListenMode = 'listen'
  private call: CallParties | undefined
  private diverted = false

  constructor(
    private readonly deps: ListenInDeps,
    readonly contactId: string,
    readonly extension: string,
    private readonly onEnd: () => void,
  ) {}

  /** Subscribes to the parties `tags` and rings the listener's phone. */
  async start(
    tags: readonly string[],
    phone: Phone,
    from: string,
    mode: ListenMode,
    call: CallParties,
  ): Promise<void> {
    this.mode = mode
    this.call = call
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
        route: phone.route,
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
          void this.heard(res.body.toString())
        },
        onFailed: () => void this.stop(),
      },
    )
  }

  /** The listener's phone answered: it hears the call, and is heard as its mode says. */
  private async heard(answer: string): Promise<void> {
    try {
      const bridge = this.bridge
      if (!bridge) return
      bridge.phoneAnswered(answer)
      if (this.mode === 'listen' || !this.call) return
      const barge = this.mode === 'barge'
      const phones = await this.call.divert(barge)
      this.diverted = true
      await bridge.speakTo('agent', phones.agent)
      if (barge) await bridge.speakTo('caller', phones.caller)
    } catch (e) {
      this.deps.log(`listening in on ${this.contactId}`, e)
      void this.stop()
    }
  }

  /** Ends it: the phone is hung up (or stops ringing), the copy of the call's audio stops. */
  async stop(): Promise<void> {
    if (this.over) return
    this.over = true
    this.invite?.cancel()
    await this.hangUp()
    if (this.diverted) await this.call?.restore(this.mode === 'barge').catch(() => undefined)
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
