import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { existsSync, readFileSync } from 'node:fs'
import { sql } from 'kysely'
import pino from 'pino'
import { migrateToLatest } from './adapters/storage/migrations.js'
import type { OpenedDatabase } from './adapters/storage/opened-database.js'
import { openPgliteWorker } from './adapters/storage/pglite/open-pglite-worker.js'
import { openPostgres } from './adapters/storage/postgres/open-postgres.js'
import type { PostgresHold } from './adapters/storage/postgres/hold-postgres.js'
import { holdPostgres } from './adapters/storage/postgres/hold-postgres.js'
import { DatabaseHeld } from './adapters/storage/database-held.js'
import { NatsBus } from './adapters/cluster/nats-bus.js'
import { SqlOwnership } from './adapters/storage/sql-ownership.js'
import { SqlConfigStore } from './adapters/storage/sql-config-store.js'
import { SqlContactQueries } from './adapters/storage/sql-contact-queries.js'
import { SqlRoutingStore } from './adapters/storage/sql-routing-store.js'
import { SqlSurveyStore } from './adapters/storage/sql-survey-store.js'
import { systemClock, timerScheduler } from './adapters/time/system-clock.js'
import { Metrics } from './api/http/metrics.js'
import { ChatFiles } from './app/chat-files.js'
import { AiccSessions } from './app/aicc-sessions.js'
import { SqlAiccSessionStore } from './adapters/storage/sql-aicc-session-store.js'
import { SqlAttachmentStore } from './adapters/storage/sql-attachment-store.js'
import { SqlOutboxStore } from './adapters/storage/sql-outbox-store.js'
import { httpSender } from './adapters/http/http-sender.js'
import { OutboxDispatcher } from './app/outbox-dispatcher.js'
import { SqlReportStore } from './adapters/storage/sql-report-store.js'
import { Reporting } from './reporting/reporting.js'
import { deliveryHandlers, outboxItems, reportOutboxItems } from './deliveries.js'
import { CxoneMonitor } from './api/cxone/monitor.js'
import { CxoneSessions } from './api/cxone/session.js'
import { buildHttpServer } from './api/http/server.js'
import type { Clock } from './app/ports.js'
import { Switchboard } from './app/switchboard.js'
import { parseConfigFile } from './config/parse.js'
import { PbxPush } from './api/pbx/push.js'
import { SqlAgentWatchStore } from './adapters/storage/sql-agent-watch-store.js'
import { SqlBlockedNumberStore } from './adapters/storage/sql-blocked-number-store.js'
import type { RunningVoice, VoiceOptions } from './voice-wiring.js'
import { startVoice } from './voice-wiring.js'

export interface ServerOptions {
  readonly port: number
  readonly host: string
  /** PGlite data directory; ignored when databaseUrl is set. Undefined: in memory (tests). */
  readonly dataDir: string | undefined
  readonly databaseUrl: string | undefined
  readonly configFile: string | undefined
  readonly logLevel: string
  readonly clock?: Clock
  /** Exit on SIGTERM/SIGINT after a graceful stop (the CLI); tests stop explicitly. */
  readonly handleSignals?: boolean
  /**
   * HTTPS (and WSS for SIP over WebSocket) with these PEM files: browsers give a microphone only
   * to secure pages, localhost aside. Unset: plain HTTP.
   */
  readonly tls?: { readonly certFile: string; readonly keyFile: string }
  /** SIP and media; undefined: no voice channel (chat only). */
  readonly voice?: Omit<VoiceOptions, 'dataDir'>
  /** A node of a cluster (with databaseUrl): tenants spread over the nodes (docs/scaling.md). */
  readonly cluster?: { readonly natsUrl: string; readonly nodeId?: string; readonly leaseMs: number }
}

export interface RunningServer {
  readonly url: string
  readonly sb: Switchboard
  readonly metrics: Metrics
  readonly voice: RunningVoice | undefined
  stop(): Promise<void>
  /** What `stop` is doing now: where a stop that hangs is stuck. */
  readonly stopping: string | undefined
}

const VERSION = '0.1.0'

/** The server did not start, and has logged why (one line): nothing more to print. */
export class StartRefused extends Error {}

/** The project directory (holding package.json): from src/ under tsx, from dist/src/ when built. */
function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir)
  return dir
}

