/**
 * A set of ids kept in order of a numeric key tuple, then id (the stable tie-break that makes
 * replays agree). Sorted array + binary search: for the few thousand members of a skill group or
 * queue, a memmove on insert costs less than a tree's pointer chasing, and walking in order is free.
 */
export type SortKey = readonly number[]

interface Entry {
  readonly id: string
  readonly key: SortKey
}

function compare(aKey: SortKey, aId: string, bKey: SortKey, bId: string): number {
  const n = Math.min(aKey.length, bKey.length)
  for (let i = 0; i < n; i++) {
    const d = (aKey[i] as number) - (bKey[i] as number)
    if (d !== 0) return d
  }
  if (aKey.length !== bKey.length) return aKey.length - bKey.length
  return aId < bId ? -1 : aId > bId ? 1 : 0
}

export class SortedIndex {
  private readonly entries: Entry[] = []
  private readonly keys = new Map<string, SortKey>()

  get size(): number {
    return this.entries.length
  }

  has(id: string): boolean {
    return this.keys.has(id)
  }

  keyOf(id: string): SortKey | undefined {
    return this.keys.get(id)
  }

  /** Index of the first entry not before (key, id). */
  private lowerBound(key: SortKey, id: string): number {
    let lo = 0
    let hi = this.entries.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const e = this.entries[mid] as Entry
      if (compare(e.key, e.id, key, id) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  upsert(id: string, key: SortKey): void {
    const old = this.keys.get(id)
    if (old) {
      if (old.length === key.length && old.every((v, i) => v === key[i])) return
      this.remove(id)
    }
    this.entries.splice(this.lowerBound(key, id), 0, { id, key })
    this.keys.set(id, key)
  }

  remove(id: string): boolean {
    const key = this.keys.get(id)
    if (!key) return false
    this.entries.splice(this.lowerBound(key, id), 1)
    this.keys.delete(id)
    return true
  }

  /** 0-based rank of an id, or -1. */
  rank(id: string): number {
    const key = this.keys.get(id)
    return key ? this.lowerBound(key, id) : -1
  }

  at(index: number): { readonly id: string; readonly key: SortKey } | undefined {
    return this.entries[index]
  }

  first(): string | undefined {
    return this.entries[0]?.id
  }

  /** Walks ids in order from a position; stop by returning true. */
  scanFrom(start: number, visit: (id: string, key: SortKey, index: number) => boolean): void {
    for (let i = Math.max(0, start); i < this.entries.length; i++) {
      const e = this.entries[i] as Entry
      if (visit(e.id, e.key, i)) return
    }
  }

  /** Position of the first entry whose key is not before `key` (ids ignored). */
  positionOfKey(key: SortKey): number {
    return this.lowerBound(key, '')
  }

  /** Position of the first entry strictly after (key, id). */
  positionAfter(key: SortKey, id: string): number {
    const i = this.lowerBound(key, id)
    const e = this.entries[i]
    return e && e.id === id ? i + 1 : i
  }

  ids(): string[] {
    return this.entries.map((e) => e.id)
  }
}
