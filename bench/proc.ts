import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'

/** User and system CPU seconds a process has used so far (its threads included), from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  // After "pid (comm) ", utime and stime are the 12th and 13th fields, in clock ticks (100 Hz).
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** The same for a process and its children (Kamailio forks its workers). */
export function treeCpuSeconds(pid: number): number {
  let children: number[] = []
  try {
    children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)])
      .toString()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
  } catch {
    // ps exits 1 when there is none.
  }
  let total = 0
  for (const p of [pid, ...children]) {
    try {
      total += cpuSeconds(p)
    } catch {
      // A child that ended meanwhile.
    }
  }
  return total
}

export interface SippStats {
  readonly ok: number
  readonly failed: number
  readonly retransmissions: number
}

/** The last row of the statistics SIPp wrote in `dir` (-trace_stat -stf stat.csv). */
export function sippStats(dir: string): SippStats {
  const [head = '', ...rows] = readFileSync(path.join(dir, 'stat.csv'), 'utf8').trim().split('\n')
  const names = head.split(';')
  const last = (rows.at(-1) ?? '').split(';')
  const col = (n: string) => Number(last[names.indexOf(n)] ?? 0)
  return {
    ok: col('SuccessfulCall(C)'),
    failed: col('FailedCall(C)'),
    retransmissions: col('Retransmissions(C)'),
  }
}

/**
 * SIPp options every load run shares: loopback on `port`, no keyboard, and a socket buffer large
 * enough that the load generator never drops an answer (its own 64 KiB dropped answers that one
 * group commit released together, and SIPp then resent them).
 */
export const sippLoadOptions = (port: number): string[] => [
  '-i',
  '127.0.0.1',
  '-p',
  String(port),
  '-nostdin',
  '-buff_size',
  String(4 * 1024 * 1024),
]

/** SIPp writing its statistics every second to stat.csv, which sippStats reads. */
export const SIPP_STATS = ['-trace_stat', '-stf', 'stat.csv', '-fd', '1']
