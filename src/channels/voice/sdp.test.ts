import { describe, expect, it } from 'vitest'
import { SdpVersions, unbridgeable, waitingAnswer, withDirection } from './sdp.js'

const sdp = (
  port: number,
  payloads = '0',
  rtpmap = 'a=rtpmap:0 PCMU/8000',
  origin = 'o=rtpengine 77 5 IN IP4 127.0.0.1',
) =>
  [
    'v=0',
    origin,
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP ${payloads}`,
    rtpmap,
    '',
  ].join('\r\n')
const originOf = (text: string) => /^o=(\S+) (\S+) (\d+)/m.exec(text)!.slice(1)

describe('versions of what one side is sent (RFC 3264 §8)', () => {
  it('keeps one origin, the same version while unchanged, and one more at each change', () => {
    const v = new SdpVersions()
    const first = originOf(v.stamp(sdp(4000)))
    expect(originOf(v.stamp(sdp(4000)))).toEqual(first)
    const held = originOf(v.stamp(withDirection(sdp(4000), 'recvonly')))
    const resumed = originOf(v.stamp(sdp(4000)))
    const moved = originOf(v.stamp(sdp(4002, '0', 'a=rtpmap:0 PCMU/8000', 'o=other 1 99 IN IP4 10.0.0.1')))
    expect([held[0], held[1]]).toEqual([first[0], first[1]])
    expect([held[2], resumed[2], moved[2]].map(Number)).toEqual([1, 2, 3].map((n) => Number(first[2]) + n))
    expect(moved[1]).toBe(first[1])
  })
})

describe('offers the calls can carry', () => {
  it.each([
    ['PCMU by static type', sdp(4000, '0', ''), null],
    ['PCMA with others', sdp(4000, '18 8 101', 'a=rtpmap:18 G729/8000\r\na=rtpmap:8 PCMA/8000'), null],
    ['G.729 only', sdp(4000, '18', 'a=rtpmap:18 G729/8000'), /G729/],
    ['no audio', ['v=0', 'o=- 1 1 IN IP4 1.2.3.4', 's=-', 't=0 0', ''].join('\r\n'), /no audio/],
  ])('%s', (_, offer, refused) => {
    const why = unbridgeable(offer)
    if (refused === null) expect(why).toBeNull()
    else expect(why).toMatch(refused)
  })
})

describe('the queue’s stand-in answer', () => {
  it('takes G.711 and DTMF events, and RTCP on the RTP port when the offer asks for it (browsers require it)', () => {
    const browser = sdp(
      4000,
      '111 0 8 126',
      'a=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:126 telephone-event/8000\r\na=rtcp-mux',
    )
    const answer = waitingAnswer(browser)
    expect(answer).toMatch(/^m=audio 9 RTP\/AVP 0 8 126\r$/m)
    expect(answer).toMatch(/^a=rtcp-mux\r$/m)
    expect(waitingAnswer(sdp(4000))).not.toMatch(/rtcp-mux/)
  })
})
