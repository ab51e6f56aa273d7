// Where a server-side request must not go unless someone said so: addresses that reach the
// server's own network rather than the internet. Plain arithmetic on the address text.

function ipv4(text: string): number | undefined {
  const parts = text.split('.')
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined
  return parts.reduce((n, p) => n * 256 + Number(p), 0)
}

/** The eight 16-bit groups of an IPv6 address (an embedded dotted IPv4 tail included). */
function ipv6(text: string): number[] | undefined {
  let s = text.toLowerCase().replace(/%.*$/, '')
  const tail = /:(\d+\.\d+\.\d+\.\d+)$/.exec(s)
  if (tail) {
    const v4 = ipv4(tail[1] as string)
    if (v4 === undefined) return undefined
    s = `${s.slice(0, -(tail[1] as string).length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`
  }
  const halves = s.split('::')
  if (halves.length > 2) return undefined
  const groups = (h: string | undefined): string[] => (h ? h.split(':') : [])
  const head = groups(halves[0])
  const rest = groups(halves[1])
  const missing = 8 - head.length - rest.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest]
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined
  return all.map((g) => parseInt(g, 16))
}

const V4_PRIVATE: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3], // multicast and reserved, up to 255.255.255.255
]

function v4Private(n: number): boolean {
  return V4_PRIVATE.some(([net, bits]) => {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
    return (n & mask) >>> 0 === ((ipv4(net) as number) & mask) >>> 0
  })
}

/** Loopback, private, link-local, carrier-grade NAT, multicast or reserved. */
export function isPrivateAddress(ip: string): boolean {
  const v4 = ipv4(ip)
  if (v4 !== undefined) return v4Private(v4)
  const g = ipv6(ip)
  if (!g) return false
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, h = 0, i = 0] = g
  const embedded = ((h << 16) | i) >>> 0
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) carry an IPv4 address: judge that.
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && f === 0xffff) return v4Private(embedded)
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) return v4Private(embedded)
  if (g.slice(0, 7).every((x) => x === 0) && i <= 1) return true // :: and ::1
  return (a & 0xfe00) === 0xfc00 || (a & 0xffc0) === 0xfe80 || (a & 0xff00) === 0xff00
}

/** A URL's host that is private before any lookup: a private literal address, or localhost. */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  return host === 'localhost' || host.endsWith('.localhost') || isPrivateAddress(host)
}
