/** ITU-T G.711 μ-law (PCMU, payload type 0) to 16-bit linear. */
function ulawSample(byte: number): number {
  const u = ~byte & 0xff
  const exponent = (u >> 4) & 0x07
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84
  return u & 0x80 ? -magnitude : magnitude
}

/** ITU-T G.711 A-law (PCMA, payload type 8) to 16-bit linear. */
function alawSample(byte: number): number {
  const a = byte ^ 0x55
  const exponent = (a >> 4) & 0x07
  const mantissa = a & 0x0f
  const magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1)
  return a & 0x80 ? magnitude : -magnitude
}

const ULAW = Int16Array.from({ length: 256 }, (_, i) => ulawSample(i))
const ALAW = Int16Array.from({ length: 256 }, (_, i) => alawSample(i))

/** Decodes a G.711 payload; undefined for any other payload type. */
export function decodeG711(payloadType: number, payload: Uint8Array): Int16Array | undefined {
  const table = payloadType === 0 ? ULAW : payloadType === 8 ? ALAW : undefined
  if (!table) return undefined
  const out = new Int16Array(payload.length)
  for (let i = 0; i < payload.length; i++) out[i] = table[payload[i] as number] as number
  return out
}
