// Pages of a table newest first by its identity column, from a cursor: the statements behind
// GET /v1/jobs and GET /v1/receipts, written once so both lists page alike.

/** The clauses of a WHERE, with their parameters; given another's values (a subquery's), they number theirs after its. */
export class Conditions {
  private readonly clauses: string[] = []

  constructor(readonly values: unknown[] = []) {}

  /** A placeholder for `value`. */
  param(value: unknown): string {
    this.values.push(value)
    return `$${this.values.length}`
  }

  /** `column = value` for each defined value. */
  equal(columns: Record<string, string | undefined>): this {
    for (const [column, value] of Object.entries(columns)) if (value !== undefined) this.add(`${column} = ${this.param(value)}`)
    return this
  }

  add(clause: string): this {
    this.clauses.push(clause)
    return this
  }

  get sql(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : ''
  }
}

export interface Listing<Query> {
  table: string
  /** The column a cursor names. */
  id: string
  /** The order rows were added in (an identity column): exact where ids and times are not. */
  order: string
  /** Adds the query's filters. */
  rows(where: Conditions, query: Query): void
  /** Adds what a cursor must be to place a page: a cursor outside it has no place, and so lists nothing. */
  cursors(where: Conditions, query: Query): void
}

export interface CursorPage {
  limit: number
  offset: number
  before?: string
}

/** The statement of a page of `column`, newest first, below the cursor's row when `before` is given. */
export function pageStatement<Query extends CursorPage>(listing: Listing<Query>, column: string, query: Query): [string, unknown[]] {
  const where = new Conditions()
  listing.rows(where, query)
  if (query.before !== undefined) {
    const cursor = new Conditions(where.values).equal({[listing.id]: query.before})
    listing.cursors(cursor, query)
    where.add(`${listing.order} < (SELECT ${listing.order} FROM ${listing.table} ${cursor.sql})`)
  }
  const limit = where.param(query.limit)
  const offset = where.param(query.offset)
  return [`SELECT ${column} FROM ${listing.table} ${where.sql} ORDER BY ${listing.order} DESC LIMIT ${limit} OFFSET ${offset}`, where.values]
}

/**
 * The statement that finds the cursor's row, if it may place a page. An unknown cursor lists nothing, as
 * the end does: only an empty page needs this second look (rows are never deleted, nor change what a
 * cursor must be, so the look cannot disagree with the page).
 */
export function cursorStatement<Query extends CursorPage>(listing: Listing<Query>, query: Query & {before: string}): [string, unknown[]] {
  const where = new Conditions().equal({[listing.id]: query.before})
  listing.cursors(where, query)
  return [`SELECT 1 FROM ${listing.table} ${where.sql}`, where.values]
}
