import { hostname } from 'node:os'
import type { Kysely } from 'kysely'
import pg from 'pg'
import type { DatabaseHolder } from '../database-held.js'
import { DatabaseHeld } from '../database-held.js'
import type { Database } from '../schema.js'

export interface PostgresHold {
  /** Says who holds the database (once the schema has its table), for the next server to name. */
  announce(db: Kysely<Database>): Promise<void>
  release(): Promise<void>
}

/** host:port/database, without credentials: what a log line may name. */
export function databaseName(url: string): string {
  const u = new URL(url)
  return `PostgreSQL ${u.hostname}:${u.port || '5432'}${u.pathname}`
}

/**
 * One server per PostgreSQL database (and schema): a session advisory lock on a connection of its
 * own. PostgreSQL drops it with the connection, so a crashed server (even kill -9, or a machine
 * that is gone once TCP gives up) never locks the database for good.
 */
export async function holdPostgres(
  url: string,
  onLost: (err: Error) => void,
  schema?: string,
): Promise<PostgresHold> {
  const client = new pg.Client({
    connectionString: url,
    application_name: 'switchboard (sole server lock)',
    keepAlive: true,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  })
  await client.connect()
  const { rows } = await client.query<{ held: boolean }>(
    `select pg_try_advisory_lock(hashtextextended('switchboard:' || current_schema(), 0)) as held`,
  )
  if (!rows[0]?.held) {
    const holder = await client
      .query<{ host: string; pid: number; since: string }>(
        'select host, pid, since from server_holder where id = 1',
      )
      .then((r) => r.rows[0])
      .catch(() => undefined)
    await client.end()
    const named: DatabaseHolder | null = holder
      ? { host: holder.host, pid: Number(holder.pid), since: new Date(Number(holder.since)).toISOString() }
      : null
    throw new DatabaseHeld(databaseName(url), named)
  }
  // The lock lives as long as this connection: losing it means another server may start.
  client.on('error', onLost)
  return {
    async announce(db) {
      const me = { id: 1, host: hostname(), pid: process.pid, since: Date.now() }
      await db
        .insertInto('server_holder')
        .values(me)
        .onConflict((oc) => oc.column('id').doUpdateSet({ host: me.host, pid: me.pid, since: me.since }))
        .execute()
    },
    release: () => client.end(),
  }
}
