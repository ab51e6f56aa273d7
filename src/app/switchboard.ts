import { SoftphoneCredentials } from './softphone-credentials.js'
import { randomBytes } from 'node:crypto'
import type { TenantDoc } from '../config/document.js'
import { DomainError } from '../core/errors.js'
import type { Role } from '../core/tenant-config.js'
import type { Credential } from './auth.js'
import type { SignedTokens } from './auth.js'
import { TokenSigner, verifyPassword } from './auth.js'
import { sealTenant } from './config-service.js'
import { changedObjects, fileHash, sameConfig } from '../config/file-changes.js'
import { EventFeed } from './event-feed.js'
import { Presence } from './presence.js'
import { TypingBoard } from './typing.js'
import { TenantActions } from './tenant-actions.js'
import type { Lease } from './cluster-ports.js'
import type { NodeHoldings } from './node-holdings.js'
import type { Survey } from './node-survey.js'
import { alone } from './node-survey.js'
import type { ClusterDeps } from './cluster-node.js'
import { ClusterNode } from './cluster-node.js'
import type { TenantHandle } from './remote-tenant.js'
import type { EntryPointStatus } from '../core/availability.js'
import type { AgentWatchStore, ConfigStore, ContactQueries, StoredConfig } from './ports.js'
import type { RuntimeDeps } from './tenant-runtime.js'
import { TenantRuntime } from './tenant-runtime.js'

export interface SwitchboardDeps extends Omit<RuntimeDeps, 'feed'> {
  readonly configs: ConfigStore
  readonly queries: ContactQueries
  /** Without it, agents are watched only once their client attaches after a start. */
  readonly watches?: AgentWatchStore
  /** A tenant's configuration changed (what follows from it, a push just turned on, runs soon). */
  readonly onConfigured?: (tenantId: string) => void
  /** A node of a cluster: it runs the tenants it holds a lease on (docs/scaling.md). */
  readonly cluster?: ClusterDeps
}

/** What starting with a configuration file did to one tenant. */
export interface FileApplied {
  readonly tenantId: string
  /** False: the file is the one last applied, and the stored configuration stands. */
  readonly applied: boolean
  /** Objects the admin API changed since the last file, now set back by this one. */
  readonly overridden: readonly string[]
}

const USER_TOKEN_MS = 12 * 3600_000
const CUSTOMER_TOKEN_MS = 24 * 3600_000

export interface LoginResult {
  readonly token: string
  readonly expiresAt: number
  readonly user: {
    readonly id: string
    readonly role: Role
    readonly agentId?: string
    readonly tenantId: string
  }
}

/** The tenants of this server: their configuration, their routers, and who may act in them. */
export class Switchboard {
  readonly feed: EventFeed
  private readonly runtimes = new Map<string, TenantRuntime>()
  private readonly stored = new Map<string, StoredConfig>()
  private signer: TokenSigner | undefined
  /** This server as a node of a cluster; undefined on a single server. */
  private readonly node: ClusterNode | undefined
  private defaultTenant: string | undefined
  private readonly routerStarted = new Set<(tenantId: string) => void>()

  readonly queries: SwitchboardDeps['queries']

  readonly presence: Presence
  readonly typing: TypingBoard
  /** What every dialect does the same way: post a message, start a chat, set a state. */
  readonly actions: TenantActions

  now(): number {
    return this.deps.clock.now()
  }

  constructor(private readonly deps: SwitchboardDeps) {
    this.feed = new EventFeed(deps.queries)
    this.typing = new TypingBoard(this.feed)
    this.actions = new TenantActions(this)
    this.node = deps.cluster
      ? new ClusterNode(deps.cluster, {
          feed: this.feed,
          typing: this.typing,
          presence: () => this.presence,
          clock: deps.clock,
          scheduler: deps.scheduler,
          tenants: () => [...this.stored.keys()],
          startRouter: (tenantId, extra) => this.startRouter(tenantId, extra),
          stopRouter: (tenantId) => this.stopRouter(tenantId),
          reload: (tenantId, version) => this.reload(tenantId, version),
        })
      : undefined
    this.queries = deps.queries
    this.presence = new Presence(
      (tenantId) => (this.node || this.runtimes.get(tenantId)?.running ? this.tenant(tenantId) : undefined),
      deps.clock,
      deps.scheduler,
      (tenantId) => {
        const p = this.stored.get(tenantId)?.config.presence
        return p
          ? { notReadyAfterMs: p.notReadyAfterSeconds * 1000, logoutAfterMs: p.logoutAfterSeconds * 1000 }
          : null
      },
      deps.watches,
    )
  }

