#!/usr/bin/env node
import { Command, Option } from 'commander'
import { tryCluster } from './try-cluster.js'
import { migrateToLatest } from '../adapters/storage/migrations.js'
import { openPglite } from '../adapters/storage/pglite/open-pglite.js'
import { openPostgres } from '../adapters/storage/postgres/open-postgres.js'
import { StartRefused, startServer } from '../main.js'
import { runExport, runRebuild } from './export.js'
import { runSimulation } from './simulate.js'

const program = new Command('switchboard')
  .description('Switchboard contact-center server')
  .showHelpAfterError()

const storageOptions = (cmd: Command): Command =>
  cmd
    .addOption(new Option('--data-dir <dir>', 'PGlite data directory').env('DATA_DIR').default('./data'))
    .addOption(new Option('--database-url <url>', 'PostgreSQL instead of PGlite').env('DATABASE_URL'))

storageOptions(
  program
    .command('start')
    .description('run the server')
    .option('-c, --config <file>', 'declarative YAML configuration applied at start')
    .addOption(new Option('-p, --port <port>', 'HTTP port').env('PORT').default('8000'))
    .addOption(new Option('--host <host>', 'listen address').env('HOST').default('0.0.0.0'))
    .addOption(new Option('--log-level <level>', 'pino log level').env('LOG_LEVEL').default('info'))
    .addOption(
      new Option('--tls-cert <file>', 'PEM certificate: HTTPS and WSS (with --tls-key)').env('TLS_CERT'),
    )
    .addOption(new Option('--tls-key <file>', 'PEM private key for HTTPS and WSS').env('TLS_KEY'))
    .addOption(
      new Option('--sip-port <port>', 'SIP port (UDP and TCP); 0 turns voice off')
        .env('SIP_PORT')
        .default('5060'),
    )
    .addOption(new Option('--sip-host <host>', 'SIP listen address').env('SIP_HOST').default('127.0.0.1'))
    .addOption(
      new Option('--sip-advertise <host>', 'the address phones reach SIP at, if not --sip-host').env(
        'SIP_ADVERTISE',
      ),
    )
    .addOption(
      new Option('--sip-tls-cert <file>', 'PEM certificate for SIP over TLS (with --sip-tls-key)').env(
        'SIP_TLS_CERT',
      ),
    )
    .addOption(new Option('--sip-tls-key <file>', 'PEM private key for SIP over TLS').env('SIP_TLS_KEY'))
    .addOption(
      new Option('--sip-tls-port <port>', 'SIP over TLS port, when a certificate is given')
        .env('SIP_TLS_PORT')
        .default('5061'),
    )
    .addOption(
      new Option('--rtpengine <host:port>', "rtpengine's ng control address")
        .env('RTPENGINE')
        .default('127.0.0.1:2223'),
    )
    .addOption(
      new Option('--recording-dir <dir>', "rtpengine's --recording-dir, to keep call recordings").env(
        'RECORDING_DIR',
      ),
    )
    .addOption(
      new Option('--nats-url <url>', 'join a cluster of nodes over NATS (needs --database-url)').env(
        'NATS_URL',
      ),
    )
    .addOption(new Option('--node-id <id>', "this node's name in the cluster").env('NODE_ID'))
    .addOption(
      new Option('--lease-ms <ms>', "how long a node's hold on a tenant lasts without renewal")
        .env('LEASE_MS')
        .default('3000'),
    ),
).action(
  async (o: {
    config?: string
    port: string
    host: string
    dataDir: string
    databaseUrl?: string
    logLevel: string
    tlsCert?: string
    tlsKey?: string
    sipPort: string
    sipHost: string
    sipAdvertise?: string
    sipTlsCert?: string
    sipTlsKey?: string
    sipTlsPort: string
    rtpengine: string
    recordingDir?: string
    natsUrl?: string
    nodeId?: string
    leaseMs: string
  }) => {
    if (o.natsUrl && !o.databaseUrl) {
      console.error(
        'a cluster shares one PostgreSQL database: set --database-url (DATABASE_URL) with --nats-url (NATS_URL)',
      )
      process.exit(2)
    }
    if (!o.tlsCert !== !o.tlsKey) {
      console.error(
        'HTTPS needs both a certificate and its key: set --tls-cert and --tls-key (TLS_CERT, TLS_KEY)',
      )
      process.exit(2)
    }
    if (!o.sipTlsCert !== !o.sipTlsKey) {
      console.error(
        'SIP over TLS needs both a certificate and its key: set --sip-tls-cert and --sip-tls-key (SIP_TLS_CERT, SIP_TLS_KEY)',
      )
      process.exit(2)
    }
    await startServer({
      port: Number(o.port),
      host: o.host,
      dataDir: o.dataDir,
      databaseUrl: o.databaseUrl,
      ...(o.natsUrl ? { cluster: { natsUrl: o.natsUrl, nodeId: o.nodeId, leaseMs: Number(o.leaseMs) } } : {}),
      configFile: o.config,
      logLevel: o.logLevel,
      handleSignals: true,
      ...(o.tlsCert && o.tlsKey ? { tls: { certFile: o.tlsCert, keyFile: o.tlsKey } } : {}),
      voice:
        Number(o.sipPort) === 0
          ? undefined
          : {
              sipHost: o.sipHost,
              sipPort: Number(o.sipPort),
              sipAdvertise: o.sipAdvertise,
              ...(o.sipTlsCert && o.sipTlsKey
                ? { sipTls: { port: Number(o.sipTlsPort), certFile: o.sipTlsCert, keyFile: o.sipTlsKey } }
                : {}),
              rtpengine: o.rtpengine,
              recordingDir: o.recordingDir,
            },
    })
  },
)

