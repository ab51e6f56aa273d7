import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'

/** A database of its own for real server processes: a PGlite directory, or a PostgreSQL database. */
export interface Backend {
  readonly name: string
  env(): Promise<Record<string, string>>
  cleanup(): Promise<void>
}

function pgliteBackend(): Backend {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-e2e-'))
  return {
    name: 'pglite',
    env: async () => ({ DATA_DIR: dir }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  }
}

export function postgresBackend(url: string): Backend {
  const name = `sb_e2e_${randomBytes(5).toString('hex')}`
  const admin = async (q: string) => {
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    try {
      await c.query(q)
    } finally {
      await c.end()
    }
  }
  return {
    name: 'postgres',
    env: async () => {
      await admin(`create database ${name}`)
      const u = new URL(url)
      u.pathname = `/${name}`
      return { DATABASE_URL: u.toString() }
    },
    cleanup: () => admin(`drop database if exists ${name} with (force)`),
  }
}

export const backends = (): Backend[] => [
  pgliteBackend(),
  ...(process.env.TEST_DATABASE_URL ? [postgresBackend(process.env.TEST_DATABASE_URL)] : []),
]

/** Which node holds the tenant's lease now (a cluster on `databaseUrl`), if any. */
export async function leaseOwner(databaseUrl: string, tenantId: string): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: databaseUrl })
  await c.connect()
  try {
    const r = await c.query<{ owner: string }>(
      `select owner from tenant_leases where tenant_id = $1
         and expires_at > (extract(epoch from clock_timestamp()) * 1000)::bigint`,
      [tenantId],
    )
    return r.rows[0]?.owner
  } finally {
    await c.end()
  }
}
