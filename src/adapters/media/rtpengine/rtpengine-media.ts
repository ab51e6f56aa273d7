import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { MediaAnswer, MediaOffer, MediaServer } from '../../../app/voice-ports.js'
import type { NgFlags } from './webrtc-flags.js'
import { G711_ONLY, SessionPeers, towards, withoutSsrcs } from './webrtc-flags.js'
import type { NgClient } from './ng-client.js'
import { pcapToWav } from './pcap-to-wav.js'

export interface RtpengineOptions {
  /** rtpengine's `--recording-dir` (pcap method): null when it does not record. */
  readonly recordingDir: string | null
  /** Where finished recordings are written as WAV. */
  readonly outputDir: string
  /** How often rtpengine is asked whether it is there. */
  readonly pingEveryMs?: number
}

/**
 * rtpengine over its ng protocol. Every call uses `port latching`: rtpengine keeps the ports it
 * gave the caller when the other side changes (queue → agent → transfer), so the caller's phone
 * never needs a re-INVITE. Each description rtpengine writes suits the party it goes to: a
 * browser gets ICE and DTLS-SRTP, a phone plain RTP (webrtc-flags.ts).
 */
export class RtpengineMedia implements MediaServer {
  unavailableReason: string | null = 'rtpengine has not answered yet'
  private timer: NodeJS.Timeout | undefined
  private readonly peers = new SessionPeers()

  constructor(
    private readonly ng: NgClient,
    private readonly opts: RtpengineOptions,
  ) {}

  /** Asks once now, then keeps asking; `onChange` hears every change of availability. */
  async watch(onChange: (reason: string | null) => void = () => undefined): Promise<void> {
    const check = async () => {
      const before = this.unavailableReason
      try {
        await this.ng.command('ping')
        this.unavailableReason = null
      } catch (e) {
        this.unavailableReason = `rtpengine at ${this.ng.address} does not answer: ${(e as Error).message}`
      }
      if (before !== this.unavailableReason) onChange(this.unavailableReason)
    }
    await check()
    this.timer = setInterval(() => void check(), this.opts.pingEveryMs ?? 5000)
    this.timer.unref()
  }

  async offer(req: MediaOffer): Promise<string> {
    const { peer: from, waitAsServer } = this.peers.offering(req.callId, req.fromTag, req.sdp)
    if (req.toTag !== undefined && req.toward) this.peers.set(req.callId, req.toTag, req.toward)
    const toward = req.toward ?? (req.toTag === undefined ? 'rtp' : this.peers.of(req.callId, req.toTag))
    const sdp = await this.negotiate('offer', req, {
      ...towards(toward),
      // A browser offers Opus, G.722 and more: a phone is offered the G.711 every call here
      // carries (and recordings decode), so neither side needs transcoding.
      ...(from === 'webrtc' && toward === 'rtp' ? { codec: G711_ONLY } : {}),
      // The offering browser's actpass: rtpengine waits as the DTLS server toward it, rather
      // than start a handshake before the browser has its answer (it had an address for it).
      ...(waitAsServer ? { 'DTLS-reverse': 'passive' } : {}),
      ...(req.record ? { 'record call': 'yes' } : {}),
    })
    return toward === 'webrtc' ? withoutSsrcs(this.peers.offered(req.callId, req.toTag, sdp)) : sdp
  }

  async answer(req: MediaAnswer): Promise<string> {
    const sdp = this.peers.answering(req.callId, req.toTag, req.sdp)
    const { callId, fromTag } = req
    const toward = this.peers.of(callId, fromTag)
    const out = await this.negotiate(
      'answer',
      { ...req, sdp },
      towards(toward, this.peers.roleToward(callId, fromTag)),
    )
    return toward === 'webrtc' ? withoutSsrcs(out) : out
  }

  private async negotiate(
    command: 'offer' | 'answer',
    req: MediaOffer | MediaAnswer,
    flags: NgFlags,
  ): Promise<string> {
    const reply = await this.ng.command(command, {
      'call-id': req.callId,
      'from-tag': req.fromTag,
      'to-tag': req.toTag,
      sdp: req.sdp,
      replace: ['origin', 'session-connection'],
      ...flags,
      flags: ['port latching', ...(flags.flags ?? [])],
    })
    return sdpOf(reply)
  }

