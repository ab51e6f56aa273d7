import type {
  DirectCallRecord,
  DirectDial,
  DirectLeg,
  MediaServer,
  RingOutcome,
} from '../../app/voice-ports.js'
import type { Phone } from './call-host.js'
import type { Prompts } from './prompts.js'
import { placeholderOffer } from './sdp.js'
import type { Dialog } from './sip/dialog.js'
import type { SipRequest } from './sip/message.js'
import type { ServerTransaction } from './sip/transactions.js'
import { newTag } from './sip/transactions.js'
import type { OutgoingInvite, SipUserAgent } from './sip/user-agent.js'

export interface PlacedCallHost {
  readonly ua: SipUserAgent
  readonly media: MediaServer
  readonly prompts: Prompts
  readonly record: boolean
  now(): number
  dialing(dial: DirectDial): void
  dialEnded(dial: DirectDial): void
  /** What the call's phones do changed. */
  changed(): void
  finished(file: string | null, record: DirectCallRecord): Promise<void>
  log(msg: string, err?: unknown): void
}

/** Where a side of the call is rung, and how it is named to the other. */
export interface PlacedLeg extends DirectLeg {
  readonly phone: Phone
  /** The From our INVITE to it carries. */
  readonly calledBy: string
}

interface Side {
  readonly leg: PlacedLeg
  readonly tag: string
  invite: OutgoingInvite | undefined
  dialog: Dialog | undefined
}

/**
 * A call the API places (004's click-to-dial, Asterisk's Originate): the first phone rings; once
 * it answers it hears ringback while the second side rings; when that answers the two are
 * bridged in the media server. The first side's offer comes from the media server against a
 * stand-in far side, replaced by the real one when it answers. Every step runs in order.
 */
export class PlacedCall {
  private readonly a: Side
  private readonly b: Side
  private steps: Promise<void> = Promise.resolve()
  private over = false
  private dial: { -readonly [K in keyof DirectDial]: DirectDial[K] } | undefined
  private answeredAt: number | null = null
  private endedBy: DirectCallRecord['endedBy'] = 'system'
  readonly startedAt: number

  constructor(
    readonly tenantId: string,
    readonly callId: string,
    from: PlacedLeg,
    to: PlacedLeg,
    private readonly host: PlacedCallHost,
  ) {
    this.a = { leg: from, tag: newTag(), invite: undefined, dialog: undefined }
    this.b = { leg: to, tag: newTag(), invite: undefined, dialog: undefined }
    this.startedAt = host.now()
  }

  get from(): PlacedLeg {
    return this.a.leg
  }

  get to(): PlacedLeg {
    return this.b.leg
  }

  /** Which sides ring, and which talk. */
  state(): { readonly from: 'ringing' | 'up' | 'idle'; readonly to: 'ringing' | 'up' | 'idle' } {
    const of = (s: Side) => (s.dialog ? 'up' : s.invite && !s.invite.settled ? 'ringing' : 'idle')
    return { from: of(this.a), to: of(this.b) }
  }

  /** Rings the first side. */
  async start(): Promise<void> {
    const sdp = await this.host.media.offer({
      callId: this.callId,
      fromTag: this.b.tag,
      sdp: placeholderOffer(),
      record: this.host.record,
      toward: this.a.leg.phone.media,
    })
    this.ring(this.a, sdp, (dialog, answer) => this.firstAnswered(dialog, answer))
    this.host.changed()
  }

  /** Hangs up both sides (004's hangup of either extension); resolves once it is over. */
  hangUp(): Promise<void> {
    this.run(() => this.end('system'))
    return this.steps
  }

  private ring(side: Side, sdp: string, answered: (dialog: Dialog, sdp: string) => Promise<void>): void {
    const { phone, calledBy } = side.leg
    side.invite = this.host.ua.invite(
      {
        uri: phone.uri,
        to: phone.to,
        from: calledBy,
        toHeader: phone.toHeader,
        route: phone.route,
        sdp,
        callId: `${this.callId}-${side === this.a ? 'a' : 'b'}`,
      },
      {
        onAnswered: (dialog, res) => this.run(() => answered(dialog, res.body.toString())),
        onFailed: (status) => this.run(() => this.failed(side, status)),
      },
    )
  }

