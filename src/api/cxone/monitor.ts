import type { Clock, Scheduler } from '../../app/ports.js'
import type { Switchboard } from '../../app/switchboard.js'
import type { CxoneSessions } from './session.js'
import { CXONE_PATHS } from './session.js'

export interface CxoneStatus {
  readonly acdType: string | null
  readonly lastCheckAt: number | null
  readonly connected: boolean
  readonly error: string | null
}

/**
 * The connection monitor of 003: a heartbeat per tenant with the connector on, and the ACD type
 * CXone has for us, looked up once connected. What it finds is shown to supervisors.
 */
export class CxoneMonitor {
  private readonly status = new Map<string, CxoneStatus>()
  private readonly timers = new Map<string, () => void>()
  private stopped = false

  constructor(
    private readonly sb: () => Switchboard,
    private readonly sessions: CxoneSessions,
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
  ) {}

  start(): void {
    for (const tenantId of this.sb().tenantIds()) this.arm(tenantId, 0)
  }

  stop(): void {
    this.stopped = true
    for (const cancel of this.timers.values()) cancel()
  }

  of(tenantId: string): CxoneStatus | undefined {
    return this.status.get(tenantId)
  }

  /** One heartbeat now (and the ACD type when not known yet). */
  async check(tenantId: string): Promise<CxoneStatus | undefined> {
    const cx = this.sb().storedConfig(tenantId).config.cxone
    if (!cx?.enabled) {
      this.status.delete(tenantId)
      return undefined
    }
    const before = this.status.get(tenantId)
    const session = this.sessions.of(tenantId)
    let next: CxoneStatus
    try {
      const headers = { authorization: `Bearer ${await session.token(cx)}` }
      const beat = await this.sessions.sender.get(cx.baseUrl + CXONE_PATHS.connectionMonitor, headers)
      if (beat.status === 401) session.forget()
      if (beat.status < 200 || beat.status >= 300) throw new Error(`connection monitor: HTTP ${beat.status}`)
      let acdType = before?.acdType ?? null
      if (acdType === null) {
        const res = await this.sessions.sender.get(cx.baseUrl + CXONE_PATHS.acdType, headers)
        if (res.status >= 200 && res.status < 300) acdType = acdTypeOf(res.body)
      }
      next = { acdType, lastCheckAt: this.clock.now(), connected: true, error: null }
    } catch (e) {
      next = {
        acdType: before?.acdType ?? null,
        lastCheckAt: this.clock.now(),
        connected: false,
        error: e instanceof Error ? e.message : String(e),
      }
    }
    this.status.set(tenantId, next)
    return next
  }

  private arm(tenantId: string, delayMs: number): void {
    if (this.stopped) return
    this.timers.set(
      tenantId,
      this.scheduler.wakeAt(this.clock.now() + delayMs, () => {
        void this.check(tenantId).finally(() => {
          const cx = this.sb().hasTenant(tenantId) ? this.sb().storedConfig(tenantId).config.cxone : null
          // Configuration may turn it on later: look again at the default period.
          this.arm(tenantId, (cx?.heartbeatSeconds ?? 60) * 1000)
        })
      }),
    )
  }
}

/** The ACD type answer: a bare string, JSON string, or an object carrying acdType. */
function acdTypeOf(body: string): string | null {
  try {
    const v = JSON.parse(body) as unknown
    if (typeof v === 'string') return v
    if (v && typeof v === 'object' && 'acdType' in v) return String(v.acdType)
  } catch {
    if (body.trim()) return body.trim()
  }
  return null
}
