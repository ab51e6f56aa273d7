/** PostgreSQL caps bind parameters at 65,535 per statement: 1,000 rows leave room for 65 columns. */
export const ROWS_PER_STATEMENT = 1000

/** The rows in statement-sized parts. */
export function chunks<T>(rows: readonly T[], size = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = []
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size))
  return out
}
