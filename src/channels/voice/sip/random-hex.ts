import { randomFillSync } from 'node:crypto'

// Every response and request needs a fresh tag or branch; one system call per 4 KiB of
// randomness instead of one per token (as crypto.randomUUID caches its own) keeps them cheap.
const pool = Buffer.alloc(4096)
let used = pool.length

/** `bytes` cryptographically random bytes as hex. */
export function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool)
    used = 0
  }
  used += bytes
  return pool.toString('hex', used - bytes, used)
}
