/** The server that holds a database: one at a time, until nodes share tenants. */
export interface DatabaseHolder {
  readonly host: string
  readonly pid: number
  /** ISO 8601. */
  readonly since: string
}

/** Another live server holds the database: this one must not start beside it. */
export class DatabaseHeld extends Error {
  constructor(
    /** The database, as an operator names it (a directory, or host:port/database without credentials). */
    readonly database: string,
    /** Unknown when the holder has not said who it is yet. */
    readonly holder: DatabaseHolder | null,
  ) {
    super(
      `${database} is in use by another Switchboard server${
        holder ? ` (on ${holder.host}, PID ${holder.pid}, since ${holder.since})` : ''
      }: one server per database until nodes share tenants; stop it, or give this one another database`,
    )
  }
}