  async play(callId: string, toTag: string, file: string, repeat = 1): Promise<number> {
    const reply = await this.ng.command('play media', {
      'call-id': callId,
      'from-tag': toTag,
      file,
      'repeat-times': repeat,
    })
    return typeof reply.duration === 'number' ? reply.duration : 0
  }

  /** rtpengine's `query`: every stream of every party says when its last packet came (seconds). */
  async lastPacketAt(callId: string): Promise<number | null> {
    const reply = await this.ng.command('query', { 'call-id': callId })
    let last = 0
    for (const tag of Object.values((reply.tags ?? {}) as Record<string, { medias?: unknown[] }>))
      for (const media of (tag.medias ?? []) as { streams?: Record<string, unknown>[] }[])
        for (const stream of media.streams ?? []) last = Math.max(last, Number(stream['last packet'] ?? 0))
    return last > 0 ? last * 1000 : null
  }

  async stopPlaying(callId: string, toTag: string): Promise<void> {
    await this.ng.command('stop media', { 'call-id': callId, 'from-tag': toTag })
  }

  async silence(callId: string, fromTag: string, silenced: boolean): Promise<void> {
    await this.ng.command(silenced ? 'block media' : 'unblock media', {
      'call-id': callId,
      'from-tag': fromTag,
    })
  }

  async end(callId: string): Promise<void> {
    this.peers.forget(callId)
    // No delete delay: the recording is closed now, not half a minute later.
    await this.ng.command('delete', { 'call-id': callId, 'delete delay': 0 })
  }

  async recording(callId: string): Promise<string | null> {
    const dir = this.opts.recordingDir
    if (dir === null) return null
    const prefix = `${callId}-`
    const pcaps = (await readdir(path.join(dir, 'pcaps')).catch(() => [])).filter(
      (f) => f.startsWith(prefix) && f.endsWith('.pcap'),
    )
    if (pcaps.length === 0) return null
    const metas = await readdir(path.join(dir, 'metadata')).catch(() => [])
    const meta = metas.find((f) => f.startsWith(`rtpengine-meta-${prefix}`))
    const callerPort = meta
      ? callerFacingPort(await readFile(path.join(dir, 'metadata', meta), 'utf8'))
      : null
    const wav = pcapToWav(await readFile(path.join(dir, 'pcaps', pcaps[0] as string)), callerPort)
    await mkdir(this.opts.outputDir, { recursive: true })
    const out = path.join(this.opts.outputDir, `${callId}.wav`)
    await writeFile(out, wav)
    return out
  }

  async subscribe(callId: string, fromTags: readonly string[], toTag: string): Promise<string> {
    const reply = await this.ng.command('subscribe request', {
      'call-id': callId,
      'from-tags': [...fromTags],
      'to-tag': toTag,
    })
    return sdpOf(reply)
  }

  async subscribeAnswer(callId: string, toTag: string, sdp: string): Promise<void> {
    // The listener takes one G.711 of those offered: rtpengine turns the rest into it.
    await this.ng.command('subscribe answer', {
      'call-id': callId,
      'to-tag': toTag,
      sdp,
      flags: ['allow transcoding'],
    })
  }

  async unsubscribe(callId: string, toTag: string): Promise<void> {
    await this.ng.command('unsubscribe', { 'call-id': callId, 'to-tag': toTag })
  }

  close(): void {
    clearInterval(this.timer)
    this.ng.close()
  }
}

function sdpOf(reply: { readonly [key: string]: unknown }): string {
  if (typeof reply.sdp !== 'string') throw new Error('rtpengine answered without an SDP')
  return reply.sdp
}

/** The first answer SDP in rtpengine's metadata is the one the caller got: its port faces the caller. */
function callerFacingPort(metadata: string): number | null {
  const answer = metadata.split('SDP mode: answer')[1]
  const m = answer ? /m=audio (\d+)/.exec(answer) : null
  return m ? Number(m[1]) : null
}
