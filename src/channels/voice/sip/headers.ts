/** RFC 3261 §7.3.3 compact forms (and those of later RFCs a phone may send). */
const COMPACT: Readonly<Record<string, string>> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
  o: 'event',
  r: 'refer-to',
  b: 'referred-by',
  u: 'allow-events',
  x: 'session-expires',
  a: 'accept-contact',
  j: 'reject-contact',
  d: 'request-disposition',
  y: 'identity',
}

/** How a header is written out; anything not listed is written in capitalised words. */
const SPELLING: Readonly<Record<string, string>> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  rack: 'RAck',
  rseq: 'RSeq',
  'min-se': 'Min-SE',
}

/**
 * Headers whose value is a comma-separated list (§7.3.1): a message may carry them as one line
 * or many, and both mean the same. The authentication headers are not among them: commas
 * separate their parameters.
 */
const LISTS: ReadonlySet<string> = new Set([
  'via',
  'contact',
  'route',
  'record-route',
  'allow',
  'supported',
  'require',
  'proxy-require',
  'unsupported',
  'accept',
  'accept-encoding',
  'accept-language',
  'allow-events',
  'content-encoding',
  'in-reply-to',
])

// Header names repeat from message to message: remember how each spelling reads.
const known = new Map<string, string>()

function canonicalName(name: string): string {
  let n = known.get(name)
  if (n === undefined) {
    const lower = name.toLowerCase()
    n = COMPACT[lower] ?? lower
    if (known.size < 1000) known.set(name, n)
  }
  return n
}

const spellings = new Map<string, string>()

export function spelledName(name: string): string {
  let spelled = spellings.get(name)
  if (spelled === undefined) {
    spelled =
      SPELLING[name] ?? name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase())
    if (spellings.size < 1000) spellings.set(name, spelled)
  }
  return spelled
}

function isListHeader(name: string): boolean {
  return LISTS.has(name)
}

/**
 * Splits at commas outside double quotes and angle brackets: a Contact's display name or URI may
 * hold commas of its own.
 */
export function splitList(value: string): string[] {
  const items: string[] = []
  let start = 0
  let quoted = false
  let angle = false
  for (let i = 0; i < value.length; i++) {
    const c = value[i]
    if (quoted) {
      if (c === '\\') i++
      else if (c === '"') quoted = false
    } else if (c === '"') quoted = true
    else if (c === '<') angle = true
    else if (c === '>') angle = false
    else if (c === ',' && !angle) {
      items.push(value.slice(start, i).trim())
      start = i + 1
    }
  }
  items.push(value.slice(start).trim())
  return items.filter((v) => v.length > 0)
}

/** A message's headers in order, by canonical (lower-case, long-form) name; list values one per entry. */
export class SipHeaders {
  private readonly entries: { name: string; value: string }[] = []

  static of(init: Readonly<Record<string, string | readonly string[] | undefined>>): SipHeaders {
    const h = new SipHeaders()
    for (const [name, value] of Object.entries(init)) {
      if (value === undefined) continue
      for (const v of typeof value === 'string' ? [value] : value) h.append(name, v)
    }
    return h
  }

  /** The first value, or undefined. */
  get(name: string): string | undefined {
    const n = canonicalName(name)
    return this.entries.find((e) => e.name === n)?.value
  }

  getAll(name: string): string[] {
    const n = canonicalName(name)
    return this.entries.filter((e) => e.name === n).map((e) => e.value)
  }

  has(name: string): boolean {
    return this.get(name) !== undefined
  }

  append(name: string, value: string): this {
    const n = canonicalName(name)
    for (const v of isListHeader(n) ? splitList(value) : [value.trim()])
      this.entries.push({ name: n, value: v })
    return this
  }

  /** Adds a value in front of the others of its name (a proxy's or UA's own Via goes on top). */
  prepend(name: string, value: string): this {
    const n = canonicalName(name)
    const at = this.entries.findIndex((e) => e.name === n)
    this.entries.splice(at < 0 ? 0 : at, 0, { name: n, value: value.trim() })
    return this
  }

  set(name: string, value: string | undefined): this {
    this.remove(name)
    if (value !== undefined) this.append(name, value)
    return this
  }

  /** Takes the first value of a name off (a proxy's own Route, or its own Via of a response). */
  shift(name: string): string | undefined {
    const n = canonicalName(name)
    const at = this.entries.findIndex((e) => e.name === n)
    return at < 0 ? undefined : this.entries.splice(at, 1)[0]?.value
  }

  remove(name: string): this {
    const n = canonicalName(name)
    for (let i = this.entries.length - 1; i >= 0; i--)
      if (this.entries[i]?.name === n) this.entries.splice(i, 1)
    return this
  }

  clone(): SipHeaders {
    const h = new SipHeaders()
    for (const e of this.entries) h.entries.push({ ...e })
    return h
  }

  *[Symbol.iterator](): IterableIterator<readonly [string, string]> {
    for (const e of this.entries) yield [e.name, e.value]
  }
}
