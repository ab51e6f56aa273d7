import { readFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { NgClient } from './adapters/media/rtpengine/ng-client.js'
import { RtpMixer } from './adapters/media/mixer/rtp-mixer.js'
import { RtpengineMedia } from './adapters/media/rtpengine/rtpengine-media.js'
import type { SipWebSocketGateway } from './app/voice-ports.js'
import type { OpenedDatabase } from './adapters/storage/opened-database.js'
import { SqlBlockedNumberStore } from './adapters/storage/sql-blocked-number-store.js'
import { SqlSurveyStore } from './adapters/storage/sql-survey-store.js'
import { SqlCallRecordingStore } from './adapters/storage/sql-call-recording-store.js'
import { SqlPhoneBindingStore } from './adapters/storage/sql-phone-binding-store.js'
import type { Switchboard } from './app/switchboard.js'
import { Prompts } from './channels/voice/prompts.js'
import { edgeOf, SipRelay } from './channels/voice/sip/relay.js'
import { TransactionLayer } from './channels/voice/sip/transactions.js'
import type { Timing } from './channels/voice/sip/transactions.js'
import { SipTransport } from './channels/voice/sip/transport.js'
import { SipUserAgent } from './channels/voice/sip/user-agent.js'
import type { VoiceLog } from './channels/voice/call-host.js'
import { VoiceChannel } from './channels/voice/voice-channel.js'

export type SipTraceListener = NonNullable<SipTransport['onTrace']>

export interface VoiceOptions {
  /** Where SIP listens (UDP and TCP on one port; 0 picks one). */
  readonly sipHost: string
  readonly sipPort: number
  /** The address phones and trunks reach us at, when listening on 0.0.0.0. */
  readonly sipAdvertise?: string
  /** SIP over TLS (RFC 3261 §26): its port (5061; 0 picks one) and the PEM files of its certificate. */
  readonly sipTls?: { readonly port: number; readonly certFile: string; readonly keyFile: string }
  /** rtpengine's ng control address, `host:port`. */
  readonly rtpengine: string
  /** rtpengine's `--recording-dir` (pcap method); unset: calls are not recorded. */
  readonly recordingDir?: string
  /** Prompts and recordings are kept under it (a temporary directory when unset). */
  readonly dataDir?: string
  readonly timing?: Timing
}

export interface RunningVoice {
  readonly channel: VoiceChannel
  readonly media: RtpengineMedia
  readonly sip: { readonly host: string; readonly port: number; readonly tlsPort?: number }
  readonly recordings: SqlCallRecordingStore
  /** SIP over WebSocket (RFC 7118) on the HTTP server: its connections, and its port once listening. */
  readonly webSockets: SipWebSocketGateway & { servedOn(port: number): void }
  /** Every SIP message in and out, as sent (tests check call traces with it). */
  trace(listener: SipTraceListener | undefined): void
  components(): Record<string, unknown>
  stop(): Promise<void>
}

/** The voice channel's parts, chosen here: our SIP stack, rtpengine, the database's stores. */
export async function startVoice(
  sb: Switchboard,
  opened: OpenedDatabase,
  opts: VoiceOptions,
  log: VoiceLog,
  newId: () => string,
): Promise<RunningVoice> {
  // The SIP port first: it is what may be taken, and nothing else is open yet if it is.
  const tls = opts.sipTls && {
    port: opts.sipTls.port,
    cert: await readFile(opts.sipTls.certFile),
    key: await readFile(opts.sipTls.keyFile),
  }
  const transport = await SipTransport.listen({
    host: opts.sipHost,
    port: opts.sipPort,
    advertise: opts.sipAdvertise,
    ...(tls ? { tls } : {}),
  })
  const [ngHost = '127.0.0.1', ngPort = '2223'] = opts.rtpengine.split(/:(?=\d+$)/)
  const ng = await NgClient.open({ host: ngHost, port: Number(ngPort) })
  const base = opts.dataDir ?? path.join(os.tmpdir(), `switchboard-${process.pid}`)
  const media = new RtpengineMedia(ng, {
    recordingDir: opts.recordingDir ?? null,
    outputDir: path.join(base, 'recordings'),
  })
  await media.watch((reason) =>
    reason === null
      ? log.info({ rtpengine: opts.rtpengine }, 'voice available: rtpengine answers')
      : log.warn(
          { rtpengine: opts.rtpengine, reason },
          'voice unavailable: calls are refused until rtpengine answers',
        ),
  )
  transport.onError = (err) => log.warn({ err }, 'SIP transport')
  const layer = new TransactionLayer(transport, opts.timing)
  // A cluster node relays to the phones that registered through it, for calls at other nodes.
  const edge = sb.clustered ? edgeOf(transport) : undefined
  if (edge) {
    const relay = new SipRelay(transport)
    layer.relay = (msg, from) => relay.take(msg, from)
  }
  const ua = new SipUserAgent(layer)
  const recordings = new SqlCallRecordingStore(opened.db)
  const channel = new VoiceChannel({
    sb,
    ua,
    media,
    prompts: new Prompts(path.join(base, 'prompts')),
    bindings: new SqlPhoneBindingStore(opened.db),
    recordings,
    blocked: new SqlBlockedNumberStore(opened.db),
    surveys: new SqlSurveyStore(opened.db),
    // Our own RTP sockets (listening in) sit where phones and rtpengine already reach us.
    mixer: new RtpMixer(opts.sipHost, transport.host),
    newId,
    log,
    ...(edge ? { edge } : {}),
  })
  transport.onWebSocketClosed = (flow) => channel.registrar.flowClosed(flow)
  await channel.start()
  log.info({ sip: `udp+tcp ${transport.host}:${transport.port}` }, 'SIP listening')
  if (opts.recordingDir === undefined)
    log.warn(
      {},
      'calls are not recorded: give rtpengine a recording directory and the server --recording-dir',
    )
  return {
    channel,
    media,
    sip: {
      host: transport.host,
      port: transport.port,
      ...(transport.tlsPort === undefined ? {} : { tlsPort: transport.tlsPort }),
    },
    recordings,
    webSockets: {
      accept: (ws, remote, secure) => transport.acceptWebSocket(ws, remote, secure),
      servedOn: (port) => (transport.webSocketPort = port),
    },
    trace: (listener) => (transport.onTrace = listener),
    components: () => ({
      voice: {
        status: media.unavailableReason === null ? 'available' : 'unavailable',
        ...(media.unavailableReason !== null ? { reason: media.unavailableReason } : {}),
        sip: `${transport.host}:${transport.port}`,
        activeCalls: channel.activeCalls,
      },
    }),
    stop: async () => {
      await channel.endCalls()
      layer.close()
      await transport.close()
      await channel.stop()
      media.close()
    },
  }
}