  private async firstAnswered(dialog: Dialog, sdp: string): Promise<void> {
    if (!this.keep(this.a, dialog)) return
    await this.host.media.answer({ callId: this.callId, fromTag: this.b.tag, toTag: this.a.tag, sdp })
    await this.host.media
      .play(this.callId, this.a.tag, await this.host.prompts.ringback(), 100)
      .catch((e: unknown) => this.host.log(`placed call ${this.callId}: ringback`, e))
    // The media server now offers the second side what the first answered with.
    const offer = await this.host.media.offer({
      callId: this.callId,
      fromTag: this.a.tag,
      toTag: this.b.tag,
      sdp,
      toward: this.b.leg.phone.media,
    })
    this.dial = {
      callId: this.callId,
      legId: newTag(),
      from: this.a.leg,
      to: this.b.leg,
      startedAt: this.host.now(),
      endedAt: null,
      outcome: null,
    }
    this.host.dialing({ ...this.dial })
    this.ring(this.b, offer, (d, answer) => this.secondAnswered(d, answer))
    this.host.changed()
  }

  private async secondAnswered(dialog: Dialog, sdp: string): Promise<void> {
    if (!this.keep(this.b, dialog)) return
    this.answeredAt = this.host.now()
    this.dialDone('ANSWER')
    await this.host.media.stopPlaying(this.callId, this.a.tag).catch(() => undefined)
    await this.host.media.answer({ callId: this.callId, fromTag: this.a.tag, toTag: this.b.tag, sdp })
    this.host.changed()
  }

  /** An answered side: kept, with its BYE ending the call; or hung up at once if the call is over. */
  private keep(side: Side, dialog: Dialog): boolean {
    if (this.over) {
      void this.host.ua.send(dialog, 'BYE').catch(() => undefined)
      this.host.ua.forget(dialog)
      return false
    }
    side.dialog = dialog
    this.host.ua.attach(dialog, (req, tx) => this.inDialog(side, req, tx))
    return true
  }

  private inDialog(side: Side, req: SipRequest, tx: ServerTransaction | undefined): void {
    if (!tx) return
    if (req.method === 'BYE') {
      tx.reply(200, 'OK')
      this.host.ua.forget(side.dialog as Dialog)
      side.dialog = undefined
      return this.run(() => this.end(side === this.a ? 'from' : 'to'))
    }
    // Hold and resume, INFO and the like: taken as they come; the media server relays the audio.
    tx.reply(200, 'OK')
  }

  private async failed(side: Side, status: number): Promise<void> {
    if (side === this.b) this.dialDone(outcomeOf(status))
    await this.end(side === this.a ? 'from' : 'to')
  }

  private dialDone(outcome: RingOutcome): void {
    if (!this.dial || this.dial.outcome !== null) return
    this.dial.endedAt = this.host.now()
    this.dial.outcome = outcome
    this.host.dialEnded({ ...this.dial })
  }

  private async end(by: DirectCallRecord['endedBy']): Promise<void> {
    if (this.over) return
    this.over = true
    this.endedBy = by
    this.dialDone('CANCEL')
    for (const side of [this.a, this.b]) {
      side.invite?.cancel()
      const d = side.dialog
      side.dialog = undefined
      if (d) {
        this.host.ua.forget(d)
        await this.host.ua.send(d, 'BYE').catch(() => undefined)
      }
    }
    await this.host.media
      .end(this.callId)
      .catch((e: unknown) => this.host.log(`placed call ${this.callId}`, e))
    const file =
      this.host.record && this.answeredAt !== null
        ? await this.host.media.recording(this.callId).catch(() => null)
        : null
    await this.host.finished(file, {
      tenantId: this.tenantId,
      callId: this.callId,
      from: strip(this.a.leg),
      to: strip(this.b.leg),
      startedAt: this.startedAt,
      answeredAt: this.answeredAt,
      endedAt: this.host.now(),
      endedBy: this.endedBy,
      outcome: this.dial?.outcome ?? null,
      recording: file ? `${this.callId}.wav` : null,
    })
    this.host.changed()
  }

  private run(step: () => Promise<void>): void {
    this.steps = this.steps.then(step).catch((e: unknown) => this.host.log(`placed call ${this.callId}`, e))
  }
}

function outcomeOf(status: number): RingOutcome {
  if (status === 486 || status === 600 || status === 603) return 'BUSY'
  if (status === 408 || status === 480 || status === 487) return 'NOANSWER'
  return 'CHANUNAVAIL'
}

const strip = (l: PlacedLeg): DirectLeg => ({ number: l.number, agentId: l.agentId, external: l.external })
