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
export function towards(peer: MediaPeer, role?: DtlsRole): NgFlags {
  return peer === 'webrtc'
    ? {
        'transport-protocol': 'UDP/TLS/RTP/SAVPF',
        ICE: 'force',
        // Passive unless rtpengine is already the client toward this browser: an answer that
        // switched roles mid-call would restart DTLS and cut the browser's audio.
        DTLS: role === 'client' ? 'active' : 'passive',
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
export type DtlsRole = 'client' | 'server'

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

  /**
   * The party `tag` offered `sdp`: remembers what it is, and says whether rtpengine is to wait
   * as the DTLS server toward it (`DTLS-reverse=passive`): a browser it has no handshake with
   * yet. One it has keeps its roles (a re-offer, a hold).
   */
  offering(callId: string, tag: string, sdp: string): { peer: MediaPeer; waitAsServer: boolean } {
    const { peer, party } = this.heard(callId, tag, sdp)
    if (peer !== 'webrtc') return { peer, waitAsServer: false }
    const waitAsServer = party.dtls === undefined
    party.dtls ??= 'server'
    return { peer, waitAsServer }
  }

  /**
   * The party `tag` answered with `sdp` (or `sdp` stands for its answer): remembers what it is.
   * Returns the description to give rtpengine: an offer of the party's reused as its answer
   * (`actpass`) says the role the party already has, so rtpengine does not restart DTLS.
   */
  answering(callId: string, tag: string, sdp: string): string {
    const { peer, party } = this.heard(callId, tag, sdp)
    if (peer !== 'webrtc') return sdp
    const setup = /^a=setup:(\w+)/m.exec(sdp)?.[1]
    if (setup === 'actpass' && party.dtls !== undefined)
      return sdp.replace(/^a=setup:actpass/m, `a=setup:${party.dtls === 'server' ? 'active' : 'passive'}`)
    party.dtls = setup === 'passive' ? 'client' : 'server'
    return sdp
  }

  set(callId: string, tag: string, peer: MediaPeer): void {
    this.party(callId, tag).peer = peer
  }

  of(callId: string, tag: string): MediaPeer {
    return this.sessions.get(callId)?.get(tag)?.peer ?? 'rtp'
  }

  /** rtpengine's DTLS role toward the party, once there is one. */
  roleToward(callId: string, tag: string): DtlsRole | undefined {
    return this.sessions.get(callId)?.get(tag)?.dtls
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

  /** A description came from the party: what it is, and that rtpengine has its address. */
  private heard(callId: string, tag: string, sdp: string): { peer: MediaPeer; party: Party } {
    const peer = peerOfSdp(sdp)
    const party = this.party(callId, tag)
    party.peer = peer
    party.filled = true
    if (peer !== 'webrtc') party.dtls = undefined
    return { peer, party }
  }

  private party(callId: string, tag: string): Party {
    let parties = this.sessions.get(callId)
    if (!parties) this.sessions.set(callId, (parties = new Map<string, Party>()))
    let party = parties.get(tag)
    if (!party) parties.set(tag, (party = { peer: 'rtp', filled: false, dtls: undefined }))
    return party
  }
}

/**
 * A description for a browser without the far side's SSRC lines: a browser told a stream's
 * SSRC drops packets of any other, and the far side changes (a transfer to another phone, the
 * hold music rtpengine plays) while the browser's description stays the same. Unsignalled, a
 * new SSRC simply plays.
 */
export function withoutSsrcs(sdp: string): string {
  return sdp.replace(/^a=(ssrc|ssrc-group|msid):.*\r?\n/gm, '')
}
