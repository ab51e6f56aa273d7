import { stat } from 'node:fs/promises'
import type { SurveyStore } from '../../app/ports.js'
import { DomainError } from '../../core/errors.js'
import type { Switchboard } from '../../app/switchboard.js'
import type {
  AudioMixer,
  CallObserver,
  CallRecord,
  CallRecordingStore,
  MediaPeer,
  MediaServer,
} from '../../app/voice-ports.js'
import type { Contact } from '../../core/contact.js'
import type { TransferTarget } from '../../core/routing/contact-work.js'
import type { VoiceSurvey } from '../../core/tenant-config.js'
import type { VoiceTenant } from './directory.js'
import type { Prompts } from './prompts.js'
import type { SipEndpoint } from './sip/transport.js'
import type { SipUserAgent } from './sip/user-agent.js'

export interface VoiceLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

export interface Phone {
  readonly uri: string
  readonly to: SipEndpoint
  readonly toHeader: string
  /** A Route to the cluster node the phone registered through, when only that node reaches it. */
  readonly route?: string
  /** A browser's softphone (WebRTC media), or a phone or trunk (plain RTP). */
  readonly media: MediaPeer
}

/** What a call asks of the router and the rest of the server. */
export interface CallHost {
  readonly ua: SipUserAgent
  readonly media: MediaServer
  readonly mixer: AudioMixer
  readonly prompts: Prompts
  /** The contact as the router has it now, here or on its owner (undefined once it ended). */
  contact(): Promise<Contact | undefined>
  /** Where the agent's phone is registered, or undefined. */
  phoneOf(agentId: string): Phone | undefined
  /** Queue position (1-based, 0 when not waiting) and estimated wait of the contact. */
  waitInfo(): Promise<{ position: number; waitMs: number | null }>
  acceptOffer(offerId: string, agentId: string): Promise<void>
  rejectOffer(offerId: string, agentId: string, reason: string): Promise<void>
  /** The caller rated the call (a key after the agent hung up). */
  rated(score: number): Promise<void>
  /** The caller or the agent hung up. */
  ended(by: 'customer' | 'agent' | 'system', agentId: string | null): Promise<void>
  /** The agent's phone asked for a blind transfer to `target` (a number); resolves false if refused. */
  transfer(agentId: string, target: string): Promise<boolean>
  /** The call is over: its recording (a file) and its record; resolves once both are kept. */
  finished(recordingFile: string | null, record: CallRecord): Promise<void>
  /** What the call's phones are doing changed (ringing, talking, held, gone). */
  linesChanged(): void
  /** The agent left the conversation: listeners in on it are hung up. */
  agentLeft(): void
  readonly observer: CallObserver
  readonly tenantId: string
  now(): number
  log(msg: string, err?: unknown): void
}

export interface CallSettings {
  readonly record: boolean
  /** The rating the caller is asked for after the agent hangs up; null: none. */
  readonly survey: VoiceSurvey | null
  readonly announceEveryMs: number
  /** A call with no media either way this long ends (0: never). */
  readonly mediaTimeoutMs: number
  readonly announcePosition: boolean
  readonly holdMusic: string | null
}

/** What the voice channel lends every call's host. */
export interface CallHostDeps {
  readonly sb: Switchboard
  readonly ua: SipUserAgent
  readonly media: MediaServer
  readonly mixer: AudioMixer
  readonly prompts: Prompts
  readonly recordings: CallRecordingStore
  readonly surveys: SurveyStore
  readonly log: VoiceLog
  phoneOf(tenant: VoiceTenant, agentId: string): Phone | undefined
  /** The call should look at its contact again. */
  resync(tenantId: string, contactId: string): void
  /** The call is over: the channel lets go of it. */
  finished(tenantId: string, contactId: string): void
  /** The agent's side of the call is gone (hung up, transferred, taken back): listeners go too. */
  agentLeft(tenantId: string, contactId: string): void
  linesChanged(tenantId: string): void
  readonly observer: CallObserver
}

