import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { OpenedDatabase, QueryListener } from '../opened-database.js'
import type { Database } from '../schema.js'

const INT8 = 20

function parserFor(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  return oid === INT8 ? Number : (pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown)
}

/** A PostgreSQL server through a pool; `schema` isolates tests that share one database. */
export async function openPostgres(
  url: string,
  onQuery?: QueryListener,
  schema?: string,
): Promise<OpenedDatabase> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // int8 columns hold epoch milliseconds and sequence numbers, all far below 2^53.
    types: { getTypeParser: parserFor },
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  })
  if (schema) {
    const client = await pool.connect()
    try {
      await client.query(`create schema if not exists "${schema.replace(/"/g, '')}"`)
    } finally {
      client.release()
    }
  }
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    ...(onQuery ? { log: () => onQuery() } : {}),
  })
  return { db, kind: 'postgres', ...(schema ? { schema } : {}), close: () => db.destroy() }
}
