import type { MediaServer } from '../../app/voice-ports.js'
import type { Prompts } from './prompts.js'

export interface QueueAudioSettings {
  readonly announceEveryMs: number
  readonly announcePosition: boolean
  readonly holdMusic: string | null
}

/**
 * What a waiting caller hears: the hold music, and every so often their position and wait.
 * Its timers hand their work to `run`, the call's own ordered steps, so audio changes never
 * race the call's other changes; `waiting` says whether the caller is still waiting.
 */
export class QueueAudio {
  private playing: 'music' | 'announcement' | null = null
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly media: MediaServer,
    private readonly prompts: Prompts,
    private readonly callId: string,
    private readonly callerTag: string,
    private readonly settings: QueueAudioSettings,
    private readonly run: (step: () => Promise<void>) => void,
    private readonly waiting: () => boolean,
    private readonly position: () => Promise<{ position: number; waitMs: number | null }>,
  ) {}

  get isPlaying(): boolean {
    return this.playing !== null
  }

  /** Music now (if nothing plays yet); on the call's first wait, an announcement soon after. */
  async start(first: boolean): Promise<void> {
    if (this.playing !== null || !this.waiting()) return
    await this.music()
    // The first announcement soon after the music starts (making the speech may take a moment).
    if (first && this.settings.announceEveryMs > 0) this.after(1000, () => this.announce())
  }

  /** The music alone (a held call): no announcements. */
  async holdMusic(): Promise<void> {
    if (this.playing !== null) return
    clearTimeout(this.timer)
    await this.media.play(this.callId, this.callerTag, await this.musicFile(), 1000)
    this.playing = 'music'
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer)
    if (this.playing === null) return
    this.playing = null
    await this.media.stopPlaying(this.callId, this.callerTag).catch(() => undefined)
  }

  /** The call is over: no timer may fire for it any more. */
  dispose(): void {
    clearTimeout(this.timer)
  }

  private async music(): Promise<void> {
    clearTimeout(this.timer)
    await this.media.play(this.callId, this.callerTag, await this.musicFile(), 1000)
    this.playing = 'music'
    // Without speech (no espeak-ng) the music just goes on.
    if (this.settings.announceEveryMs > 0 && this.prompts.speechUnavailable === null)
      this.after(this.settings.announceEveryMs, () => this.announce())
  }

  private async announce(): Promise<void> {
    if (!this.waiting()) return
    const { position, waitMs } = await this.position()
    const file = await this.prompts.announcement(this.settings.announcePosition ? position : 0, waitMs)
    if (!this.waiting()) return
    if (!file) return this.playing === 'music' ? undefined : this.music()
    const ms = await this.media.play(this.callId, this.callerTag, file, 1)
    this.playing = 'announcement'
    this.after(ms + 300, async () => {
      if (this.playing !== 'announcement' || !this.waiting()) return
      this.playing = null
      await this.music()
    })
  }

  private musicFile(): Promise<string> {
    return this.settings.holdMusic === null
      ? this.prompts.holdMusic()
      : Promise.resolve(this.settings.holdMusic)
  }

  private after(ms: number, step: () => Promise<void>): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.run(step), ms)
  }
}