storageOptions(
  program.command('migrate').description('create or upgrade the database schema, then exit'),
).action(async (o: { dataDir: string; databaseUrl?: string }) => {
  const opened = o.databaseUrl ? await openPostgres(o.databaseUrl) : await openPglite(o.dataDir)
  try {
    const applied = await migrateToLatest(opened.db)
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date')
  } finally {
    await opened.close()
  }
})

program
  .command('simulate')
  .description(
    'scripted customers and agents against a running server; prints service level, waits, abandons, occupancy',
  )
  .option('--url <url>', 'server URL', 'http://localhost:8000')
  .option('--tenant <id>', 'tenant', 'demo')
  .option('--entry-point <id>', 'chat entry point', '1000')
  .option('--agents <list>', 'agent usernames (password "agent")', 'agent1,agent2')
  .option('--password <pw>', 'agents password', 'agent')
  .option('--rate <perMinute>', 'customer arrivals per minute (Poisson)', '20')
  .option('--handle <seconds>', 'mean chat handle time (exponential)', '20')
  .option('--patience <seconds>', 'mean customer patience before abandoning (exponential)', '60')
  .option('--duration <seconds>', 'how long customers keep arriving', '60')
  .option('--seed <n>', 'random seed', '1')
  .action(async (o: Record<string, string>) => {
    const summary = await runSimulation({
      url: o.url ?? '',
      tenant: o.tenant ?? 'demo',
      entryPointId: o.entryPoint ?? '1000',
      agents: (o.agents ?? '').split(',').filter(Boolean),
      password: o.password ?? 'agent',
      ratePerMinute: Number(o.rate),
      handleSeconds: Number(o.handle),
      patienceSeconds: Number(o.patience),
      durationSeconds: Number(o.duration),
      seed: Number(o.seed),
      progress: true,
    })
    process.exitCode = summary.errors > 0 ? 1 : 0
  })

const remoteOptions = (cmd: Command, role: string): Command =>
  cmd
    .option('--url <url>', 'server URL', 'http://localhost:8000')
    .option('--tenant <id>', 'tenant', 'demo')
    .option('--user <name>', `a ${role} of the tenant`, role)
    .addOption(new Option('--password <pw>', 'its password').env('SWITCHBOARD_PASSWORD').default(role))

