import type { PhoneBinding, PhoneBindingStore } from '../../app/voice-ports.js'
import { BindingWriter } from './binding-writer.js'
import type { DigestAuthenticator } from './sip/digest.js'
import { digestHa1 } from './sip/digest.js'
import type { SipRequest } from './sip/message.js'
import { formatNameAddr, parseNameAddr } from './sip/name-addr.js'
import type { ServerTransaction } from './sip/transactions.js'
import { endpointKey, isWebSocket } from './sip/transport.js'
import { responseTo } from './sip/transactions.js'
import type { VoiceDirectory } from './directory.js'

export interface RegistrarDeps {
  readonly directory: () => VoiceDirectory
  readonly auth: (realm: string) => DigestAuthenticator
  readonly store: PhoneBindingStore
  readonly now: () => number
  /** A phone's reachability changed: its agent's voice channel becomes (un)routable. */
  readonly onReachable: (tenantId: string, agentId: string, reachable: boolean) => void
  readonly onError: (e: unknown) => void
  /**
   * The password of a softphone's user name (made from its agent's login) for this extension, or
   * undefined when the name is not one.
   */
  readonly softphonePassword?: (tenantId: string, extension: string, username: string) => string | undefined
  /** How long a binding waits for others to be stored with it (group commit); none by default. */
  readonly storeLingerMs?: number
  /**
   * A browser registered again from a new WebSocket with the Contact it had on an earlier one:
   * what went to the old connection (its calls' requests) goes to the new one.
   */
  readonly flowMoved?: (from: PhoneBinding['source'], to: PhoneBinding['source']) => void
  /** A cluster node tells the others each extension's bindings as they change here. */
  readonly share?: (news: BindingNews) => void
  /**
   * This node's SIP `host:port`, on a cluster node: a phone only this node can reach (on its TCP
   * or TLS connection, or behind a NAT, its Contact not where it registered from) is bound with
   * it, and the other nodes ring the phone through this one.
   */
  readonly edge?: string
}

/** An extension's bindings now, as the node that changed them says it to the others. */
export interface BindingNews {
  readonly tenantId: string
  readonly extension: string
  readonly bindings: readonly PhoneBinding[]
}

const DEFAULT_EXPIRES = 3600
/** How long a browser that lost its WebSocket has to come back and keep its calls' dialogs. */
const FLOW_COMES_BACK_MS = 120_000

/**
 * RFC 3261 §10.3: extensions register with digest credentials (the number is the user name);
 * bindings expire unless refreshed and survive a restart in the store. An extension is
 * reachable while it has at least one binding; calls go to the newest.
 */
export class Registrar {
  private readonly bindings = new Map<string, PhoneBinding[]>()
  /** Extensions whose phones registered through this node (the others' are known from the bus). */
  private readonly registeredHere = new Set<string>()
  /** Contacts of browsers whose WebSocket closed lately, and where it was: they may come back. */
  private readonly closedFlows = new Map<string, { source: PhoneBinding['source']; at: number }>()
  private sweep: NodeJS.Timeout | undefined
  private readonly writer: BindingWriter

  constructor(private readonly deps: RegistrarDeps) {
    this.writer = new BindingWriter(deps.store, deps.onError, deps.storeLingerMs)
  }

