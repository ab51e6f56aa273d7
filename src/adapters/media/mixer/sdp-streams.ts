import { write } from 'sdp-transform'

/** An SDP of audio streams at `host`, in G.711. */
export function description(
  host: string,
  streams: readonly {
    port: number
    payloads: readonly number[]
    direction: 'recvonly' | 'sendrecv'
    /** RFC 4733 events' payload type, when taken. */
    events?: number
  }[],
): string {
  const v = host.includes(':') ? 6 : 4
  return write({
    version: 0,
    origin: {
      username: '-',
      sessionId: Date.now(),
      sessionVersion: 1,
      netType: 'IN',
      ipVer: v,
      address: host,
    },
    name: 'Switchboard',
    timing: { start: 0, stop: 0 },
    connection: { version: v, ip: host },
    media: streams.map((x) => ({
      type: 'audio',
      port: x.port,
      protocol: 'RTP/AVP',
      payloads: [...x.payloads, ...(x.events === undefined ? [] : [x.events])].join(' '),
      rtp: [
        ...x.payloads.map((p) => ({ payload: p, codec: p === 8 ? 'PCMA' : 'PCMU', rate: 8000 })),
        ...(x.events === undefined ? [] : [{ payload: x.events, codec: 'telephone-event', rate: 8000 }]),
      ],
      fmtp: x.events === undefined ? [] : [{ payload: x.events, config: '0-16' }],
      direction: x.direction,
    })),
  })
}

/** The G.711 the other side offered first (PCMU unless only PCMA). */
export function g711Of(payloads: string | number | undefined): number {
  // sdp-transform gives a lone payload type as a number.
  const list = String(payloads ?? '')
    .split(' ')
    .map(Number)
  return list.find((p) => p === 0 || p === 8) ?? 0
}
