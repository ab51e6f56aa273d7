import { randomBytes } from 'node:crypto'
import { migrateToLatest } from '../../src/adapters/storage/migrations.js'
import type { OpenedDatabase } from '../../src/adapters/storage/opened-database.js'
import { openPglite } from '../../src/adapters/storage/pglite/open-pglite.js'
import { openPgliteWorker } from '../../src/adapters/storage/pglite/open-pglite-worker.js'
import { openPostgres } from '../../src/adapters/storage/postgres/open-postgres.js'

export interface DatabaseHarness {
  readonly name: string
  open(onQuery?: () => void): Promise<OpenedDatabase>
}

function pgliteVia(open: typeof openPglite): DatabaseHarness {
  return {
    name: 'pglite',
    async open(onQuery) {
      const opened = await open(undefined, onQuery)
      await migrateToLatest(opened.db)
      return opened
    },
  }
}

const pglite = pgliteVia(openPglite)

/** PGlite as the server opens it without DATABASE_URL: on a worker thread (benchmarks). */
export const pgliteOnWorker = pgliteVia(openPgliteWorker)

/**
 * Migrates a test's schema. Test files run in parallel on one database, and Kysely's migrator
 * reads the catalog of every schema: one dropped by another test at that moment fails the read
 * with 3F000 (no such schema). Reading again is then right.
 */
async function migrateBeside(opened: OpenedDatabase): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await migrateToLatest(opened.db, opened.schema)
      return
    } catch (e) {
      const code = (e as { cause?: { code?: string } }).cause?.code
      if (code !== '3F000' || attempt >= 5) throw e
    }
  }
}

function postgres(url: string): DatabaseHarness {
  return {
    name: 'postgres',
    async open(onQuery) {
      // A schema per test keeps suites independent on one shared database.
      const schema = `t_${randomBytes(6).toString('hex')}`
      const opened = await openPostgres(url, onQuery, schema)
      await migrateBeside(opened)
      return {
        ...opened,
        close: async () => {
          await opened.db.schema.dropSchema(schema).ifExists().cascade().execute()
          await opened.close()
        },
      }
    },
  }
}

/**
 * PGlite always; PostgreSQL when TEST_DATABASE_URL is set. In CI it must be set: a suite that
 * silently ran on PGlite alone would hide PostgreSQL regressions.
 */
export function databases(): DatabaseHarness[] {
  const url = process.env.TEST_DATABASE_URL
  if (!url && process.env.CI)
    throw new Error('CI requires TEST_DATABASE_URL to run the storage suites on PostgreSQL')
  return url ? [pglite, postgres(url)] : [pglite]
}
