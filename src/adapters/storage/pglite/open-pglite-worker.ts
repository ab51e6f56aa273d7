import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import type { OpenedDatabase, QueryListener } from '../opened-database.js'
import { lockDataDir } from './open-pglite.js'
import type { PGliteQueries } from './pglite-dialect.js'
import { pgliteKysely } from './pglite-dialect.js'

interface Answer {
  readonly id: number
  readonly rows?: unknown[]
  readonly affectedRows?: number
  readonly error?: { readonly message: string; readonly code?: string }
  readonly ready?: true
}

/** The worker: the compiled script, or (running from TypeScript sources) tsx loading the source. */
function startWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./pglite-worker.js', import.meta.url), { workerData })
  const source = new URL('./pglite-worker.ts', import.meta.url).href
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}) })`
  return new Worker(boot, { eval: true, workerData })
}

/**
 * PGlite (on a directory, or in memory) run on a worker thread, queried through messages: the
 * same dialect as the in-thread PGlite, with `query` carried across.
 */
export async function openPgliteWorker(
  dir: string | undefined,
  onQuery?: QueryListener,
): Promise<OpenedDatabase> {
  if (dir) mkdirSync(dir, { recursive: true })
  const unlock = dir ? lockDataDir(dir) : () => undefined
  const worker = startWorker({ dataDir: dir ? path.join(dir, 'pg') : undefined })
  let next = 0
  const waiting = new Map<number, (a: Answer) => void>()
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('error', reject)
      worker.once('message', () => resolve())
    })
  } catch (e) {
    unlock()
    throw e
  }
  worker.on('message', (a: Answer) => {
    waiting.get(a.id)?.(a)
    waiting.delete(a.id)
  })
  // A dead worker answers nothing: fail what waits and what comes, rather than hang.
  let dead: string | undefined
  const fail = (why: string): void => {
    dead ??= why
    for (const w of waiting.values()) w({ id: -1, error: { message: dead } })
    waiting.clear()
  }
  worker.on('error', (e) => fail(`the PGlite worker failed: ${e.message}`))
  worker.on('exit', (code) => fail(`the PGlite worker exited (${code})`))
  const ask = (message: { sql?: string; params?: unknown[]; close?: true }) =>
    new Promise<Answer>((resolve, reject) => {
      if (dead) return reject(new Error(dead))
      const id = ++next
      waiting.set(id, (a) => {
        if (!a.error) return resolve(a)
        reject(Object.assign(new Error(a.error.message), a.error.code ? { code: a.error.code } : {}))
      })
      worker.postMessage({ id, ...message })
    })
  const remote: PGliteQueries = {
    query: async <R>(sql: string, params?: unknown[]) => {
      const a = await ask({ sql, params: params ?? [] })
      return { rows: (a.rows ?? []) as R[], affectedRows: a.affectedRows }
    },
  }
  const db = pgliteKysely(remote, onQuery)
  return {
    db,
    kind: 'pglite',
    close: async () => {
      await db.destroy()
      await ask({ close: true })
      await worker.terminate()
      unlock()
    },
  }
}
