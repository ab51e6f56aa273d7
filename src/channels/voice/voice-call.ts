import type { Caller, LostCause, MenuRecord, RingOutcome } from '../../app/voice-ports.js'
import { CallerLeg } from './caller-leg.js'
import { LateCaller } from './late-caller.js'
import { CallJournal } from './call-journal.js'
import { CallerKeys, infoDigit } from './caller-keys.js'
import { askRating } from './voice-menu.js'
import type { CallHost, CallSettings } from './call-host.js'
import { QueueAudio } from './queue-audio.js'
import {
  directionOf,
  holdAnswer,
  mediaWarning,
  SdpVersions,
  unbridgeable,
  waitingAnswer,
  withDirection,
} from './sdp.js'
import { sdpOf } from './sip/sdp-body.js'
import type { Dialog } from './sip/dialog.js'
import type { SipRequest } from './sip/message.js'
import type { SessionTimerTerms } from './sip/session-timer.js'
import { CallLiveness } from './call-liveness.js'
import type { ServerTransaction } from './sip/transactions.js'
import type { OutgoingInvite } from './sip/user-agent.js'

interface AgentLeg {
  readonly agentId: string
  readonly offerId: string
  readonly invite: OutgoingInvite
  dialog: Dialog | undefined
  /** Our description towards the phone (our INVITE's, then each answer's): hold answers mirror it. */
  offered: string
  /** What the phone is sent, versioned (RFC 3264 §8). */
  readonly versions: SdpVersions
  readonly ringingSince: number
  answeredAt: number | null
  /** The phone's answer: where its audio goes (listening in diverts it, then restores it). */
  answer: string
}

/** A call as a PBX lists its channels: the caller's, and an agent's phone while it rings or talks. */
export interface CallLines {
  readonly contactId: string
  readonly caller: Caller
  readonly startedAt: number
  readonly agent: {
    readonly agentId: string
    readonly offerId: string
    readonly state: 'ringing' | 'up'
    readonly held: boolean
    readonly since: number
  } | null
}

/**
 * One inbound call, owned by the B2BUA from the caller's INVITE to the last BYE. Its audio is one
 * media session: the caller's leg on one side, and on ours the queue (music, announcements) or
 * the agent's phone. What the router decides (offers, timeouts, transfers, ends) reaches it as
 * `sync()`; what the phones do reaches the router through the host. Every step runs in order.
 */
export class VoiceCall {
  private caller: Dialog | undefined
  /** The caller's side of the media session (its offer, and what it is told). */
  private callerLeg: CallerLeg
  private agent: AgentLeg | undefined
  private readonly audio: QueueAudio
  /** The agent side's audio is blocked (its phone holds the call). */
  private silenced = false
  private steps: Promise<void> = Promise.resolve()
  private over = false
  /** The contact as last seen, and the last state it had before it ended. */
  /** What happened, for the call's record. */
  private readonly journal: CallJournal
  private keys: CallerKeys | undefined
  /** A click-to-call's caller, dialling in from a browser once told the call is up. */
  private readonly late: LateCaller

  readonly tenantId: string
  readonly contactId: string
  private readonly callerTag: string
  private readonly ourTag: string
  /** The From of our INVITEs to agents: who is calling, as the caller's own From said. */
  private readonly callerIdentity: string
  /** Max-Forwards of the legs to agents: the caller's less one (§16.6), so loops still end. */
  private readonly maxForwards: string
  /** Whether the caller is still there: its session timer, its media. */
  private readonly liveness: CallLiveness
  /** Who called (the caller's dialog is `caller`). */
  readonly origin: Caller
  readonly startedAt: number

