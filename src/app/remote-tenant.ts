import { randomUUID } from 'node:crypto'
import type { Command, ResultOf } from '../core/commands.js'
import type { ErrorCode } from '../core/errors.js'
import { DomainError } from '../core/errors.js'
import type { AnswerOf, Query } from '../core/queries.js'
import type { EventBus } from './cluster-ports.js'
import { BusTimeout, NoResponder, RemoteError } from './cluster-ports.js'
import type { TenantRuntime } from './tenant-runtime.js'

/** A tenant's router as a route sees it: here, or on the node that owns it. */
export interface TenantHandle {
  readonly tenantId: string
  run<C extends Command>(command: C): Promise<ResultOf<C>>
  ask<Q extends Query>(query: Q): Promise<AnswerOf<Q>>
}

type Request =
  | { readonly kind: 'run'; readonly command: Command; readonly key: string }
  | { readonly kind: 'ask'; readonly query: Query }

const SUBJECT = 'commands'

/** The owner's side: answers the tenant's commands and queries sent by other nodes. */
export function serveTenant(bus: EventBus, runtime: TenantRuntime): () => void {
  return bus.respond(runtime.tenantId, SUBJECT, async (payload) => {
    const r = payload as Request
    return r.kind === 'run' ? runtime.run(r.command, r.key) : runtime.ask(r.query)
  })
}

export interface RemoteOptions {
  /** How long one try waits for the owner's answer. */
  readonly tryMs: number
  /** How long a command waits in all for an owner (one is changing hands, or starting). */
  readonly patienceMs: number
}

const DEFAULTS: RemoteOptions = { tryMs: 2000, patienceMs: 15_000 }

/**
 * A tenant owned by another node: each command goes to the owner over the bus with a key of its
 * own, and is sent again (same key) while no node answers for the tenant or the one that did let
 * it go, up to `patienceMs`. The key makes the owner apply it once, whichever owner that is.
 */
export class RemoteTenant implements TenantHandle {
  constructor(
    readonly tenantId: string,
    private readonly bus: EventBus,
    private readonly options: RemoteOptions = DEFAULTS,
  ) {}

  run<C extends Command>(command: C): Promise<ResultOf<C>> {
    return this.send({ kind: 'run', command, key: randomUUID() }) as Promise<ResultOf<C>>
  }

  ask<Q extends Query>(query: Q): Promise<AnswerOf<Q>> {
    return this.send({ kind: 'ask', query }) as Promise<AnswerOf<Q>>
  }

  private async send(request: Request): Promise<unknown> {
    const deadline = Date.now() + this.options.patienceMs
    for (let pause = 25; ; pause = Math.min(pause * 2, 250)) {
      try {
        return await this.bus.request(this.tenantId, SUBJECT, request, this.options.tryMs)
      } catch (e) {
        const retry = e instanceof NoResponder || e instanceof BusTimeout || isMoved(e)
        if (!retry) throw asDomain(e)
        if (Date.now() + pause > deadline)
          throw new DomainError(
            'SERVICE_NOT_RUNNING',
            `no node runs tenant ${this.tenantId} now (it is changing hands); retry shortly`,
          )
        await new Promise((r) => setTimeout(r, pause))
      }
    }
  }
}

/** The owner stopped or lost the tenant before applying the command: another owner will. */
const isMoved = (e: unknown): boolean => e instanceof RemoteError && e.code === 'SERVICE_NOT_RUNNING'

/** A domain error on the owner is the same domain error here: each dialect maps it as usual. */
export function asDomain(e: unknown): unknown {
  if (!(e instanceof RemoteError)) return e
  const details = Array.isArray(e.details) ? (e.details as string[]) : undefined
  return new DomainError(e.code as ErrorCode, e.message, details)
}
