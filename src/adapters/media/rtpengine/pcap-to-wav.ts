import { decodeG711 } from './g711.js'
import { wavFile } from '../../../app/wav.js'

const RATE = 8000
/** Longer than any call we would keep in memory at once: 4 h. */
const MAX_SAMPLES = RATE * 4 * 3600

/** Samples of one channel, grown as the call goes on. */
class Track {
  private data = new Int16Array(RATE * 60)

  set(samples: Int16Array, start: number): void {
    let size = this.data.length
    while (size < start + samples.length) size *= 2
    if (size !== this.data.length) {
      const grown = new Int16Array(size)
      grown.set(this.data)
      this.data = grown
    }
    this.data.set(samples, start)
  }

  at(i: number): number {
    return i < this.data.length ? (this.data[i] as number) : 0
  }
}

interface Flow {
  ssrc: number
  /** Sample index (in the call) of RTP timestamp `baseTs`. */
  baseAt: number
  baseTs: number
}

/**
 * rtpengine's pcap recording (raw IP packets as it received them) → a stereo WAV: the caller on
 * the left (packets to `callerPort`, rtpengine's port facing the caller), everyone it talked to
 * on the right. Samples are placed by RTP timestamp, anchored at each stream's first arrival, so
 * network jitter does not stretch the recording. G.711 only (what the phones here send).
 */
export function pcapToWav(pcap: Buffer, callerPort: number | null): Buffer {
  if (pcap.length < 24) throw new Error('not a pcap file: too short')
  const magic = pcap.readUInt32LE(0)
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d
  if (!le && pcap.readUInt32BE(0) !== 0xa1b2c3d4 && pcap.readUInt32BE(0) !== 0xa1b23c4d)
    throw new Error('not a pcap file')
  const nanos = (le ? magic : pcap.readUInt32BE(0)) === 0xa1b23c4d
  const u32 = (at: number) => (le ? pcap.readUInt32LE(at) : pcap.readUInt32BE(at))
  const linkType = u32(20)
  const ethernet = linkType === 1
  const left = new Track()
  const right = new Track()
  let length = 0
  let t0: number | undefined
  const flows = new Map<string, Flow>()
  for (let at = 24; at + 16 <= pcap.length;) {
    const seconds = u32(at)
    const fraction = u32(at + 4)
    const size = u32(at + 8)
    const packet = pcap.subarray(at + 16, at + 16 + size)
    at += 16 + size
    const arrival = seconds + fraction / (nanos ? 1e9 : 1e6)
    const ip = ethernet ? packet.subarray(14) : packet
    if (ip.length < 20 || ip[0] === undefined || ip[0] >> 4 !== 4 || ip[9] !== 17) continue
    const udp = ip.subarray((ip[0] & 0x0f) * 4)
    if (udp.length < 8 + 12) continue
    const srcPort = udp.readUInt16BE(0)
    const dstPort = udp.readUInt16BE(2)
    const rtp = udp.subarray(8)
    if ((rtp[0] as number) >> 6 !== 2) continue
    const payloadType = (rtp[1] as number) & 0x7f
    const csrcs = (rtp[0] as number) & 0x0f
    let offset = 12 + csrcs * 4
    if ((rtp[0] as number) & 0x10) offset += 4 + rtp.readUInt16BE(offset + 2) * 4
    const samples = decodeG711(payloadType, rtp.subarray(offset))
    if (!samples) continue
    t0 ??= arrival
    const ts = rtp.readUInt32BE(4)
    const ssrc = rtp.readUInt32BE(8)
    const key = `${srcPort}>${dstPort}`
    let flow = flows.get(key)
    const arrivedAt = Math.round((arrival - t0) * RATE)
    if (!flow || flow.ssrc !== ssrc) {
      flow = { ssrc, baseAt: arrivedAt, baseTs: ts }
      flows.set(key, flow)
    }
    let start = flow.baseAt + ((ts - flow.baseTs) | 0)
    // A timestamp jump far from the arrival time (a new talk spurt after a restart): re-anchor.
    if (Math.abs(start - arrivedAt) > RATE) {
      flow.baseAt = arrivedAt
      flow.baseTs = ts
      start = arrivedAt
    }
    if (start < 0 || start + samples.length > MAX_SAMPLES) continue
    const channel = callerPort === null || dstPort === callerPort ? left : right
    channel.set(samples, start)
    length = Math.max(length, start + samples.length)
  }
  const stereo = new Int16Array(length * 2)
  for (let i = 0; i < length; i++) {
    stereo[2 * i] = left.at(i)
    stereo[2 * i + 1] = right.at(i)
  }
  return wavFile(stereo, RATE, 2)
}
