import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

export type QueryListener = () => void

export interface OpenedDatabase {
  readonly db: Kysely<Database>
  readonly kind: 'pglite' | 'postgres'
  /** The PostgreSQL schema it works in, when not the default. */
  readonly schema?: string
  close(): Promise<void>
}
