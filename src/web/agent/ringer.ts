const KEY = 'switchboard.ring'

/**
 * A phone's ring made in the browser (two tones, on 1 s, off 2 s), so nothing is downloaded;
 * the agent's choice of sound or silence is kept in the browser.
 */
export class Ringer {
  private context: AudioContext | null = null
  private timer: ReturnType<typeof setInterval> | undefined

  get enabled(): boolean {
    return localStorage.getItem(KEY) !== 'off'
  }

  set enabled(on: boolean) {
    localStorage.setItem(KEY, on ? 'on' : 'off')
    if (!on) this.stop()
  }

  start(): void {
    if (!this.enabled || this.timer) return
    this.context ??= new AudioContext()
    const ring = (): void => this.burst(this.context as AudioContext)
    ring()
    this.timer = setInterval(ring, 3000)
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  private burst(ctx: AudioContext): void {
    const gain = ctx.createGain()
    gain.gain.value = 0.15
    gain.connect(ctx.destination)
    for (const hz of [440, 480]) {
      const tone = ctx.createOscillator()
      tone.frequency.value = hz
      tone.connect(gain)
      tone.start()
      tone.stop(ctx.currentTime + 1)
    }
  }
}