  constructor(
    call: {
      readonly tenantId: string
      readonly contactId: string
      readonly callerTag: string
      readonly ourTag: string
      readonly callerOffer: string
      readonly callerIdentity: string
      readonly maxForwards?: string
      /** The session timer the caller's INVITE asked for (RFC 4028), if any. */
      readonly sessionTimer?: SessionTimerTerms
      readonly caller: Caller
      readonly startedAt: number
      /** The menu the caller came through, and the keys it pressed there (kept for the rating). */
      readonly menu?: MenuRecord
      readonly keys?: CallerKeys
      /**
       * Click-to-call: the caller's browser dials in later (`join`), once told the call is up;
       * until then `callerOffer` is a stand-in and nobody hears the queue.
       */
      readonly joinsLater?: boolean
    },
    private readonly settings: CallSettings,
    private readonly host: CallHost,
  ) {
    this.tenantId = call.tenantId
    this.contactId = call.contactId
    this.callerTag = call.callerTag
    this.ourTag = call.ourTag
    this.callerLeg = new CallerLeg(
      host.media,
      { callId: call.contactId, callerTag: call.callerTag, ourTag: call.ourTag },
      call.callerOffer,
    )
    this.callerIdentity = call.callerIdentity
    this.maxForwards = call.maxForwards ?? '70'
    this.liveness = new CallLiveness({
      ua: host.ua,
      media: host.media,
      now: () => host.now(),
      callId: call.contactId,
      terms: call.sessionTimer,
      mediaTimeoutMs: settings.mediaTimeoutMs,
      caller: () => this.caller,
      held: () => this.silenced || directionOf(this.callerLeg.offer) !== 'sendrecv',
      run: (step) => this.run(step),
      lost: (cause) => this.lose(cause),
    })
    this.origin = call.caller
    this.startedAt = call.startedAt
    this.keys = call.keys
    this.late = new LateCaller(call.joinsLater === true)
    this.journal = new CallJournal(
      {
        tenantId: call.tenantId,
        contactId: call.contactId,
        caller: call.caller,
        startedAt: call.startedAt,
        menu: call.menu ?? null,
      },
      () => host.now(),
    )
    this.audio = new QueueAudio(
      host.media,
      host.prompts,
      this.contactId,
      this.callerTag,
      settings,
      (step) => this.run(step),
      // Waiting: the call is not over, the caller is on it, and no agent's phone has answered.
      () => !this.over && !this.late.awaited && !this.agent?.dialog,
      () => host.waitInfo(),
    )
  }

  get ended(): boolean {
    return this.over
  }

  lines(): CallLines {
    const a = this.agent
    return {
      contactId: this.contactId,
      caller: this.origin,
      startedAt: this.startedAt,
      agent: a
        ? {
            agentId: a.agentId,
            offerId: a.offerId,
            state: a.dialog ? 'up' : 'ringing',
            held: this.silenced,
            since: a.answeredAt ?? a.ringingSince,
          }
        : null,
    }
  }

  /** The media session's two parties while an agent talks: what a listener is given a copy of. */
  talkingTags(): readonly [string, string] | undefined {
    return this.agent?.dialog && !this.over ? [this.callerTag, this.ourTag] : undefined
  }

  /** Answers the caller with the media server's SDP, then music and announcements while waiting. */
  async answer(tx: ServerTransaction): Promise<void> {
    const answer = await this.callerLeg.open(this.settings.record)
    this.caller = this.host.ua.acceptInvite(
      tx,
      answer,
      (req, t) => this.fromCaller(req, t),
      this.ourTag,
      () => this.liveness.noAck(),
      this.liveness.headers(),
    )
    this.liveness.answered()
    // In line with everything else the call does: an offer may already be on its way.
    this.run(() => this.audio.start(true))
  }

  /**
   * Someone listening in is to be heard (whisper: by the agent; barge: by both): the media server
   * stops sending the agent's phone the caller (and, barging, the caller the agent); the listener's
   * mixer sends them instead. Resolves with where those phones want their audio.
   */
  divert(barge: boolean): Promise<{ agent: string; caller: string }> {
    return this.step(async () => {
      const leg = this.agent
      if (!leg?.dialog) throw new Error('no agent is talking on this call')
      await this.host.media.answer({
        callId: this.contactId,
        fromTag: this.callerTag,
        toTag: this.ourTag,
        sdp: waitingAnswer(this.callerLeg.offer),
      })
      if (barge && !this.silenced) await this.host.media.silence(this.contactId, this.ourTag, true)
      return { agent: leg.answer, caller: this.callerLeg.offer }
    })
  }

  /** The listener is gone: the call's own streams reach the phones again. */
  restore(barge: boolean): Promise<void> {
    return this.step(async () => {
      const leg = this.agent
      if (!leg?.dialog || this.over) return
      await this.host.media.answer({
        callId: this.contactId,
        fromTag: this.callerTag,
        toTag: this.ourTag,
        sdp: leg.answer,
      })
      if (barge && !this.silenced) await this.host.media.silence(this.contactId, this.ourTag, false)
    })
  }

