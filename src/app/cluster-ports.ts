// The two seams a cluster of nodes needs (ARCHITECTURE.md §5): a bus between nodes and the
// ownership of each tenant's router. Each has an in-process adapter (one node, the embedded
// default) and a networked one; test/contract holds the suite every adapter passes.

/** The tenant id of messages between nodes that are of no one tenant (heartbeats, calls held). */
export const CLUSTER_WIDE = ''

/** A message on the bus, as a subscriber gets it. */
export interface BusMessage {
  readonly tenantId: string
  readonly subject: string
  readonly payload: unknown
}

/**
 * Messages between nodes, per tenant and per subject. Every subscriber of a tenant's subject,
 * on every node, gets each message published there, in the order one publisher sent them.
 * Request and reply carry commands to the node that owns a tenant.
 */
export interface EventBus {
  /** Resolves once the bus has taken the message (not once subscribers got it). */
  publish(tenantId: string, subject: string, payload: unknown): Promise<void>
  /** `tenantId` '*' hears every tenant. Returns the unsubscribe. */
  subscribe(tenantId: string, subject: string, handler: (message: BusMessage) => void): () => void
  /**
   * Sends a request to the one responder of the tenant's subject and resolves with its answer;
   * rejects with NoResponder when nobody serves it, BusTimeout after `timeoutMs`.
   */
  request(tenantId: string, subject: string, payload: unknown, timeoutMs: number): Promise<unknown>
  /**
   * Answers requests on the tenant's subject. A thrown error goes back to the requester as
   * RemoteError with the same code and message. Returns the stop function.
   */
  respond(tenantId: string, subject: string, answer: (payload: unknown) => Promise<unknown>): () => void
  /** Resolves once every subscription made and message sent so far has reached the bus. */
  flush(): Promise<void>
  close(): Promise<void>
}

/** Nobody answers requests on the subject (no node owns the tenant right now). */
export class NoResponder extends Error {
  constructor(
    readonly tenantId: string,
    readonly subject: string,
  ) {
    super(`no node answers ${subject} for tenant ${tenantId}`)
  }
}

/** The responder did not answer in time (it may still apply the request: send it again by key). */
export class BusTimeout extends Error {
  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
  ) {
    super(`no answer to ${subject} within ${timeoutMs} ms`)
  }
}

/** An error thrown by the responder, carried back as data. */
export class RemoteError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
  }
}

/** One node's hold on a tenant: valid until `expiresAt` (the store's clock), fenced by `epoch`. */
export interface Lease {
  readonly tenantId: string
  readonly owner: string
  /** Grows by one each time the tenant changes hands: the fencing token of every write. */
  readonly epoch: number
  readonly expiresAt: number
}

/**
 * Which node owns each tenant's router. At most one lease per tenant is valid at a time; a node
 * that lost its lease (expired and taken) learns it on its next renew, and its writes carrying
 * the old epoch are refused by the store.
 */
export interface TenantOwnership {
  /** Takes the tenant when it is free, expired or already this node's (a new epoch); else null. */
  acquire(tenantId: string, owner: string, leaseMs: number): Promise<Lease | null>
  /** Extends a lease still held (same epoch); null when it was lost. */
  renew(lease: Lease, leaseMs: number): Promise<Lease | null>
  /** Gives the tenant up at once, so another node need not wait for the lease to expire. */
  release(lease: Lease): Promise<void>
  /** The lease in force, or null when none is (never taken, released or expired). */
  holder(tenantId: string): Promise<Lease | null>
  /** Every lease in force: how tenants spread over the nodes. */
  holders(): Promise<Lease[]>
}

/** A write carried an epoch that is no longer the tenant's: this node lost the tenant. */
export class FencedOut extends Error {
  constructor(
    readonly tenantId: string,
    readonly epoch: number,
  ) {
    super(`tenant ${tenantId} has a newer owner than epoch ${epoch}: this node no longer writes for it`)
  }
}
