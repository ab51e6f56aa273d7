import type { MediaPeer } from '../../../app/voice-ports.js'

/** The ng keys that shape a description for the party it goes to. */
export interface NgFlags {
  readonly [key: string]: unknown
  readonly flags?: readonly string[]
}

/**
 * rtpengine's ng flags for a description going to a party of this kind (rtpengine's
 * ng_control_protocol.md). Each offer and answer carries them, since each re-applies them to
 * that party's streams.
 *
 * - A browser (RFC 8827, 8829): rtpengine is the only ICE candidate (`ICE=force`); DTLS-SRTP
 *   with rtpengine passive, so the browser starts the handshake once ICE has a path; no SDES
 *   keys (browsers take none); RTP and RTCP on one port (`require`: browsers refuse a separate
 *   RTCP port, even in an offer); `a=mid` for the browser's BUNDLE.
 * - A phone or trunk: plain RTP/AVP without ICE, DTLS or SDES; a browser's muxed RTCP is split
 *   back onto its own port (`demux`).
 */
export function towards(peer: MediaPeer): NgFlags {
  return peer === 'webrtc'
    ? {
        'transport-protocol': 'UDP/TLS/RTP/SAVPF',
        ICE: 'force',
        DTLS: 'passive',
        SDES: ['off'],
        'rtcp-mux': ['offer', 'require'],
        flags: ['generate mid'],
      }
    : {
        'transport-protocol': 'RTP/AVP',
        ICE: 'remove',
        DTLS: 'off',
        SDES: ['off'],
        'rtcp-mux': ['demux'],
      }
}

/** A browser's offer, told to a phone: G.711 and DTMF events, nothing to transcode. */
export const G711_ONLY = { strip: ['all'], except: ['PCMU', 'PCMA', 'telephone-event'] }

/** A description from a browser: DTLS fingerprints, ICE credentials, or a secure feedback profile. */
export function peerOfSdp(sdp: string): MediaPeer {
  return /^a=(fingerprint|ice-ufrag):/m.test(sdp) || /^m=audio \S+ (UDP\/TLS\/)?RTP\/SAVPF/m.test(sdp)
    ? 'webrtc'
    : 'rtp'
}

/** Which end of a party's DTLS handshake rtpengine is. */
type DtlsRole = 'client' | 'server'

interface Party {
  peer: MediaPeer
  /** rtpengine has had an address for it (a description came from it). */
  filled: boolean
  dtls: DtlsRole | undefined
}

/**
 * What each party of each session is, as its own last description said (or as the channel said
 * when ringing it): the description rtpengine writes for a party is shaped by it.
 *
 * It also follows rtpengine's DTLS role toward each browser, because rtpengine 10.5 (Debian 12)
 * offers `a=setup:actpass` while already being the DTLS client toward a party it has an address
 * for (its `__init_stream`: active when the stream is filled). A browser answering `active`
 * then sends its ClientHello to a client before rtpengine has the answer, and the handshake
 * fails. Such an offer is told to the browser as `a=setup:active`, so the browser answers as
 * the server and waits for rtpengine's ClientHello.
 */
export class SessionPeers {
  private readonly sessions = new Map<string, Map<string, Party>>()

  /** The party `tag` sent `sdp`: remembers what it is, and says it. */
  learn(callId: string, tag: string, sdp: string): MediaPeer {
    const peer = peerOfSdp(sdp)
    const party = this.party(callId, tag)
    party.peer = peer
    party.filled = true
    const setup = /^a=setup:(\w+)/m.exec(sdp)?.[1]
    // Its answer's role decides ours (an offer's actpass is answered passive: DTLS=passive).
    if (peer === 'webrtc') party.dtls = setup === 'passive' ? 'client' : 'server'
    else party.dtls = undefined
    return peer
  }

  set(callId: string, tag: string, peer: MediaPeer): void {
    this.party(callId, tag).peer = peer
  }

  of(callId: string, tag: string): MediaPeer {
    return this.sessions.get(callId)?.get(tag)?.peer ?? 'rtp'
  }

  /**
   * rtpengine's offer for a browser party, with the DTLS role rtpengine really takes: kept
   * from an earlier handshake, else the client's toward a party it already has an address for.
   */
  offered(callId: string, tag: string | undefined, sdp: string): string {
    if (tag === undefined) return sdp
    const party = this.party(callId, tag)
    const role = party.dtls ?? (party.filled ? 'client' : 'server')
    party.dtls = role
    return role === 'client' ? sdp.replace(/^a=setup:actpass/m, 'a=setup:active') : sdp
  }

  forget(callId: string): void {
    this.sessions.delete(callId)
  }

  private party(callId: string, tag: string): Party {
    let parties = this.sessions.get(callId)
    if (!parties) this.sessions.set(callId, (parties = new Map<string, Party>()))
    let party = parties.get(tag)
    if (!party) parties.set(tag, (party = { peer: 'rtp', filled: false, dtls: undefined }))
    return party
  }
}