remoteOptions(
  program
    .command('export')
    .description(
      'export a report of a running server over local days (15-minute intervals, contacts, activity)',
    )
    .addOption(
      new Option('--report <name>', 'which report')
        .choices([
          'queue-intervals',
          'agent-queue-intervals',
          'agent-intervals',
          'contacts',
          'agent-activity',
        ])
        .default('queue-intervals'),
    )
    .requiredOption('--from <YYYY-MM-DD>', 'first local day')
    .option('--to <YYYY-MM-DD>', 'last local day (default: --from)')
    .option('--time-zone <zone>', "IANA time zone (default: the tenant's)")
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('-o, --out <file>', 'write to a file instead of stdout'),
  'supervisor',
).action(async (o: Record<string, string>) => {
  const rows = await runExport({
    url: o.url ?? '',
    tenant: o.tenant ?? 'demo',
    username: o.user ?? '',
    password: o.password ?? '',
    report: o.report ?? 'queue-intervals',
    from: o.from ?? '',
    ...(o.to ? { to: o.to } : {}),
    ...(o.timeZone ? { timeZone: o.timeZone } : {}),
    format: o.format === 'json' ? 'json' : 'csv',
    ...(o.out ? { out: o.out } : {}),
  })
  // The data may be on stdout: the count goes to stderr.
  console.error(`${rows} rows of ${o.report}${o.out ? ` written to ${o.out}` : ''}`)
})

remoteOptions(
  program
    .command('rebuild-reports')
    .description("forget a running server's report projections and fold its whole event log again"),
  'admin',
).action(async (o: Record<string, string>) => {
  const started = performance.now()
  process.stderr.write(`rebuilding the reports of ${o.tenant} from its event log… `)
  const events = await runRebuild({
    url: o.url ?? '',
    tenant: o.tenant ?? 'demo',
    username: o.user ?? '',
    password: o.password ?? '',
  })
  console.error(`${events} events folded in ${((performance.now() - started) / 1000).toFixed(1)} s`)
})

program
  .command('cluster')
  .description('try a cluster: start several nodes of this server on this machine (docs/scaling.md)')
  .option('-n, --nodes <n>', 'how many nodes', '3')
  .option('-p, --port <port>', "the first node's HTTP port; the others follow", '8001')
  .option('-c, --config <file>', 'configuration applied by the first node', 'config/demo.yaml')
  .addOption(
    new Option('--database-url <url>', 'the PostgreSQL database they share')
      .env('DATABASE_URL')
      .default('postgres://postgres@127.0.0.1:5432/postgres'),
  )
  .addOption(
    new Option('--nats-url <url>', 'the NATS server between them')
      .env('NATS_URL')
      .default('nats://127.0.0.1:4222'),
  )
  .action(
    async (o: { nodes: string; port: string; config: string; databaseUrl: string; natsUrl: string }) => {
      await tryCluster({
        nodes: Number(o.nodes),
        firstPort: Number(o.port),
        databaseUrl: o.databaseUrl,
        natsUrl: o.natsUrl,
        config: o.config,
      })
    },
  )

program
  .command('bench')
  .argument('[names...]', 'only these (routing, voice, register, …): printed, BENCHMARKS.md left as it is')
  .description('run the benchmarks and write BENCHMARKS.md (same as npm run bench)')
  .action(async (names: string[]) => {
    const bench = (await import(new URL('../../bench/run.js', import.meta.url).href)) as {
      main: (only: readonly string[]) => Promise<void>
    }
    await bench.main(names)
  })

program.parseAsync().catch((e: unknown) => {
  if (e instanceof StartRefused) process.exit(1)
  // Configuration errors list every problem; say what to fix, not a stack trace.
  console.error(e instanceof Error ? e.message : String(e))
  process.exit(1)
})
