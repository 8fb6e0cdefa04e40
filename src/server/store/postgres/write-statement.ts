// Several writes sent as one statement: data-modifying CTEs run together, in one snapshot, so a job
// write, its receipt, its NOTIFY and the ledger head's increment cost one round trip, not four. Round
// trips, not the database's work, are most of what a store operation costs (bench/store-ops.ts).
export class WriteStatement {
  private readonly parts: string[] = []
  private readonly outputs: string[] = []
  readonly values: unknown[] = []

  get isEmpty(): boolean {
    return this.parts.length === 0
  }

  /** The placeholder for `value`. */
  param(value: unknown): string {
    this.values.push(value)
    return `$${this.values.length}`
  }

  /**
   * Adds `name AS (sql)`. With `output`, the statement returns that query's value as column `name`
   * (needed for a CTE that only reads, such as pg_notify: PostgreSQL runs it only when it is read).
   */
  with(name: string, sql: string, output?: string): this {
    this.parts.push(`${name} AS (${sql})`)
    if (output) this.outputs.push(`(${output}) AS ${name}`)
    return this
  }

  get text(): string {
    return `WITH ${this.parts.join(',\n')} SELECT ${this.outputs.join(', ') || 'true'}`
  }
}
