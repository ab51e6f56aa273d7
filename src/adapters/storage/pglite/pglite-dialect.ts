import { types } from '@electric-sql/pglite'
import type { DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely'
import { CompiledQuery, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely'
import type { QueryListener } from '../opened-database.js'
import type { Database } from '../schema.js'

/** What the dialect needs of PGlite: PGlite itself, or a proxy to one on a worker thread. */
export interface PGliteQueries {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>
}

/** PGlite's options wherever it runs. */
export function pgliteOptions(dataDir: string | undefined) {
  // int8 columns hold epoch milliseconds and sequence numbers, all far below 2^53.
  return { ...(dataDir ? { dataDir } : {}), parsers: { [types.INT8]: Number } }
}

export function pgliteKysely(pg: PGliteQueries, onQuery?: QueryListener): Kysely<Database> {
  return new Kysely<Database>({
    dialect: new PGliteDialect(pg),
    ...(onQuery ? { log: () => onQuery() } : {}),
  })
}

// PGlite is one connection. Kysely asks for a connection per query or per transaction, so a
// mutex held from acquire to release keeps one tenant's transaction from interleaving with
// another's statements on that single connection.
class PGliteConnection implements DatabaseConnection {
  constructor(private readonly pg: PGliteQueries) {}

  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    const res = await this.pg.query<R>(q.sql, q.parameters as unknown[])
    return {
      rows: res.rows,
      numAffectedRows: res.affectedRows === undefined ? undefined : BigInt(res.affectedRows),
    }
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported on PGlite')
  }
}

class PGliteDriver implements Driver {
  private readonly connection: PGliteConnection
  private tail: Promise<void> = Promise.resolve()
  private release: (() => void) | undefined

  constructor(pg: PGliteQueries) {
    this.connection = new PGliteConnection(pg)
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.tail
    let release!: () => void
    this.tail = new Promise<void>((r) => (release = r))
    await previous
    this.release = release
    return this.connection
  }

  async beginTransaction(conn: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('begin'))
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('commit'))
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('rollback'))
  }

  async releaseConnection(): Promise<void> {
    const release = this.release
    this.release = undefined
    release?.()
  }

  async destroy(): Promise<void> {}
}

export class PGliteDialect implements Dialect {
  constructor(private readonly pg: PGliteQueries) {}
  createAdapter() {
    return new PostgresAdapter()
  }
  createDriver() {
    return new PGliteDriver(this.pg)
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler()
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db)
  }
}
