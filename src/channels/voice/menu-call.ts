import type { AudioMixer, Caller, CallRecord, MediaServer, MenuRecord } from '../../app/voice-ports.js'
import type { VoiceMenu } from '../../core/tenant-config.js'
import { CallerKeys, infoDigit } from './caller-keys.js'
import type { Prompts } from './prompts.js'
import { CallerLeg } from './caller-leg.js'
import type { SessionTimerTerms } from './sip/session-timer.js'
import { sessionTimerHeaders } from './sip/session-timer.js'
import type { Dialog } from './sip/dialog.js'
import type { ServerTransaction } from './sip/transactions.js'
import type { SipUserAgent } from './sip/user-agent.js'
import { runMenu } from './voice-menu.js'

export interface MenuCallDeps {
  readonly ua: SipUserAgent
  readonly media: MediaServer
  readonly mixer: AudioMixer
  readonly prompts: Prompts
  now(): number
  log(msg: string, err?: unknown): void
}

/** A caller arriving at an access number with a menu. */
export interface MenuArrival {
  readonly tenantId: string
  readonly callId: string
  readonly caller: Caller
  readonly callerTag: string
  readonly ourTag: string
  readonly callerOffer: string
  readonly record: boolean
  /** The session timer the caller asked for: our 2xx takes it (the call keeps it afterwards). */
  readonly sessionTimer?: SessionTimerTerms
}

/** A caller who chose: answered, with the keys it may press later, going to `entryPointId`. */
export interface MenuChoice {
  readonly entryPointId: string
  readonly dialog: Dialog
  readonly callerLeg: CallerLeg
  readonly keys: CallerKeys
  readonly digit: string
  readonly startedAt: number
  /** Hangs up after all (the entry point chosen refused the call): the call's record. */
  end(): Promise<CallRecord>
}

/**
 * Answers the caller at once and runs the menu (or, outside the hours, says so and hangs up).
 * Resolves with the caller's choice; or with the call's record when it ended in the menu.
 */
export async function answerWithMenu(
  deps: MenuCallDeps,
  arrival: MenuArrival,
  tx: ServerTransaction,
  menu: VoiceMenu,
  open: boolean,
): Promise<MenuChoice | { readonly record: CallRecord }> {
  const { media, ua } = deps
  const { callId, callerTag, ourTag, callerOffer } = arrival
  const startedAt = deps.now()
  const callerLeg = new CallerLeg(media, { callId, callerTag, ourTag }, callerOffer)
  const answer = await callerLeg.open(arrival.record)
  let gone = false
  let keys: CallerKeys | undefined
  if (tx.cancelled) {
    // The caller hung up while the media session was being made.
    await media.end(callId).catch((e: unknown) => deps.log(`menu call ${callId}`, e))
    return { record: menuRecord(arrival, menu, { digit: null, startedAt, endedAt: deps.now(), gone: true }) }
  }
  const dialog = ua.acceptInvite(
    tx,
    answer,
    (req, t) => {
      if (!t) return
      if (req.method === 'BYE') {
        t.reply(200, 'OK')
        ua.forget(dialog)
        gone = true
        return void keys?.close()
      }
      if (req.method === 'INVITE' || req.method === 'UPDATE')
        return void callerLeg
          .reoffered(ua, req, t, undefined)
          .catch((e: unknown) => deps.log(`menu call ${callId}: new offer`, e))
      const digit =
        req.method === 'INFO'
          ? infoDigit(req.headers.get('content-type') ?? '', req.body.toString())
          : undefined
      if (digit) keys?.pressed(digit)
      t.reply(200, 'OK')
    },
    ourTag,
    // Our answer was never acknowledged: the caller is gone; the menu ends with a BYE.
    () => {
      if (gone) return
      gone = true
      ua.forget(dialog)
      void ua.send(dialog, 'BYE').catch(() => undefined)
      void keys?.close()
    },
    arrival.sessionTimer ? sessionTimerHeaders(arrival.sessionTimer) : {},
  )
  const ended = async (digit: string | null): Promise<{ record: CallRecord }> => {
    await keys?.close()
    if (!gone) {
      ua.forget(dialog)
      await ua.send(dialog, 'BYE').catch(() => undefined)
    }
    await media.end(callId).catch((e: unknown) => deps.log(`menu call ${callId}`, e))
    const endedAt = deps.now()
    return { record: menuRecord(arrival, menu, { digit, startedAt, endedAt, gone }) }
  }
  try {
    if (!open) {
      const file = menu.closedPrompt ? await deps.prompts.say(menu.closedPrompt) : null
      const lasts = file ? await media.play(callId, callerTag, file).catch(() => 0) : 0
      await new Promise((r) => setTimeout(r, lasts + 500))
      return await ended(null)
    }
    keys = await CallerKeys.open(deps.mixer, media, callId, callerTag)
    const outcome = await runMenu(
      menu,
      { callId, callerTag },
      { media, prompts: deps.prompts, keys },
      () => gone,
    )
    if (gone || outcome.entryPointId === null) return await ended(outcome.digit)
    return {
      entryPointId: outcome.entryPointId,
      dialog,
      callerLeg,
      keys,
      digit: outcome.digit ?? '',
      startedAt,
      end: async () => (await ended(outcome.digit)).record,
    }
  } catch (e) {
    deps.log(`menu call ${callId}`, e)
    return ended(null)
  }
}

/** The record of a call that never left the menu. */
function menuRecord(
  a: MenuArrival,
  menu: VoiceMenu,
  x: { digit: string | null; startedAt: number; endedAt: number; gone: boolean },
): CallRecord {
  const m: MenuRecord = {
    id: menu.id,
    name: menu.name,
    digit: x.digit,
    startedAt: x.startedAt,
    endedAt: x.endedAt,
    queueId: null,
  }
  return {
    tenantId: a.tenantId,
    contactId: a.callId,
    caller: a.caller,
    startedAt: x.startedAt,
    endedAt: x.endedAt,
    endedBy: x.gone ? 'customer' : 'system',
    queueId: '',
    enqueuedAt: x.startedAt,
    agentId: null,
    answeredAt: null,
    rings: [],
    holdMs: 0,
    recording: null,
    endedIn: 'menu',
    menu: m,
    rating: null,
  }
}