/** The composition root: the one place that picks the database, the clock and the transports. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const logger = pino({ level: opts.logLevel, base: { service: 'switchboard' } })
  const clock = opts.clock ?? systemClock
  const metrics = new Metrics()
  const onQuery = (): void => metrics.dbQueries.inc()

  // Read and validate the configuration before touching the database: a typo fails fast.
  const docs = opts.configFile
    ? parseConfigFile(readFileSync(opts.configFile, 'utf8'), opts.configFile).tenants
    : []
  const tls = opts.tls && { cert: readFileSync(opts.tls.certFile), key: readFileSync(opts.tls.keyFile) }

  let hold: PostgresHold | undefined
  let opened: OpenedDatabase
  if (opts.cluster && !opts.databaseUrl) throw new Error('a cluster node needs PostgreSQL (databaseUrl)')
  try {
    // A single server holds its database alone; cluster nodes share theirs, each tenant fenced.
    hold =
      opts.databaseUrl && !opts.cluster
        ? await holdPostgres(opts.databaseUrl, (err) =>
            logger.error({ err }, 'lost the connection that holds the database for this server'),
          )
        : undefined
    opened = opts.databaseUrl
      ? await openPostgres(opts.databaseUrl, onQuery)
      : await openPgliteWorker(opts.dataDir, onQuery)
  } catch (e) {
    await hold?.release()
    if (!(e instanceof DatabaseHeld)) throw e
    logger.fatal({ database: e.database, holder: e.holder }, e.message)
    throw new StartRefused(e.message, { cause: e })
  }
  logger.info(
    { storage: opened.kind, dataDir: opened.kind === 'pglite' ? (opts.dataDir ?? 'memory') : undefined },
    'storage opened',
  )
  if (opened.kind === 'pglite') {
    logger.info(
      'PGlite survives a process crash but does not fsync: use PostgreSQL (DATABASE_URL) when power-loss durability matters',
    )
  }
  const applied = await migrateToLatest(opened.db)
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated')
  await hold?.announce(opened.db)

  const scheduler = timerScheduler(clock)
  const nodeId = opts.cluster?.nodeId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`
  const configs = new SqlConfigStore(opened.db, () => clock.now())
  // The nodes of one database are one cluster: its name (made by the first node) keeps it apart
  // from another cluster on the same NATS server.
  const cluster = opts.cluster
    ? await configs.secret('cluster-name', () => randomUUID().replace(/-/g, '').slice(0, 16))
    : undefined
  const bus =
    opts.cluster && cluster ? await NatsBus.connect(opts.cluster.natsUrl, nodeId, cluster) : undefined
  if (opts.cluster)
    logger.info({ nodeId, cluster, nats: opts.cluster.natsUrl }, 'joined the cluster as a node')
  // Its handlers read the tenants' configuration from the switchboard, created just below.
  const outboxStore = new SqlOutboxStore(
    opened.db,
    // Long beyond a delivery's own timeout: a claim runs out only when its node is gone.
    bus ? { node: nodeId, claimMs: 60_000 } : undefined,
  )
  metrics.watchOutbox(
    () => outboxStore.stats(),
    () => clock.now(),
  )
  const reportStore = new SqlReportStore(opened.db)
  const sender = httpSender()
  const cxone = new CxoneSessions(sender, () => clock.now())
  const dispatcher: OutboxDispatcher = new OutboxDispatcher(
    outboxStore,
    clock,
    scheduler,
    deliveryHandlers(() => sb, sender, reportStore, cxone),
  )
  // Reports follow the switchboard's commits (and fold, when started, what came before).
  const reporting = new Reporting(
    () => sb,
    {
      store: reportStore,
      clock,
      outboxFor: reportOutboxItems(() => sb),
      onOutbox: () => dispatcher.kick(),
    },
    scheduler,
    clock,
    (tenantId, err) =>
      logger.error({ err, tenantId }, 'report projection failed; retried at the next commit'),
  )
  const sb = new Switchboard({
    configs,
    queries: new SqlContactQueries(opened.db),
    store: new SqlRoutingStore(opened.db),
    watches: new SqlAgentWatchStore(opened.db),
    clock,
    scheduler,
    newId: randomUUID,
    onBatch: (info) => {
      metrics.batch(info)
      reporting.committed(info.tenantId)
    },
    outboxFor: outboxItems,
    onOutbox: () => dispatcher.kick(),
    onConfigured: (tenantId) => reporting.committed(tenantId),
    onFailure: (err) => logger.error({ err }, 'router batch failed; rebuilt from storage'),
    ...(bus && opts.cluster
      ? {
          cluster: {
            nodeId,
            bus,
            ownership: new SqlOwnership(opened.db),
            leaseMs: opts.cluster.leaseMs,
            onError: (err: unknown, tenantId?: string) =>
              logger.error({ err, tenantId }, 'tenant placement failed; tried again next round'),
          },
        }
      : {}),
  })
  for (const f of await sb.start(docs)) {
    if (!f.applied)
      logger.info(
        { tenant: f.tenantId, configFile: opts.configFile },
        'configuration file unchanged since it was last applied: the stored configuration (with changes made through the admin API) stands',
      )
    else if (f.overridden.length > 0)
      logger.warn(
        { tenant: f.tenantId, configFile: opts.configFile, objects: f.overridden },
        `the changed configuration file overrides what the admin API changed since the last file: ${f.overridden.join(', ')}`,
      )
  }
  dispatcher.start()
  const cxoneMonitor = new CxoneMonitor(() => sb, cxone, clock, scheduler)
  cxoneMonitor.start()
  reporting.start()
  const demo = sb.demoUsers()
  if (demo.length > 0) logger.warn({ users: demo }, 'demo passwords are in use: change them before real use')
  const openPbx = sb.tenantIds().filter((id) => sb.storedConfig(id).config.pbx?.webKey === '')
  if (openPbx.length > 0)
    logger.warn(
      { tenants: openPbx },
      'THE PBX API (/coocenter-api) OF THESE TENANTS TAKES REQUESTS WITHOUT AUTHENTICATION: anyone who reaches this server can pause agents and hang up calls. Set pbx.webKey',
    )

  // Voice is one channel among others: if SIP cannot start (its port is taken), chat goes on.
  let voiceDown: string | undefined
  const voice = opts.voice
    ? await startVoice(
        sb,
        opened,
        { ...opts.voice, dataDir: opts.dataDir },
        logger.child({ channel: 'voice' }),
        randomUUID,
      ).catch((err: unknown) => {
        voiceDown = `SIP could not start on ${opts.voice?.sipHost}:${opts.voice?.sipPort}: ${err instanceof Error ? err.message : String(err)}`
        logger.error({ err }, `voice unavailable: ${voiceDown} (set SIP_PORT, or 0 to turn voice off)`)
        return undefined
      })
    : undefined

  // 004's pushed call events follow the voice channel's calls.
  const pbxPush =
    voice &&
    new PbxPush({
      sb,
      outbox: outboxStore,
      kick: () => dispatcher.kick(),
      telephony: voice.channel.telephony,
      log: logger,
    })
  if (voice && pbxPush) {
    voice.channel.observe(pbxPush)
    pbxPush.start()
  }

  const aicc = new AiccSessions(sb, new SqlAiccSessionStore(opened.db), clock, scheduler)
  const app = await buildHttpServer({
    sb,
    surveys: new SqlSurveyStore(opened.db),
    recordings: voice?.recordings,
    telephony: voice?.channel.telephony,
    blocked: new SqlBlockedNumberStore(opened.db),
    files: new ChatFiles(new SqlAttachmentStore(opened.db), clock),
    aicc,
    reports: reporting,
    outbox: { store: outboxStore, kick: () => dispatcher.kick() },
    cxone: cxoneMonitor,
    now: () => clock.now(),
    metrics,
    logger,
    version: VERSION,
    webRoot: path.join(projectRoot(), 'dist', 'web'),
    ...(tls ? { tls } : {}),
    ...(voice ? { sipWebSockets: voice.webSockets, clickToCall: voice.channel.clickToCall } : {}),
    readiness: {
      check: async () => {
        try {
          await sql`select 1`.execute(opened.db)
          return null
        } catch (e) {
          return `database unreachable: ${e instanceof Error ? e.message : String(e)}`
        }
      },
      components: () =>
        voice?.components() ??
        (voiceDown ? { voice: { status: 'unavailable', reason: voiceDown } } : { voice: { status: 'off' } }),
    },
  })
  await app.listen({ port: opts.port, host: opts.host })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : opts.port
  voice?.webSockets.servedOn(port)
  const url = `${tls ? 'https' : 'http'}://${opts.host === '0.0.0.0' ? 'localhost' : opts.host}:${port}`
  logger.info(
    { url, docs: `${url}/docs`, ...(voice ? { sipOverWebSocket: `${url.replace(/^http/, 'ws')}/sip` } : {}) },
    'switchboard listening',
  )

  let stopping: Promise<void> | undefined
  let phase: string | undefined
  // Each step of the shutdown, in order; `phase` names the one running.
  const steps: [string, () => unknown][] = [
    [
      'HTTP (in-flight requests and streams)',
      () => {
        sb.feed.releaseAll()
        return app.close()
      },
    ],
    ['voice', () => voice?.stop()],
    ['PBX events', () => pbxPush?.stop()],
    ['AICC sessions', () => aicc.stop()],
    ['routers', () => sb.stop()],
    ['cluster bus', () => bus?.close()],
    ['reports', () => reporting.stop()],
    ['CXone monitor', () => cxoneMonitor.stop()],
    ['outbox', () => dispatcher.stop()],
    [
      'database',
      async () => {
        await opened.close()
        await hold?.release()
      },
    ],
  ]
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // Stop accepting, let in-flight requests finish (long-polls are released), store what was
      // accepted; the calls' records reach the outbox before the database closes.
      for (const [name, step] of steps) {
        phase = name
        await step()
      }
      phase = 'stopped'
      logger.info('switchboard stopped')
    })())

  if (opts.handleSignals) {
    // A bug must not take every tenant down with it: log loudly and keep serving.
    process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'))
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        logger.info({ signal }, 'shutting down')
        stop().then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error({ err }, 'shutdown failed')
            process.exit(1)
          },
        )
      })
    }
  }
  return {
    url,
    sb,
    metrics,
    voice,
    stop,
    get stopping() {
      return phase
    },
  }
}
