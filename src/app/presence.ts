import type { Command } from '../core/commands.js'
import type { PresenceShare } from './node-holdings.js'
import type { AgentWatchStore, Clock, Scheduler } from './ports.js'

export interface PresenceSettings {
  /** Ready agents whose every stream has been gone this long become not ready ("disconnected"). */
  readonly notReadyAfterMs: number
  /** ...and logged out after this long. */
  readonly logoutAfterMs: number
}

// Avaya's defaults: not ready after 30 s, logged out after 5 min without the agent's client.
export const DEFAULT_PRESENCE: PresenceSettings = { notReadyAfterMs: 30_000, logoutAfterMs: 300_000 }

interface Seen {
  streams: number
  cancel: (() => void) | undefined
}

/**
 * Agent liveness. An agent is attached while it holds a WebSocket stream or a waiting long-poll;
 * when the last one goes (tab closed, network pulled, laptop asleep), timers start. Agents that
 * never attach a stream (REST-only integrations) are not watched: offer timeouts catch those.
 * On a channel with a device (voice), a reachable device is presence enough: a registered phone
 * keeps its agent signed in there whatever the desktop does.
 */
export class Presence {
  private readonly seen = new Map<string, Seen>()
  /** Agents already stored as watched, so attaching again writes nothing. */
  private readonly remembered = new Set<string>()
  /** A cluster node: the agent's other streams may be on other nodes. */
  share: PresenceShare | undefined

  constructor(
    /** Where the tenant's commands go (its router here or on its owner); undefined: nowhere now. */
    private readonly tenantOf: (tenantId: string) => { run(command: Command): Promise<unknown> } | undefined,
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly settings: (tenantId: string) => PresenceSettings | null,
    private readonly store?: AgentWatchStore,
  ) {}

  /**
   * After a start or rebuild: every agent whose client held streams before lost them with the
   * restart, so its timers run from now unless it attaches again in time.
   */
  async resume(tenantId: string): Promise<void> {
    for (const agentId of (await this.store?.watched(tenantId)) ?? []) {
      const key = `${tenantId}\u0000${agentId}`
      this.remembered.add(key)
      const s = this.seen.get(key) ?? { streams: 0, cancel: undefined }
      this.seen.set(key, s)
      if (s.streams === 0 && !s.cancel) this.watch(tenantId, agentId, s)
    }
  }

  /** Marks a stream open; call the returned function when it closes. */
  attach(tenantId: string, agentId: string): () => void {
    const key = `${tenantId}\u0000${agentId}`
    const s = this.seen.get(key) ?? { streams: 0, cancel: undefined }
    this.seen.set(key, s)
    s.streams++
    this.share?.said(tenantId, agentId, s.streams)
    s.cancel?.()
    s.cancel = undefined
    if (this.store && !this.remembered.has(key)) {
      this.remembered.add(key)
      // Not remembered, it is tried again at the next attach: nothing but a restart's watch hangs on it.
      this.store.watch(tenantId, agentId, this.clock.now()).catch(() => this.remembered.delete(key))
    }
    let open = true
    return () => {
      if (!open) return
      open = false
      s.streams--
      this.share?.said(tenantId, agentId, s.streams)
      if (s.streams === 0) this.watch(tenantId, agentId, s)
    }
  }

  /** The node that held the agent's last stream died: its timers start here (the owner's node). */
  orphaned(tenantId: string, agentId: string): void {
    const key = `${tenantId}\u0000${agentId}`
    const s = this.seen.get(key) ?? { streams: 0, cancel: undefined }
    this.seen.set(key, s)
    if (s.streams === 0 && !s.cancel) this.watch(tenantId, agentId, s)
  }

  private watch(tenantId: string, agentId: string, s: Seen): void {
    const settings = this.settings(tenantId)
    if (!settings) return
    const gone = this.clock.now()
    const step = (at: number, state: 'not_ready' | 'logged_out', next?: number): void => {
      s.cancel = this.scheduler.wakeAt(at, () => {
        s.cancel = undefined
        if (s.streams > 0 || (this.share?.elsewhere(tenantId, agentId) ?? 0) > 0) return
        void this.apply(tenantId, agentId, state)
        if (next !== undefined) step(next, 'logged_out')
      })
    }
    step(gone + settings.notReadyAfterMs, 'not_ready', gone + settings.logoutAfterMs)
  }

  private async apply(tenantId: string, agentId: string, state: 'not_ready' | 'logged_out'): Promise<void> {
    try {
      await this.tenantOf(tenantId)?.run({ type: 'agentAway', agentId, state })
    } catch {
      // The tenant stopped or went meanwhile: nothing to do.
    }
  }
}
