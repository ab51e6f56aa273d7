import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

export type QueryListener = () => void

export interface OpenedDatabase {
  readonly db: Kysely<Database>
  readonly kind: 'pglite' | 'postgres'
  close(): Promise<void>
}