  /** A step in line with the call's others, with its result. */
  private step<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => this.run(() => work().then(resolve, reject)))
  }

  /**
   * Click-to-call: opens the media session against the stand-in caller, so an agent can be rung
   * before the customer's browser dials in.
   */
  async openForLaterCaller(): Promise<void> {
    await this.callerLeg.open(this.settings.record)
  }

  /**
   * Click-to-call: the customer's browser dials in (it was told the call is up). Its offer goes
   * through the media server against the agent's answer (or the queue, when no agent talks), and
   * its dialog becomes the caller's.
   */
  join(req: SipRequest, tx: ServerTransaction): void {
    this.run(async () => {
      if (this.over || !this.late.awaited)
        return void tx.reply(486, 'Busy Here (the call was joined, or is over)')
      const offer = sdpOf(req)
      const refused = unbridgeable(offer)
      if (refused)
        return void tx.reply(488, 'Not Acceptable Here', { headers: { warning: mediaWarning(refused) } })
      const talking = this.agent?.dialog ? this.agent.answer : undefined
      const answer = await this.callerLeg.joined(offer, talking)
      this.late.arrived()
      this.caller = this.host.ua.acceptInvite(
        tx,
        answer,
        (r, t) => this.fromCaller(r, t),
        this.ourTag,
        () => this.liveness.noAck(),
        this.liveness.headers(),
      )
      this.liveness.answered()
      if (talking) await this.host.media.stopPlaying(this.contactId, this.ourTag).catch(() => undefined)
      else await this.audio.start(true)
    })
  }

  /** Click-to-call: the customer hung up from the page (002's dropClickToCall), joined or not. */
  dropped(): void {
    this.run(async () => {
      if (this.over) return
      this.late.stop()
      await this.end('customer', null)
    })
  }

  /** Takes over a caller already answered (by a menu): its dialog, and its side of the media. */
  adopt(dialog: Dialog, callerLeg: CallerLeg): void {
    this.caller = dialog
    this.callerLeg = callerLeg
    this.host.ua.attach(
      dialog,
      (req, t) => this.fromCaller(req, t),
      () => this.liveness.noAck(),
    )
    this.liveness.answered()
    // Adopted from a menu: the caller's ACK came while the menu ran.
    this.liveness.confirmed()
    this.run(() => this.audio.start(true))
  }

  /** Brings the call in line with the contact as the router has it now. */
  sync(): void {
    this.run(async () => {
      const c = await this.host.contact()
      if (c) this.journal.saw(c)
      if (!c || c.state === 'wrap_up' || c.state === 'closed' || TERMINAL.has(c.state)) return this.hangUp()
      if (c.state === 'queued') {
        if (this.agent) await this.dropAgent()
        return this.audio.start(false)
      }
      if (c.state === 'offered' && c.offer) {
        if (this.agent && this.agent.offerId !== c.offer.offerId) await this.dropAgent()
        if (!this.agent) {
          // Ringing the next agent (after a transfer, say): the caller hears the queue meanwhile.
          await this.audio.start(false)
          await this.ring(c.offer.agentId, c.offer.offerId)
        }
        return
      }
      if (c.state === 'connected' && this.agent && this.agent.agentId !== c.agentId) await this.dropAgent()
    })
  }

  private run(step: () => Promise<void>): void {
    this.steps = this.steps.then(step).catch((e: unknown) => this.host.log(`call ${this.contactId}`, e))
  }

  // ---- the agent side -------------------------------------------------------------------------

  private async ring(agentId: string, offerId: string): Promise<void> {
    const phone = this.host.phoneOf(agentId)
    if (!phone) return this.host.rejectOffer(offerId, agentId, 'phone_not_registered')
    const versions = new SdpVersions()
    const offered = versions.stamp(
      await this.host.media.offer({
        callId: this.contactId,
        fromTag: this.callerTag,
        toTag: this.ourTag,
        // What the caller agreed to: a browser's Opus is not offered to a phone it was never
        // answered with.
        sdp: this.callerLeg.agreed(),
        toward: phone.media,
      }),
    )
    const invite = this.host.ua.invite(
      {
        uri: phone.uri,
        to: phone.to,
        from: this.callerIdentity,
        toHeader: phone.toHeader,
        route: phone.route,
        sdp: offered,
        callId: `${this.contactId}-${offerId}`,
        headers: { 'max-forwards': this.maxForwards },
      },
      {
        onAnswered: (dialog, res) => this.run(() => this.agentAnswered(offerId, dialog, res.body.toString())),
        onFailed: (status, reason) => this.run(() => this.agentFailed(offerId, agentId, status, reason)),
      },
    )
    this.agent = {
      agentId,
      offerId,
      invite,
      dialog: undefined,
      offered,
      versions,
      ringingSince: this.host.now(),
      answeredAt: null,
      answer: '',
    }
    const ring = this.journal.ringStarted(offerId, agentId)
    this.host.observer.ringing(this.host.tenantId, this.contactId, this.origin, ring)
    this.host.linesChanged()
  }

  private async agentAnswered(offerId: string, dialog: Dialog, sdp: string): Promise<void> {
    const leg = this.agent
    if (!leg || leg.offerId !== offerId || this.over) {
      await this.host.ua.send(dialog, 'BYE').catch(() => undefined)
      return this.host.ua.forget(dialog)
    }
    leg.dialog = dialog
    leg.answeredAt = this.host.now()
    leg.answer = sdp
    this.ringEnded(offerId, 'ANSWER')
    this.host.linesChanged()
    this.host.ua.attach(dialog, (req, tx) => this.fromAgent(req, tx))
    await this.audio.stop()
    // The agent before may have left the line silenced (held, then transferred).
    if (this.silenced) await this.host.media.silence(this.contactId, this.ourTag, (this.silenced = false))
    await this.host.media.answer({ callId: this.contactId, fromTag: this.callerTag, toTag: this.ourTag, sdp })
    if (this.late.awaited) await this.callerComing()
    const c = await this.host.contact()
    if (c?.state === 'connected' && c.agentId === leg.agentId) return
    await this.host.acceptOffer(offerId, leg.agentId).catch(async (e: unknown) => {
      // Taken back while the phone was being answered: the caller goes back to the queue.
      this.host.log(`call ${this.contactId}: answered offer ${offerId} no longer stands`, e)
      await this.dropAgent()
      await this.audio.start(false)
    })
  }

  /**
   * Click-to-call: the agent answered before the customer's browser dialled in (it is told now):
   * the agent hears ringback meanwhile, and a browser that never comes ends the call.
   */
  private async callerComing(): Promise<void> {
    await this.host.media
      .play(this.contactId, this.ourTag, await this.host.prompts.ringback(), 100)
      .catch((e: unknown) => this.host.log(`call ${this.contactId}: ringback`, e))
    this.late.expect(() =>
      this.run(async () => {
        if (!this.late.awaited || this.over) return
        this.late.stop()
        await this.lose('customer_did_not_join')
      }),
    )
  }

  private async agentFailed(offerId: string, agentId: string, status: number, reason: string): Promise<void> {
    if (this.agent?.offerId !== offerId) return
    this.agent = undefined
    if (status === 488 || status === 606) {
      this.host.log(
        `call ${this.contactId}: ${agentId}'s phone shares no codec with the caller (${status} ${reason})`,
      )
      this.journal.noCommonCodec()
    }
    this.ringEnded(
      offerId,
      status === 486 || status === 600 || status === 603
        ? 'BUSY'
        : status === 408 || status === 480
          ? 'NOANSWER'
          : 'CHANUNAVAIL',
    )
    this.host.linesChanged()
    const c = await this.host.contact()
    if (c?.state === 'offered' && c.offer?.offerId === offerId)
      await this.host.rejectOffer(offerId, agentId, `sip ${status} ${reason}`.trim())
  }

  /** Ends the agent leg: CANCEL while it rings, BYE once answered; the caller's audio goes back to the queue. */
  private async dropAgent(): Promise<void> {
    const leg = this.agent
    if (!leg) return
    this.agent = undefined
    this.host.linesChanged()
    if (!leg.dialog) {
      // Taken back from a phone that did not answer in time, or the caller went first.
      this.ringEnded(leg.offerId, this.over ? 'CANCEL' : 'NOANSWER')
      return leg.invite.cancel()
    }
    this.held(false)
    // Whoever listened in heard this agent's conversation: it is over, the caller's rating is not theirs.
    this.host.agentLeft()
    this.host.ua.forget(leg.dialog)
    await this.host.ua.send(leg.dialog, 'BYE').catch(() => undefined)
    if (!this.over)
      await this.host.media.answer({
        callId: this.contactId,
        fromTag: this.callerTag,
        toTag: this.ourTag,
        sdp: waitingAnswer(this.callerLeg.offer),
      })
  }

  private fromAgent(req: SipRequest, tx: ServerTransaction | undefined): void {
    const leg = this.agent
    if (!tx || !leg?.dialog) return
    switch (req.method) {
      case 'BYE':
        tx.reply(200, 'OK')
        this.host.ua.forget(leg.dialog)
        this.agent = undefined
        this.held(false)
        this.host.linesChanged()
        return this.run(() => this.end('agent', leg.agentId))
      case 'INVITE':
      case 'UPDATE':
        return this.run(() => this.agentReinvite(leg, req, tx))
      case 'REFER':
        return this.run(() => this.refer(leg, req, tx))
      case 'INFO':
      case 'NOTIFY':
        return void tx.reply(200, 'OK')
      default:
        return void tx.reply(405, 'Method Not Allowed', {
          headers: { allow: 'INVITE, ACK, BYE, CANCEL, REFER, INFO, NOTIFY, UPDATE' },
        })
    }
  }

  /**
   * A re-INVITE or UPDATE from the agent's phone: hold and resume (the caller hears music while
   * held), and a new offer goes through the media server the other way round (the phone offers,
   * the caller's own description answers), so a stream the phone moved is followed.
   */
  private async agentReinvite(leg: AgentLeg, req: SipRequest, tx: ServerTransaction): Promise<void> {
    const offer = sdpOf(req)
    if (offer === '' && req.method === 'UPDATE') return void tx.reply(200, 'OK')
    if (offer !== '') {
      const refused = unbridgeable(offer)
      if (refused)
        return void tx.reply(488, 'Not Acceptable Here', { headers: { warning: mediaWarning(refused) } })
      const tags = { callId: this.contactId, fromTag: this.ourTag, toTag: this.callerTag }
      await this.host.media.offer({ ...tags, sdp: offer })
      leg.offered = await this.host.media.answer({ ...tags, sdp: this.callerLeg.agreed() })
      leg.answer = offer
    }
    const offered = offer === '' ? 'sendrecv' : directionOf(offer)
    this.host.ua.acceptReinvite(tx, leg.versions.stamp(withDirection(leg.offered, holdAnswer(offered))))
    const held = offered !== 'sendrecv'
    // A held phone may go on sending (silence, or its own music): the caller hears ours alone.
    if (held !== this.silenced) {
      await this.host.media.silence(this.contactId, this.ourTag, (this.silenced = held))
      this.held(held)
      this.host.linesChanged()
    }
    if (!held) await this.audio.stop()
    // A browser caller holds in silence: the music's stream would take its place in the browser
    // for good (a browser plays the newest stream it was not told of, and the agent's is not new
    // when it comes back).
    else if (!this.late.inBrowser) await this.audio.holdMusic()
  }

  /** RFC 3515 blind transfer: 202, the router moves the contact, NOTIFY how it went, then BYE. */
  private async refer(leg: AgentLeg, req: SipRequest, tx: ServerTransaction): Promise<void> {
    const target = /sips?:([^@;>]+)/.exec(req.headers.get('refer-to') ?? '')?.[1]
    if (!target || !leg.dialog) return void tx.reply(400, 'Bad Request (Refer-To)')
    tx.reply(202, 'Accepted')
    const ok = await this.host.transfer(leg.agentId, decodeURIComponent(target))
    const frag = ok ? 'SIP/2.0 200 OK' : 'SIP/2.0 404 Not Found'
    await this.host.ua
      .send(
        leg.dialog,
        'NOTIFY',
        {
          event: 'refer',
          'subscription-state': 'terminated;reason=noresource',
          'content-type': 'message/sipfrag;version=2.0',
        },
        frag,
      )
      .catch(() => undefined)
    // The router has moved the contact on: sync() ends this leg and plays the queue again.
    if (ok) this.sync()
  }

  /** The agent's side hung up from outside the phone (004's hangup): a ringing phone just stops. */
  hangUpAgent(agentId: string): void {
    this.run(async () => {
      const leg = this.agent
      if (!leg || leg.agentId !== agentId) return
      if (!leg.dialog) return this.host.rejectOffer(leg.offerId, agentId, 'hung up through the API')
      await this.end('agent', agentId)
    })
  }

  /** A blind transfer asked for outside the phone (004's transfer); resolves false if refused. */
  transferFrom(agentId: string, target: string): Promise<boolean> {
    return new Promise((resolve) =>
      this.run(async () => {
        const leg = this.agent
        if (!leg?.dialog || leg.agentId !== agentId) return resolve(false)
        const ok = await this.host.transfer(agentId, target)
        resolve(ok)
        if (ok) this.sync()
      }),
    )
  }

  // ---- the caller side ------------------------------------------------------------------------

  private fromCaller(req: SipRequest, tx: ServerTransaction | undefined): void {
    // The ACK of our 2xx: the call is up, and its media is watched from now on.
    if (!tx) return req.method === 'ACK' ? this.liveness.confirmed() : undefined
    switch (req.method) {
      case 'BYE':
        tx.reply(200, 'OK')
        if (this.caller) this.host.ua.forget(this.caller)
        this.caller = undefined
        // Gone while asked for a rating: nothing more to wait for.
        void this.keys?.close()
        return this.run(() => this.end('customer', null))
      case 'INVITE':
      case 'UPDATE':
        return this.run(async () => {
          this.liveness.refreshed(req)
          await this.callerLeg.reoffered(
            this.host.ua,
            req,
            tx,
            this.agent?.dialog ? this.agent.answer : undefined,
            this.liveness.headers(),
          )
        })
      case 'INFO': {
        const digit = infoDigit(req.headers.get('content-type') ?? '', req.body.toString())
        if (digit) this.keys?.pressed(digit)
        return void tx.reply(200, 'OK')
      }
      case 'NOTIFY':
        return void tx.reply(200, 'OK')
      default:
        // A caller does not transfer the call it made to the center (REFER): only an agent does.
        return void tx.reply(405, 'Method Not Allowed', {
          headers: { allow: 'INVITE, ACK, BYE, CANCEL, INFO, NOTIFY, UPDATE' },
        })
    }
  }

  /**
   * The server stops: both sides are hung up and the media session is deleted, so rtpengine keeps
   * no recorded call (10.5 crashes when it is stopped with one). Resolves once it is over.
   */
  shutDown(): Promise<void> {
    this.run(() => this.hangUp())
    return this.steps
  }

  /** The caller hung up before we answered (CANCEL). */
  cancelled(): void {
    this.run(() => this.end('customer', null))
  }

  /** The caller's side is gone (no ACK, no refresh, no media): the system ends the call, and the record says why. */
  private lose(cause: LostCause): Promise<void> {
    this.host.log(`call ${this.contactId}: ended by the system (${cause})`)
    this.journal.hangUp('system', cause)
    return this.host.ended('system', null)
  }

  /** Hangs up whatever is still up and closes the media session (and with it the recording). */
  private async hangUp(): Promise<void> {
    if (this.over) return
    this.over = true
    this.late.stop()
    this.liveness.stop()
    this.audio.dispose()
    await this.dropAgent()
    if (this.caller && this.settings.survey && this.journal.hungUpBy === 'agent')
      await this.askRating(this.settings.survey)
    await this.keys?.close()
    if (this.caller) {
      const dialog = this.caller
      this.caller = undefined
      this.host.ua.forget(dialog)
      await this.host.ua.send(dialog, 'BYE').catch(() => undefined)
    }
    await this.host.media
      .end(this.contactId)
      .catch((e: unknown) => this.host.log(`call ${this.contactId}: media end`, e))
    const file = this.settings.record
      ? await this.host.media.recording(this.contactId).catch((e: unknown) => {
          this.host.log(`call ${this.contactId}: recording`, e)
          return null
        })
      : null
    await this.host.finished(file, this.journal.record(file !== null))
  }

  /** After the agent hung up: the caller rates the call with a key. */
  private async askRating(survey: NonNullable<CallSettings['survey']>): Promise<void> {
    const startedAt = this.host.now()
    try {
      this.keys ??= await CallerKeys.open(this.host.mixer, this.host.media, this.contactId, this.callerTag)
      const score = await askRating(
        survey,
        { callId: this.contactId, callerTag: this.callerTag },
        {
          media: this.host.media,
          prompts: this.host.prompts,
          keys: this.keys,
        },
      )
      this.journal.rated(score, startedAt)
      if (score !== null) await this.host.rated(score)
    } catch (e) {
      this.host.log(`call ${this.contactId}: rating`, e)
    }
  }

  /** A side hung up: remembered for the record, since the router forgets a contact that ends for good. */
  private end(by: 'customer' | 'agent' | 'system', agentId: string | null): Promise<void> {
    this.journal.hangUp(by)
    return this.host.ended(by, agentId)
  }

  private ringEnded(offerId: string, outcome: RingOutcome): void {
    const ring = this.journal.ringEnded(offerId, outcome)
    if (ring) this.host.observer.ringEnded(this.host.tenantId, this.contactId, this.origin, ring)
  }

  private held(held: boolean): void {
    this.journal.held(held)
  }
}

const TERMINAL = new Set(['abandoned', 'timed_out', 'rejected'])
