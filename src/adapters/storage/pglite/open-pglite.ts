import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import path from 'node:path'
import { hostname } from 'node:os'
import type { DatabaseHolder } from '../database-held.js'
import { DatabaseHeld } from '../database-held.js'
import { PGlite } from '@electric-sql/pglite'
import type { OpenedDatabase, QueryListener } from '../opened-database.js'
import { pgliteKysely, pgliteOptions } from './pglite-dialect.js'

// PGlite has no lock of its own: two processes on one data directory would corrupt it.
// A pid file refuses a second live owner and takes over from a dead one (kill -9).
export function lockDataDir(dir: string): () => void {
  const file = path.join(dir, 'switchboard.pid')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx')
      const me: DatabaseHolder = { host: hostname(), pid: process.pid, since: new Date().toISOString() }
      writeSync(fd, JSON.stringify(me))
      closeSync(fd)
      return () => rmSync(file, { force: true })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      const holder = holderIn(readFileSync(file, 'utf8'))
      // A pid of another machine (a shared disk) cannot be checked: taken as alive.
      const alive = holder.host !== hostname() || (holder.pid !== process.pid && isAlive(holder.pid))
      if (holder.pid && alive) throw new DatabaseHeld(`the PGlite data directory ${dir}`, holder)
      rmSync(file, { force: true })
    }
  }
  throw new Error(`could not lock data directory ${dir}`)
}

/** The pid file: JSON, or (written by earlier versions) the bare pid. */
function holderIn(text: string): DatabaseHolder {
  try {
    const h = JSON.parse(text) as Partial<DatabaseHolder> | number
    if (typeof h === 'number') return { host: hostname(), pid: h, since: 'unknown' }
    return { host: String(h.host), pid: Number(h.pid), since: String(h.since) }
  } catch {
    return { host: hostname(), pid: 0, since: 'unknown' }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** PGlite on a directory (or in memory when `dir` is undefined). */
export async function openPglite(dir: string | undefined, onQuery?: QueryListener): Promise<OpenedDatabase> {
  let unlock = (): void => {}
  if (dir) {
    mkdirSync(dir, { recursive: true })
    unlock = lockDataDir(dir)
  }
  try {
    const pg = await PGlite.create(pgliteOptions(dir ? path.join(dir, 'pg') : undefined))
    const db = pgliteKysely(pg, onQuery)
    return {
      db,
      kind: 'pglite',
      close: async () => {
        await db.destroy()
        await pg.close()
        unlock()
      },
    }
  } catch (e) {
    unlock()
    throw e
  }
}
