import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import path from 'node:path'
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
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return () => rmSync(file, { force: true })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      const pid = Number(readFileSync(file, 'utf8'))
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new Error(
          `data directory ${dir} is in use by process ${pid}; stop it or choose another DATA_DIR`,
        )
      }
      rmSync(file, { force: true })
    }
  }
  throw new Error(`could not lock data directory ${dir}`)
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
