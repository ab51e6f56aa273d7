import { parse, write } from 'sdp-transform'

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'

/** The audio stream's direction (media level, else session level, else sendrecv). */
export function directionOf(sdp: string): Direction {
  const s = parse(sdp)
  const audio = s.media.find((m) => m.type === 'audio')
  return audio?.direction ?? s.direction ?? 'sendrecv'
}

/** The same description with the audio direction set (its version is SdpVersions' to give). */
export function withDirection(sdp: string, direction: Direction): string {
  const s = parse(sdp)
  delete s.direction
  for (const m of s.media) if (m.type === 'audio') m.direction = direction
  return write(s)
}

/** What answers a hold request: we stop sending to the one who holds, and still listen. */
export function holdAnswer(offered: Direction): Direction {
  switch (offered) {
    case 'sendonly':
      return 'recvonly'
    case 'recvonly':
      return 'sendonly'
    case 'inactive':
      return 'inactive'
    case 'sendrecv':
      return 'sendrecv'
  }
}

/**
 * Our side's answer while a caller waits in the queue: the caller's own G.711 formats and DTMF
 * events (all its formats when it has no G.711), at a discard address. The caller's answer
 * (rewritten by the media server) stays sendrecv, so its phone sends audio from the start and
 * the agent hears it the moment the call is bridged; G.711 alone, so a browser that offered
 * Opus first does not send the agent's phone what it cannot play.
 */
export function waitingAnswer(callerOffer: string): string {
  const offer = parse(callerOffer)
  const audio = offer.media.find((m) => m.type === 'audio')
  if (!audio) throw new Error('the offer has no audio stream')
  const names = codecsOf(audio)
  const kept = [...names].filter(([, c]) => BRIDGEABLE.has(c) || c === 'TELEPHONE-EVENT').map(([p]) => p)
  const g711 = kept.some((p) => BRIDGEABLE.has(names.get(p) ?? ''))
  const keep = (payload: number) => !g711 || kept.includes(payload)
  return write({
    version: 0,
    origin: {
      username: 'switchboard',
      sessionId: Date.now(),
      sessionVersion: 1,
      netType: 'IN',
      ipVer: 4,
      address: '127.0.0.1',
    },
    name: 'queue',
    connection: { version: 4, ip: '127.0.0.1' },
    timing: { start: 0, stop: 0 },
    media: [
      {
        type: 'audio',
        port: 9,
        protocol: 'RTP/AVP',
        payloads: [...names.keys()].filter(keep).join(' '),
        rtp: (audio.rtp ?? []).filter((r) => keep(r.payload)),
        fmtp: (audio.fmtp ?? []).filter((f) => keep(f.payload)),
        direction: 'sendrecv',
        // A browser requires RTP and RTCP on one port: the stand-in accepts what was offered.
        ...(audio.rtcpMux ? { rtcpMux: audio.rtcpMux } : {}),
      },
    ],
  })
}

export function hasAudio(sdp: string): boolean {
  try {
    return parse(sdp).media.some((m) => m.type === 'audio' && m.port > 0)
  } catch {
    return false
  }
}

/**
 * The far side of a call we place, before it exists: G.711 and DTMF events at a discard
 * address. The media server offers the first phone what it would offer this; the real far
 * side replaces it once it answers.
 */
export function placeholderOffer(): string {
  return waitingAnswer(
    [
      'v=0',
      'o=- 0 0 IN IP4 127.0.0.1',
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=audio 9 RTP/AVP 0 8 101',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      '',
    ].join('\r\n'),
  )
}

/**
 * The descriptions one side of a call is sent (RFC 3264 §8): one origin for the session, its
 * version the same while the description is unchanged and one higher each time it changes.
 */
export class SdpVersions {
  private origin: { username: string; sessionId: number | string; address: string } | undefined
  private version = 0
  private lastBody: string | undefined

  /** `sdp` as this side is told it: our origin, and the version it calls for. */
  stamp(sdp: string): string {
    const s = parse(sdp)
    const o = s.origin
    this.origin ??= {
      username: o?.username ?? 'switchboard',
      sessionId: o?.sessionId ?? Date.now(),
      address: o?.address ?? '127.0.0.1',
    }
    s.origin = { ...(o ?? { netType: 'IN', ipVer: 4 }), ...this.origin, sessionVersion: this.version }
    const body = write(s)
    if (this.lastBody !== undefined && body !== this.lastBody) this.version++
    this.lastBody = body
    s.origin.sessionVersion = this.version
    return write(s)
  }
}

/** What the calls here can carry without transcoding: G.711 (PCMU or PCMA). */
const BRIDGEABLE = new Set(['PCMU', 'PCMA'])

type MediaSection = ReturnType<typeof parse>['media'][number]

/** An audio stream's payload types in its order, each with its codec's name in capitals. */
function codecsOf(audio: MediaSection): Map<number, string> {
  const named = new Map((audio.rtp ?? []).map((r) => [r.payload, r.codec.toUpperCase()]))
  const payloads = String(audio.payloads ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
  // Static payload types 0 and 8 need no rtpmap (RFC 3551).
  return new Map(payloads.map((p) => [p, named.get(p) ?? (p === 0 ? 'PCMU' : p === 8 ? 'PCMA' : String(p))]))
}

/** Why an offer cannot be bridged (a Warning's text, RFC 3261 §20.43), or null when it can. */
export function unbridgeable(sdp: string): string | null {
  let audio
  try {
    audio = parse(sdp).media.find((m) => m.type === 'audio' && m.port > 0)
  } catch {
    return 'the session description cannot be read'
  }
  if (!audio) return 'the offer has no audio stream'
  const codecs = [...codecsOf(audio).values()]
  return codecs.some((c) => BRIDGEABLE.has(c))
    ? null
    : `no codec in common: the offer has ${codecs.join(', ')}; calls here carry PCMU or PCMA`
}

/** The Warning header for an offer we cannot take (305: incompatible media format). */
export const mediaWarning = (why: string): string => `305 switchboard "${why.replace(/"/g, "'")}"`

/**
 * The caller's offer as what it agreed to: its audio formats cut to those our answer kept (a
 * browser offers Opus and more, and was answered G.711). It stands for the caller's answer when
 * the other side offers anew (a hold), so the new answer does not reopen the formats.
 */
export function agreedOffer(offer: string, answer: string): string {
  let o, a
  try {
    o = parse(offer)
    a = parse(answer)
  } catch {
    return offer
  }
  const mine = o.media.find((m) => m.type === 'audio')
  const ours = a.media.find((m) => m.type === 'audio')
  if (!mine || !ours) return offer
  const kept = new Set(codecsOf(ours).values())
  const names = codecsOf(mine)
  const keep = (p: number) => kept.has(names.get(p) ?? '')
  const payloads = [...names.keys()].filter(keep)
  if (payloads.length === 0) return offer
  mine.payloads = payloads.join(' ')
  mine.rtp = (mine.rtp ?? []).filter((r) => keep(r.payload))
  mine.fmtp = (mine.fmtp ?? []).filter((f) => keep(f.payload))
  if (mine.rtcpFb) mine.rtcpFb = mine.rtcpFb.filter((f) => keep(Number(f.payload)))
  return write(o)
}
