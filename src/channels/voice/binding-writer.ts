import type { PhoneBindingChange, PhoneBindingStore } from '../../app/voice-ports.js'

const rowOf = (c: PhoneBindingChange): string => {
  const b = c.kind === 'save' ? c.binding : c
  return `${b.tenantId}\u0000${b.extension}\u0000${b.contact}`
}

/**
 * Group commit for registrations: changes that arrive while a write is in flight go together in
 * the next one, a later change to a binding replacing an earlier one not yet written. A phone
 * refreshing every few minutes costs one row in a batch instead of a transaction of its own,
 * which is what lets thousands of REGISTERs a second stay durable.
 */
export class BindingWriter {
  private pending = new Map<string, PhoneBindingChange>()
  private waiting: ((stored: boolean) => void)[] = []
  private flushing: Promise<void> | undefined

  /**
   * `lingerMs`: how long a batch waits for company before it is written. A phone does not notice
   * a few milliseconds; the database notices a transaction per registration.
   */
  constructor(
    private readonly store: PhoneBindingStore,
    private readonly onError: (e: unknown) => void,
    private readonly lingerMs = 0,
  ) {}

  /** Resolves true once these changes are stored, false when their batch failed (logged). */
  write(changes: readonly PhoneBindingChange[]): Promise<boolean> {
    if (changes.length === 0) return Promise.resolve(true)
    for (const c of changes) this.pending.set(rowOf(c), c)
    const stored = new Promise<boolean>((resolve) => this.waiting.push(resolve))
    this.flushing ??= this.flush()
    return stored
  }

  /** Resolves once nothing is left to write. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing
  }

  private async flush(): Promise<void> {
    while (this.pending.size > 0) {
      if (this.lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, this.lingerMs))
      const batch = [...this.pending.values()]
      const waiting = this.waiting
      this.pending = new Map()
      this.waiting = []
      let stored = true
      try {
        await this.store.write(batch)
      } catch (e) {
        stored = false
        this.onError(e)
      }
      for (const resolve of waiting) resolve(stored)
    }
    this.flushing = undefined
  }
}
