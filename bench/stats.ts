/** Small statistics helpers for benchmarks: medians of interleaved runs, percentiles of samples. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

export function percentile(sorted: Float64Array | readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number
}

export interface BenchResult {
  readonly name: string
  /** candidate ÷ baseline, higher is better unless `lowerIsBetter`. */
  readonly ratio: number
  readonly threshold: number
  readonly lowerIsBetter?: boolean
  readonly pass: boolean
  /** Rows for BENCHMARKS.md: metric → value. */
  readonly details: readonly (readonly [string, string])[]
}

export function verdict(r: Omit<BenchResult, 'pass'>): BenchResult {
  const pass = r.lowerIsBetter ? r.ratio <= r.threshold : r.ratio >= r.threshold
  const extra = r.details.filter(([k]) => k.startsWith('goal')).every(([, v]) => !v.includes('FAIL'))
  const result = { ...r, pass: pass && extra }
  console.log(
    `perf: ${r.name} ratio=${r.ratio.toFixed(3)} threshold=${r.threshold} ${result.pass ? 'PASS' : 'FAIL'}`,
  )
  return result
}

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
