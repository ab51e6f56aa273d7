import { parse, write } from 'sdp-transform'

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'

/** The audio stream's direction (media level, else session level, else sendrecv). */
export function directionOf(sdp: string): Direction {
  const s = parse(sdp)
  const audio = s.media.find((m) => m.type === 'audio')
  return audio?.direction ?? s.direction ?? 'sendrecv'
}

/** The same description with the audio direction set (and a newer version, as §5.1 asks). */
export function withDirection(sdp: string, direction: Direction): string {
  const s = parse(sdp)
  delete s.direction
  for (const m of s.media) if (m.type === 'audio') m.direction = direction
  if (s.origin) s.origin.sessionVersion = Number(s.origin.sessionVersion) + 1
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
 * Our side's answer while a caller waits in the queue: the caller's own audio formats, at a
 * discard address. The caller's answer (rewritten by the media server) stays sendrecv, so its
 * phone sends audio from the start and the agent hears it the moment the call is bridged.
 */
export function waitingAnswer(callerOffer: string): string {
  const offer = parse(callerOffer)
  const audio = offer.media.find((m) => m.type === 'audio')
  if (!audio) throw new Error('the offer has no audio stream')
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
        payloads: audio.payloads,
        rtp: audio.rtp,
        fmtp: audio.fmtp,
        direction: 'sendrecv',
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
