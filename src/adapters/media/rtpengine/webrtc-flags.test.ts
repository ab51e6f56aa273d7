import { describe, expect, it } from 'vitest'
import { peerOfSdp, SessionPeers, towards } from './webrtc-flags.js'

const PHONE = 'v=0\r\nm=audio 4000 RTP/AVP 0 8\r\nc=IN IP4 10.0.0.1\r\n'
const BROWSER_ANSWER = (setup: string) =>
  `v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=ice-ufrag:x\r\na=fingerprint:sha-256 AB\r\na=setup:${setup}\r\n`
const RTPENGINE_OFFER =
  'v=0\r\nm=audio 30000 UDP/TLS/RTP/SAVPF 0\r\na=setup:actpass\r\na=fingerprint:sha-256 CD\r\n'

describe('rtpengine flags toward browsers and phones', () => {
  it('tells a browser description from a phone one', () => {
    expect(peerOfSdp(PHONE)).toBe('rtp')
    expect(peerOfSdp(BROWSER_ANSWER('active'))).toBe('webrtc')
    expect(towards('webrtc')).toMatchObject({
      ICE: 'force',
      DTLS: 'passive',
      'rtcp-mux': ['offer', 'require'],
    })
    expect(towards('rtp')).toMatchObject({ ICE: 'remove', DTLS: 'off', 'transport-protocol': 'RTP/AVP' })
  })

  it('offers a new browser party actpass: rtpengine waits as DTLS server', () => {
    const peers = new SessionPeers()
    expect(peers.offered('c', 'agent', RTPENGINE_OFFER)).toContain('a=setup:actpass')
  })

  it('waits as the DTLS server toward a browser that offers, the first time only', () => {
    const peers = new SessionPeers()
    expect(peers.offering('c', 'customer', BROWSER_ANSWER('actpass'))).toEqual({
      peer: 'webrtc',
      waitAsServer: true,
    })
    expect(peers.offering('c', 'customer', BROWSER_ANSWER('actpass')).waitAsServer).toBe(false)
    expect(peers.offering('c', 'trunk', PHONE)).toEqual({ peer: 'rtp', waitAsServer: false })
  })

  it('tells a browser rtpengine is the DTLS client when the party had a phone address before (rtpengine 10.5)', () => {
    const peers = new SessionPeers()
    // The queue's stand-in answered first: the stream has an address.
    peers.answering('c', 'agent', PHONE)
    expect(peers.offered('c', 'agent', RTPENGINE_OFFER)).toContain('a=setup:active')
    // The browser answers as the server; a later offer (a hold) keeps rtpengine the client.
    peers.answering('c', 'agent', BROWSER_ANSWER('passive'))
    expect(peers.offered('c', 'agent', RTPENGINE_OFFER)).toContain('a=setup:active')
  })

  it('keeps rtpengine the server toward a browser that took the client role', () => {
    const peers = new SessionPeers()
    peers.answering('c', 'agent', BROWSER_ANSWER('active'))
    expect(peers.offered('c', 'agent', RTPENGINE_OFFER)).toContain('a=setup:actpass')
    expect(peers.of('c', 'agent')).toBe('webrtc')
    // The browser's own offer, reused as its answer (a hold from the other side), keeps the roles.
    const offerAgain = BROWSER_ANSWER('actpass')
    expect(peers.answering('c', 'agent', offerAgain)).toContain('a=setup:active')
    peers.forget('c')
    expect(peers.of('c', 'agent')).toBe('rtp')
  })
})