  /**
   * Applies the tenant documents of the configuration file, each only when it differs from the
   * file last applied to its tenant, then starts every stored tenant.
   */
  async start(docs: readonly TenantDoc[] = []): Promise<FileApplied[]> {
    this.signer = new TokenSigner(
      await this.deps.configs.secret('token-signing', () => randomBytes(32).toString('base64url')),
    )
    for (const s of await this.deps.configs.list()) this.stored.set(s.config.id, s)
    const applied: FileApplied[] = []
    for (const doc of docs) applied.push(await this.applyFile(doc))
    // Stable across restarts: the file's first tenant, else the first stored one by id.
    this.defaultTenant = docs[0]?.id ?? [...this.stored.keys()].sort()[0]
    if (this.node) {
      await this.node.start()
      return applied
    }
    for (const s of this.stored.values()) if (!this.runtimes.has(s.config.id)) await this.startRuntime(s)
    // Every stream was lost with the previous process: liveness timers run from this start.
    for (const id of this.runtimes.keys()) await this.presence.resume(id)
    return applied
  }

  /** A cluster node took the tenant: its router starts here, with the node's additions. */
  private async startRouter(
    tenantId: string,
    extra: Pick<RuntimeDeps, 'feed' | 'fence' | 'onFenced'>,
  ): Promise<TenantRuntime> {
    const stored = this.stored.get(tenantId) ?? (await this.deps.configs.get(tenantId))
    if (!stored) throw new DomainError('TENANT_NOT_FOUND', `no tenant ${tenantId}`)
    this.stored.set(tenantId, stored)
    const runtime = await TenantRuntime.start(stored.config, { ...this.deps, ...extra })
    this.runtimes.set(tenantId, runtime)
    await this.presence.resume(tenantId)
    for (const started of this.routerStarted) started(tenantId)
    return runtime
  }

  /** A cluster node took a tenant and started its router here (not called on a single server). */
  onRouterStarted(started: (tenantId: string) => void): () => void {
    this.routerStarted.add(started)
    return () => void this.routerStarted.delete(started)
  }

  /** The tenant left this node: what its router accepted is stored before it stops. */
  private async stopRouter(tenantId: string): Promise<void> {
    const runtime = this.runtimes.get(tenantId)
    this.runtimes.delete(tenantId)
    await runtime?.stop()
  }

  /**
   * What a channel tells the other nodes of a cluster, and hears from them; undefined on a single
   * server (nobody to tell).
   */
  broadcast<T>(subject: string, heard: (message: T) => void): ((message: T) => void) | undefined {
    return this.node?.broadcast(subject, heard)
  }

  /** What the other nodes of a cluster hold of a kind (calls, say); undefined on a single server. */
  holdings(subject: string, orphaned: (tenantId: string, id: string) => void): NodeHoldings | undefined {
    return this.node?.holdings(subject, orphaned)
  }

  /**
   * A question every node of a cluster answers for what it alone holds (its calls, say); on a
   * single server only this one answers.
   */
  survey<Q, A>(subject: string, answer: (question: Q) => Promise<A>): Survey<Q, A> {
    return this.node?.survey(subject, answer) ?? alone(answer)
  }

  /** A node of a cluster (not a single server). */
  get clustered(): boolean {
    return this.node !== undefined
  }

  /** The nodes of the cluster that are alive, this one included: 1 on a single server. */
  liveNodes(): number {
    return this.node?.liveNodes() ?? 1
  }

  /** The leases this node holds (a cluster node); empty on a single node. */
  leases(): Lease[] {
    return this.node?.leases() ?? []
  }

