import type { MediaServer } from '../../app/voice-ports.js'
import type { VoiceMenu } from '../../core/tenant-config.js'
import type { CallerKeys } from './caller-keys.js'
import type { Prompts } from './prompts.js'

export interface MenuOutcome {
  /** The valid digit pressed; null when none came. */
  readonly digit: string | null
  /** The entry point the caller goes to; null: the call ends. */
  readonly entryPointId: string | null
}

/**
 * A menu on an answered caller: the prompt (a key cuts it short), then a wait for a key; an
 * invalid key or none tries again, up to the menu's retries; then `otherwise`.
 */
export async function runMenu(
  menu: VoiceMenu,
  call: { readonly callId: string; readonly callerTag: string },
  deps: { readonly media: MediaServer; readonly prompts: Prompts; readonly keys: CallerKeys },
  gone: () => boolean,
): Promise<MenuOutcome> {
  const file = await deps.prompts.say(menu.prompt)
  for (let attempt = 0; attempt <= menu.retries && !gone(); attempt++) {
    deps.keys.clear()
    const lasts = file ? await deps.media.play(call.callId, call.callerTag, file).catch(() => 0) : 0
    const digit = await deps.keys.next(lasts + menu.timeoutSeconds * 1000)
    if (file) await deps.media.stopPlaying(call.callId, call.callerTag).catch(() => undefined)
    const target = digit === null ? undefined : menu.choices[digit]
    if (digit !== null && target !== undefined) return { digit, entryPointId: target }
  }
  return { digit: null, entryPointId: gone() ? null : menu.otherwise }
}

/** The after-call rating: a key 1..maxScore, or null. */
export async function askRating(
  survey: { readonly prompt: string; readonly timeoutSeconds: number; readonly maxScore: number },
  call: { readonly callId: string; readonly callerTag: string },
  deps: { readonly media: MediaServer; readonly prompts: Prompts; readonly keys: CallerKeys },
): Promise<number | null> {
  const file = await deps.prompts.say(survey.prompt)
  deps.keys.clear()
  const lasts = file ? await deps.media.play(call.callId, call.callerTag, file).catch(() => 0) : 0
  const digit = await deps.keys.next(lasts + survey.timeoutSeconds * 1000)
  const score = digit === null ? NaN : Number(digit)
  return Number.isInteger(score) && score >= 1 && score <= survey.maxScore ? score : null
}