  /** Loads the stored bindings and starts expiring them. */
  async start(): Promise<void> {
    const stored = await this.deps.store.live(this.deps.now())
    // A browser's WebSocket to this server did not outlive it: the browser registers anew.
    const dead = stored.filter(
      (b) => isWebSocket(b.source.transport) && (b.edge ?? this.deps.edge) === this.deps.edge,
    )
    for (const b of stored) if (!dead.includes(b)) this.put(b)
    void this.writer.write(
      dead.map((b) => ({
        kind: 'remove' as const,
        tenantId: b.tenantId,
        extension: b.extension,
        contact: b.contact,
      })),
    )
    for (const [key, list] of this.bindings) if (list.length > 0) this.announce(key, true)
    this.sweep = setInterval(() => this.expire(), 1000)
    this.sweep.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.sweep)
    // Nothing is written after the database closes.
    await this.writer.drain()
  }

  /**
   * The binding a call to this extension should ring: the phone of highest preference (its q; a
   * phone that gives none is in the middle, 0.5), and of those the most recent registration.
   */
  binding(tenantId: string, extension: string): PhoneBinding | undefined {
    let best: PhoneBinding | undefined
    for (const b of this.bindings.get(keyOf(tenantId, extension)) ?? [])
      if (!best || preference(b) >= preference(best)) best = b
    return best
  }

  all(tenantId: string): PhoneBinding[] {
    return [...this.bindings.values()].flat().filter((b) => b.tenantId === tenantId)
  }

  /**
   * The bindings of phones that registered through this node: the ones it keeps an eye on (a
   * single server: every binding, those it stored before a restart too).
   */
  here(tenantId: string): PhoneBinding[] {
    if (!this.deps.share) return this.all(tenantId)
    return this.all(tenantId).filter((b) => this.registeredHere.has(keyOf(b.tenantId, b.extension)))
  }

  /**
   * A browser's WebSocket closed (RFC 7118 §6): its bindings are unusable at once (nobody can
   * open it again but the browser), so its agent is not rung on a softphone that is gone.
   */
  flowClosed(flow: PhoneBinding['source']): void {
    const same = (b: PhoneBinding) =>
      b.source.transport === flow.transport && b.source.host === flow.host && b.source.port === flow.port
    const now = this.deps.now()
    for (const [contact, c] of this.closedFlows)
      if (c.at < now - FLOW_COMES_BACK_MS) this.closedFlows.delete(contact)
    for (const [key, list] of [...this.bindings]) {
      for (const b of list.filter(same)) this.closedFlows.set(b.contact, { source: b.source, at: now })
      if (!list.some(same) || !this.registeredHere.has(key)) continue
      const [tenantId, extension] = splitKey(key)
      void this.replace(
        key,
        list.filter((b) => !same(b)),
        tenantId,
        extension,
      )
    }
  }

  /** Another node changed an extension's bindings (and stored them): calls here ring them too. */
  heard(news: BindingNews): void {
    const key = keyOf(news.tenantId, news.extension)
    const before = this.bindings.get(key) ?? []
    this.registeredHere.delete(key)
    if (news.bindings.length > 0) this.bindings.set(key, [...news.bindings])
    else this.bindings.delete(key)
    if (before.length > 0 !== news.bindings.length > 0) this.announce(key, news.bindings.length > 0)
  }

  handle(req: SipRequest, tx: ServerTransaction): void {
    const now = this.deps.now()
    const to = parseNameAddr(req.headers.get('to') ?? '').uri
    const tenant = this.deps.directory().forDomain(to.host)
    const extension =
      tenant && to.user !== null ? this.deps.directory().extension(tenant.tenantId, to.user) : undefined
    if (!tenant || !extension) return void tx.reply(404, 'Not Found')
    const auth = this.deps.auth(tenant.voice.realm)
    const check = auth.check(req.headers.get('authorization'), 'REGISTER', now, (user) => {
      if (user === extension.number) return extension.ha1
      const password = this.deps.softphonePassword?.(tenant.tenantId, extension.number, user)
      return password === undefined ? undefined : digestHa1(user, tenant.voice.realm, password)
    })
    if (!check.ok)
      return void tx.reply(401, 'Unauthorized', {
        headers: { 'www-authenticate': auth.challenge(now, check.stale) },
      })

    const { min, max } = tenant.voice.registrationSeconds
    const key = keyOf(tenant.tenantId, extension.number)
    let stored: Promise<boolean>
    const contacts = req.headers.getAll('contact')
    const headerExpires = Number(req.headers.get('expires') ?? DEFAULT_EXPIRES)
    if (contacts.length === 1 && contacts[0] === '*') {
      if (headerExpires !== 0) return void tx.reply(400, 'Bad Request (Contact * needs Expires: 0)')
      stored = this.replace(key, [], tenant.tenantId, extension.number)
    } else {
      this.registeredHere.add(key)
      const list = [...(this.bindings.get(key) ?? [])]
      for (const c of contacts) {
        const contact = parseNameAddr(c)
        const uri = formatNameAddr({ display: null, uri: contact.uri, params: {} }).slice(1, -1)
        const asked = Number(contact.params.expires ?? headerExpires)
        if (!Number.isFinite(asked) || asked < 0) return void tx.reply(400, 'Bad Request (expires)')
        const q = contact.params.q === undefined ? undefined : qValue(contact.params.q)
        if (q === null) return void tx.reply(400, 'Bad Request (q must be from 0 to 1)')
        const i = list.findIndex((b) => b.contact === uri)
        const was = list[i]?.source ?? this.closedFlows.get(uri)?.source
        this.closedFlows.delete(uri)
        if (was && isWebSocket(tx.source.transport) && endpointKey(was) !== endpointKey(tx.source))
          this.deps.flowMoved?.(was, tx.source)
        if (i >= 0) list.splice(i, 1)
        if (asked === 0) continue
        if (asked < min)
          return void tx.reply(423, 'Interval Too Brief', {
            headers: { 'min-expires': String(min) },
          })
        list.push({
          tenantId: tenant.tenantId,
          extension: extension.number,
          contact: uri,
          source: tx.source,
          expiresAt: now + Math.min(asked, max) * 1000,
          userAgent: req.headers.get('user-agent') ?? null,
          registeredAt: now,
          ...(this.deps.edge && onlyThrough(tx.source, contact.uri) ? { edge: this.deps.edge } : {}),
          ...(q === undefined ? {} : { q }),
        })
      }
      stored = this.replace(key, list, tenant.tenantId, extension.number)
    }
    const current = this.bindings.get(key) ?? []
    const ok = responseTo(tx.request, 200, 'OK', {
      headers: {
        contact: current.map(
          (b) =>
            `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}` +
            (b.q === undefined ? '' : `;q=${b.q}`),
        ),
        date: new Date(now).toUTCString(),
      },
    })
    // Acknowledged once stored: a binding the phone was told of survives a restart. A phone told
    // 500 registers again; meanwhile its calls reach it from memory.
    void stored.then((done) =>
      done
        ? tx.respond(ok)
        : tx.reply(500, 'Server Internal Error (the binding could not be stored)', {
            headers: { 'retry-after': '5' },
          }),
    )
  }

  /** Resolves true once what changed is stored (false when storing failed, which is logged). */
  private replace(key: string, list: PhoneBinding[], tenantId: string, extension: string): Promise<boolean> {
    const before = this.bindings.get(key) ?? []
    if (list.length > 0) this.bindings.set(key, list)
    else this.bindings.delete(key)
    this.deps.share?.({ tenantId, extension, bindings: list })
    const kept = new Set(list.map((b) => b.contact))
    const written = this.writer.write([
      ...before
        .filter((b) => !kept.has(b.contact))
        .map((b) => ({ kind: 'remove' as const, tenantId, extension, contact: b.contact })),
      ...list.map((binding) => ({ kind: 'save' as const, binding })),
    ])
    if (before.length > 0 !== list.length > 0) this.announce(key, list.length > 0)
    return written
  }

  private put(b: PhoneBinding): void {
    const key = keyOf(b.tenantId, b.extension)
    // Another node may have told of it already (a cluster node hears before it loads the store).
    const others = (this.bindings.get(key) ?? []).filter((x) => x.contact !== b.contact)
    this.bindings.set(key, [...others, b])
  }

  private expire(): void {
    const now = this.deps.now()
    for (const [key, list] of [...this.bindings]) {
      const live = list.filter((b) => b.expiresAt > now)
      if (live.length === list.length) continue
      const [tenantId, extension] = splitKey(key)
      // Nobody waits for an expiry's answer; a failed write is logged by replace.
      void this.replace(key, live, tenantId, extension)
    }
  }

  private announce(key: string, reachable: boolean): void {
    const [tenantId, extension] = splitKey(key)
    const x = this.deps.directory().extension(tenantId, extension)
    if (x) this.deps.onReachable(tenantId, x.agentId, reachable)
  }
}

/** RFC 3261 §20.10: a phone that says nothing of its preference is taken as in the middle. */
const UNSAID_Q = 0.5
const preference = (b: PhoneBinding): number => b.q ?? UNSAID_Q

/** A Contact's q (RFC 3261 §25.1 qvalue: 0 to 1, at most three decimals); null when not one. */
function qValue(text: string | null): number | null {
  if (text === null || !/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(text)) return null
  return Number(text)
}

const keyOf = (tenantId: string, extension: string): string => `${tenantId}\u0000${extension}`
const splitKey = (key: string): [string, string] => key.split('\u0000') as [string, string]

/** A phone on a connection, or behind a NAT (its Contact is not where it registered from). */
function onlyThrough(
  source: PhoneBinding['source'],
  contact: { host: string; port: number | null },
): boolean {
  return source.transport !== 'UDP' || contact.host !== source.host || (contact.port ?? 5060) !== source.port
}