/** A call's view of the router, the phones and the stores, for one tenant's contact. */
export function callHost(deps: CallHostDeps, tenant: VoiceTenant, contactId: string): CallHost {
  const { sb, ua, media, mixer, prompts } = deps
  const tenantId = tenant.tenantId
  // The router of the tenant, on this node or (a cluster) on its owner: the call stays here.
  const runtime = () => sb.tenant(tenantId)
  return {
    ua,
    media,
    mixer,
    prompts,
    // No router (a single server's stopped, or no owner for the bus's patience): the call is over.
    // A cluster node waits out a change of owner first: its calls carry on.
    contact: async () => {
      try {
        return (await runtime().ask({ type: 'contact', contactId })) ?? undefined
      } catch (e) {
        if (e instanceof DomainError && e.code === 'SERVICE_NOT_RUNNING') return undefined
        throw e
      }
    },
    phoneOf: (agentId) => deps.phoneOf(tenant, agentId),
    waitInfo: async () => {
      const wait = await runtime().ask({ type: 'contactWait', contactId })
      return wait ? { position: wait.position, waitMs: wait.estimatedWaitMs } : { position: 0, waitMs: null }
    },
    acceptOffer: async (offerId, agentId) => {
      await runtime().run({ type: 'acceptOffer', offerId, agentId })
    },
    rejectOffer: async (offerId, agentId, reason) => {
      await runtime()
        .run({ type: 'rejectOffer', offerId, agentId, reason })
        .catch(() => undefined)
    },
    ended: async (by, agentId) => {
      await runtime()
        .run({ type: 'endContact', contactId, by, agentId })
        .catch(() => undefined)
      // Already over in the router (nothing new to hear from it): finish here.
      deps.resync(tenantId, contactId)
    },
    transfer: async (agentId, number) => {
      const target = transferTarget(sb, tenant, number)
      if (!target) return false
      return runtime()
        .run({ type: 'transfer', contactId, agentId, target })
        .then(
          () => true,
          () => false,
        )
    },
    rated: async (score) => {
      await deps.surveys
        .submit(tenantId, {
          contactId,
          answers: [{ question: 'rating', answer: String(score) }],
          source: 'voice',
          submittedAt: sb.now(),
        })
        .catch((err: unknown) => deps.log.error({ err, tenantId, contactId }, 'call rating not stored'))
    },
    finished: (file, record) => {
      deps.finished(tenantId, contactId)
      // Listed before it is reported: whoever follows the record may fetch the recording at once.
      return (file ? keepRecording(deps, tenantId, contactId, file) : Promise.resolve()).then(() =>
        deps.observer.finished(record),
      )
    },
    observer: deps.observer,
    tenantId,
    linesChanged: () => deps.linesChanged(tenantId),
    agentLeft: () => deps.agentLeft(tenantId, contactId),
    now: () => sb.now(),
    log: (msg, err) => deps.log.warn({ err, tenantId, contactId }, msg),
  }
}

/** A number dialled in a transfer: another agent's extension, an access number or a queue's number. */
function transferTarget(sb: Switchboard, tenant: VoiceTenant, number: string): TransferTarget | undefined {
  const x = tenant.voice.extensions.find((e) => e.number === number)
  if (x) return { agentId: x.agentId }
  const queue = Object.entries(tenant.voice.queues).find(([, q]) => q.number === number)
  if (queue) return { queueId: queue[0] }
  const entryPointId = tenant.voice.numbers[number]
  const ep =
    entryPointId === undefined
      ? undefined
      : sb.storedConfig(tenant.tenantId).config.entryPoints.find((e) => e.id === entryPointId)
  return ep ? { queueId: ep.queueId } : undefined
}

export async function keepRecording(
  deps: CallHostDeps,
  tenantId: string,
  contactId: string,
  file: string,
): Promise<void> {
  try {
    const { size } = await stat(file)
    // 8 kHz, 16-bit, two channels, after a 44-byte header.
    const durationMs = Math.round(((size - 44) / (8000 * 2 * 2)) * 1000)
    await deps.recordings.save({
      tenantId,
      contactId,
      file,
      bytes: size,
      durationMs,
      createdAt: deps.sb.now(),
    })
  } catch (err) {
    deps.log.error({ err, tenantId, contactId }, 'call recording not listed')
  }
}

export function settingsOf(tenant: VoiceTenant, queueId: string): CallSettings {
  const q = tenant.voice.queues[queueId]
  return {
    record: q?.recordCalls ?? true,
    announceEveryMs: (q?.announceEverySeconds ?? 30) * 1000,
    mediaTimeoutMs: (tenant.voice.mediaTimeoutSeconds ?? 60) * 1000,
    announcePosition: q?.announcePosition ?? true,
    holdMusic: q?.holdMusic ?? null,
    survey: tenant.voice.survey,
  }
}
