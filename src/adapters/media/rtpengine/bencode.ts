/** What bencode carries: byte strings (as text here), integers, lists and dictionaries. */
export type BValue = string | number | readonly BValue[] | { readonly [key: string]: BValue | undefined }

/** Encodes as rtpengine's ng protocol expects: dictionary keys sorted, strings as UTF-8 bytes. */
export function bencode(value: BValue): Buffer {
  const parts: Buffer[] = []
  const put = (v: BValue): void => {
    if (typeof v === 'string') {
      const bytes = Buffer.from(v, 'utf8')
      parts.push(Buffer.from(`${bytes.length}:`), bytes)
    } else if (typeof v === 'number') {
      if (!Number.isInteger(v)) throw new TypeError(`bencode has integers only, not ${v}`)
      parts.push(Buffer.from(`i${v}e`))
    } else if (Array.isArray(v)) {
      parts.push(Buffer.from('l'))
      for (const item of v as readonly BValue[]) put(item)
      parts.push(Buffer.from('e'))
    } else {
      parts.push(Buffer.from('d'))
      const dict = v as { readonly [key: string]: BValue | undefined }
      for (const key of Object.keys(dict).sort()) {
        const item = dict[key]
        if (item === undefined) continue
        put(key)
        put(item)
      }
      parts.push(Buffer.from('e'))
    }
  }
  put(value)
  return Buffer.concat(parts)
}

/** Decodes one value; throws on anything malformed or left over (a reply is one dictionary). */
export function bdecode(data: Buffer): BValue {
  let at = 0
  const fail = (why: string): never => {
    throw new Error(`bad bencode at byte ${at}: ${why}`)
  }
  const digitsUntil = (end: number): number => {
    const stop = data.indexOf(end, at)
    if (stop < 0) fail('unterminated number')
    const text = data.toString('latin1', at, stop)
    if (!/^-?\d+$/.test(text)) fail(`not a number: ${JSON.stringify(text)}`)
    at = stop + 1
    return Number(text)
  }
  const get = (depth: number): BValue => {
    if (depth > 64) fail('nested too deeply')
    const c = data[at]
    if (c === undefined) return fail('unexpected end')
    if (c === 0x69 /* i */) {
      at++
      return digitsUntil(0x65 /* e */)
    }
    if (c === 0x6c /* l */) {
      at++
      const list: BValue[] = []
      while (data[at] !== 0x65) {
        if (at >= data.length) fail('unterminated list')
        list.push(get(depth + 1))
      }
      at++
      return list
    }
    if (c === 0x64 /* d */) {
      at++
      const dict: Record<string, BValue> = {}
      while (data[at] !== 0x65) {
        if (at >= data.length) fail('unterminated dictionary')
        const key = get(depth + 1)
        if (typeof key !== 'string') fail('dictionary key is not a string')
        dict[key as string] = get(depth + 1)
      }
      at++
      return dict
    }
    if (c >= 0x30 && c <= 0x39) {
      const length = digitsUntil(0x3a /* : */)
      if (at + length > data.length) fail('string runs past the end')
      const s = data.toString('utf8', at, at + length)
      at += length
      return s
    }
    return fail(`unexpected byte 0x${c.toString(16)}`)
  }
  const value = get(0)
  if (at !== data.length) fail('trailing bytes')
  return value
}