  /**
   * A tenant of the configuration file. An unchanged file never undoes what the admin API changed
   * since it was applied; a changed one wins, and says which of those changes it overrides.
   */
  private async applyFile(doc: TenantDoc): Promise<FileApplied> {
    const hash = fileHash(doc)
    const current = this.stored.get(doc.id)
    if (current?.file?.hash === hash) return { tenantId: doc.id, applied: false, overridden: [] }
    const next = await this.applyDocument(doc, undefined, hash)
    if (!current) return { tenantId: doc.id, applied: true, overridden: [] }
    // Before the file was remembered, any difference may be an admin's change.
    const byAdmin = new Set(current.file ? changedObjects(current.file.config, current.config) : null)
    const overridden = changedObjects(current.config, next.config).filter(
      (name) => !current.file || byAdmin.has(name),
    )
    return { tenantId: doc.id, applied: true, overridden }
  }

  private async startRuntime(s: StoredConfig): Promise<void> {
    const existing = this.runtimes.get(s.config.id)
    // A cluster node runs only the tenants it holds; the others start where they are held.
    if (this.node && !existing) return
    const runtime = existing
      ? await existing.reconfigure(s.config)
      : await TenantRuntime.start(s.config, { ...this.deps, feed: this.feed })
    this.runtimes.set(s.config.id, runtime)
    this.node?.serve(runtime)
  }

  /**
   * Validated document in; saved (when it changed) and live. Returns the stored version.
   * `fromFile`: the hash of the configuration file it comes from.
   */
  async applyDocument(doc: TenantDoc, expectedVersion?: number, fromFile?: string): Promise<StoredConfig> {
    const current = this.stored.get(doc.id) ?? (await this.deps.configs.get(doc.id))
    if (expectedVersion !== undefined && (current?.version ?? 0) !== expectedVersion) {
      throw new DomainError(
        'CONFLICT',
        `configuration of ${doc.id} is at version ${current?.version ?? 0}, not ${expectedVersion}`,
      )
    }
    const sealed = await sealTenant(doc, current?.config)
    const file = fromFile === undefined ? (current?.file ?? null) : { hash: fromFile, config: sealed.config }
    if (current && sameConfig(current.config, sealed.config) && file?.hash === current.file?.hash) {
      if (!this.runtimes.has(doc.id)) await this.startRuntime(current)
      return current
    }
    const version = await this.deps.configs.save(
      sealed.config,
      sealed.demoUsers,
      current?.version ?? 0,
      fromFile,
    )
    const next: StoredConfig = { config: sealed.config, version, demoUsers: sealed.demoUsers, file }
    this.stored.set(doc.id, next)
    await this.startRuntime(next)
    this.deps.onConfigured?.(doc.id)
    this.node?.configured(doc.id, version)
    return next
  }

  /**
   * Another node stored this version of the tenant's configuration: it is in force here too (a
   * router this node runs is reconfigured), and a new tenant finds its owner in the next round.
   */
  private async reload(tenantId: string, version: number): Promise<void> {
    if ((this.stored.get(tenantId)?.version ?? 0) >= version) return
    try {
      const s = await this.deps.configs.get(tenantId)
      if (!s || (this.stored.get(tenantId)?.version ?? 0) >= s.version) return
      this.stored.set(tenantId, s)
      if (this.runtimes.has(tenantId)) await this.startRuntime(s)
      this.deps.onConfigured?.(tenantId)
      this.node?.round()
    } catch (e) {
      this.deps.cluster?.onError?.(e, tenantId)
    }
  }

  storedConfig(tenantId: string): StoredConfig {
    const s = this.stored.get(tenantId)
    if (!s) throw new DomainError('TENANT_NOT_FOUND', `no tenant ${tenantId}`)
    return s
  }

  runtime(tenantId: string): TenantRuntime {
    const r = this.runtimes.get(tenantId)
    if (!r?.running)
      throw new DomainError('SERVICE_NOT_RUNNING', `the router of tenant ${tenantId} is not running`)
    return r
  }

  /**
   * The tenant's router as a route uses it: this node's when it runs here, else the owner's on
   * another node (a cluster), reached over the bus.
   */
  tenant(tenantId: string): TenantHandle {
    const local = this.runtimes.get(tenantId)
    if (local?.running) return local
    if (!this.node || !this.stored.has(tenantId)) return this.runtime(tenantId)
    return this.node.remote(tenantId)
  }

  /**
   * An entry point's status from memory: this node's router's, or (a cluster node) what the
   * tenant's owner last said, at most a second old. Undefined: no router runs the tenant now.
   */
  entryPointStatus(tenantId: string, entryPointId: string): EntryPointStatus | undefined {
    const local = this.runtimes.get(tenantId)
    if (local?.running) return local.entryPointStatus(entryPointId)
    return this.node?.status(tenantId, entryPointId)
  }

