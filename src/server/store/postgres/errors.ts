// The PostgreSQL store's errors, apart from the code that talks to the database: `serve` maps them to
// messages whatever store it runs, and loading pg (~0.1 CPU-s, undici with it) is only for a coordinator
// that has a database.

/** The database is not in the state the operation needs (not initialised, or already). */
export class DatabaseStateError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DatabaseStateError'
  }
}

/** The database's schema is newer than this aitbc knows. */
export class SchemaVersionError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SchemaVersionError'
  }
}