  isRunning(tenantId: string): boolean {
    return this.runtimes.get(tenantId)?.running === true
  }

  /** Where the tenant's router runs, as the readiness check reports it. */
  routerState(tenantId: string): 'running' | 'running_elsewhere' | 'service_not_running' {
    if (this.isRunning(tenantId)) return 'running'
    return this.node?.runsElsewhere(tenantId) ? 'running_elsewhere' : 'service_not_running'
  }

  /**
   * An agent's display name for customers; null when unknown. From the configuration, which every
   * node has (a cluster node runs few of the routers whose chats it serves).
   */
  agentName(tenantId: string, agentId: string | null): string | null {
    if (agentId === null) return null
    return this.stored.get(tenantId)?.config.agents.find((a) => a.id === agentId)?.name ?? null
  }

  /** The tenant whose configuration satisfies `test` (an app key names its tenant, say). */
  findTenant(test: (config: StoredConfig['config']) => boolean): string | undefined {
    for (const s of this.stored.values()) if (test(s.config)) return s.config.id
    return undefined
  }

  /** Digest credentials for browsers' softphones, made from agents' logins (nothing stored). */
  softphones(): SoftphoneCredentials {
    return (this.softphoneKeys ??= new SoftphoneCredentials(this.tokensFor('softphone')))
  }
  private softphoneKeys: SoftphoneCredentials | undefined

  /** Signed tokens of a dialect's own, under a key derived for that purpose. */
  tokensFor<T extends { readonly exp: number }>(purpose: string): SignedTokens<T> {
    return this.tokens().derive<T>(purpose)
  }

  tenantIds(): string[] {
    return [...this.stored.keys()]
  }

  /** Whether the tenant's background work (reports) is this server's: always on a single server. */
  runsHere(tenantId: string): boolean {
    return this.node ? this.node.owns(tenantId) : this.stored.has(tenantId)
  }

  /** The tenants whose background work is this server's. */
  localTenantIds(): string[] {
    return this.tenantIds().filter((t) => this.runsHere(t))
  }

  hasTenant(tenantId: string): boolean {
    return this.stored.has(tenantId)
  }

  /** Public routes without a credential or X-Tenant act for this tenant. */
  defaultTenantId(): string | undefined {
    return this.defaultTenant
  }

  demoUsers(): string[] {
    return [...this.stored.values()].flatMap((s) => s.demoUsers.map((u) => `${s.config.id}/${u}`))
  }

  async login(tenantId: string | undefined, username: string, password: string): Promise<LoginResult> {
    const tid = tenantId ?? this.defaultTenantId()
    const user =
      tid === undefined ? undefined : this.stored.get(tid)?.config.users.find((u) => u.username === username)
    // Verify even for unknown users so response time does not reveal which usernames exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH)
    if (!user || !ok || tid === undefined)
      throw new DomainError('UNAUTHENTICATED', 'wrong username or password')
    const expiresAt = this.deps.clock.now() + USER_TOKEN_MS
    const credential: Credential = {
      kind: 'user',
      tenantId: tid,
      username,
      role: user.role,
      agentId: user.agentId,
      exp: expiresAt,
    }
    return {
      token: this.tokens().sign(credential),
      expiresAt,
      user: {
        id: username,
        role: user.role,
        tenantId: tid,
        ...(user.agentId ? { agentId: user.agentId } : {}),
      },
    }
  }

  customerToken(tenantId: string, contactId: string): string {
    return this.tokens().sign({
      kind: 'customer',
      tenantId,
      contactId,
      exp: this.deps.clock.now() + CUSTOMER_TOKEN_MS,
    })
  }

  verify(token: string): Credential | undefined {
    return this.tokens().verify(token, this.deps.clock.now())
  }

  private tokens(): TokenSigner {
    if (!this.signer) throw new DomainError('SERVICE_NOT_RUNNING', 'the server is starting')
    return this.signer
  }

  async stop(): Promise<void> {
    await this.node?.stop()
    await Promise.all([...this.runtimes.values()].map((r) => r.stop()))
  }
}

// A valid hash of a random password: login spends the same time whether or not the user exists.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
