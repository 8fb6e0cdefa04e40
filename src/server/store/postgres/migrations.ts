// Versioned schema migrations, applied by the store itself when it opens: a newer aitbc brings its
// migrations and applies those the database lacks, in order, each recorded in schema_migrations. One
// transaction under an advisory lock, so replicas starting together apply each migration once; a
// database migrated by a newer aitbc than this one is refused rather than misread.
import pg, {type ClientBase} from 'pg'

import {SchemaVersionError} from './errors.js'
import {lockKey} from './lock-keys.js'

export interface Migration {
  version: number
  name: string
  sql: string
}

/** Never edit a released migration: add the next version. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'coordinator tables',
    // Each record is kept whole as `json` (the text as given, unlike jsonb, so signed records read back
    // byte for byte); the columns beside it are copies for indexes and locks.
    sql: `
      CREATE TABLE meta (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        record json NOT NULL
      );
      CREATE TABLE api_keys (
        name text PRIMARY KEY,
        created_order bigint GENERATED ALWAYS AS IDENTITY,
        record json NOT NULL
      );
      CREATE TABLE miners (
        miner_id text PRIMARY KEY,
        principal text NOT NULL,
        -- ISO 8601 UTC, as written: newer than the record's own while liveness is only touched.
        last_seen text NOT NULL,
        record json NOT NULL
      );
      CREATE INDEX miners_principal ON miners (principal);
      CREATE TABLE jobs (
        job_id text PRIMARY KEY,
        submit_order bigint GENERATED ALWAYS AS IDENTITY,
        status text NOT NULL,
        client text NOT NULL,
        model text NOT NULL,
        lease_expires_at timestamptz,
        idempotency_key text,
        record json NOT NULL,
        UNIQUE (client, idempotency_key)
      );
      CREATE INDEX jobs_order ON jobs (submit_order);
      CREATE INDEX jobs_client ON jobs (client, submit_order);
      CREATE INDEX jobs_status ON jobs (status, submit_order);
      CREATE INDEX jobs_client_status ON jobs (client, status, submit_order);
      CREATE INDEX jobs_pending ON jobs (model, submit_order) WHERE status = 'pending';
      CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE status = 'running';
      CREATE TABLE receipts (
        receipt_id text PRIMARY KEY,
        issue_order bigint GENERATED ALWAYS AS IDENTITY,
        client text NOT NULL,
        provider text NOT NULL,
        record json NOT NULL
      );
      CREATE INDEX receipts_order ON receipts (issue_order);
      CREATE INDEX receipts_client ON receipts (client, issue_order);
      CREATE INDEX receipts_provider ON receipts (provider, issue_order);
      -- One row: the last seq handed out. Appending updates it in the writing transaction, so seqs are
      -- gap-free (a rollback gives its numbers back) and commit in seq order.
      CREATE TABLE ledger_head (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        last_seq bigint NOT NULL
      );
      INSERT INTO ledger_head (last_seq) VALUES (0);
      CREATE TABLE transactions (
        seq bigint PRIMARY KEY,
        block_height integer,
        record json NOT NULL
      );
      CREATE INDEX transactions_unsealed ON transactions (seq) WHERE block_height IS NULL;
      CREATE TABLE blocks (
        height integer PRIMARY KEY,
        hash text NOT NULL UNIQUE,
        -- The seq of the last transaction sealed by this block or one before it.
        last_seq bigint NOT NULL,
        record json NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'queue totals for admission caps',
    // The queued-prompt-bytes cap needs the bytes of every pending prompt: kept as a running total in
    // one row, changed in the same statement as the job write that adds or removes a pending job, and
    // the per-client count reads a partial index. No coordinator ran on a database before version 2
    // (serve --database came with it), so the totals start at zero.
    sql: `
      ALTER TABLE jobs ADD COLUMN prompt_bytes integer NOT NULL DEFAULT 0;
      CREATE INDEX jobs_pending_client ON jobs (client) WHERE status = 'pending';
      CREATE TABLE queue_totals (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        pending_prompt_bytes bigint NOT NULL
      );
      INSERT INTO queue_totals (pending_prompt_bytes) VALUES (0);
    `,
  },
]

export {SchemaVersionError}

/** Applies the migrations the database lacks; returns the versions applied (none when up to date). */
export async function migrate(client: ClientBase, schema: string, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const known = Math.max(0, ...migrations.map((m) => m.version))
  await client.query('BEGIN')
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', lockKey(schema, 'migrate'))
    // The connection's search_path names the schema; tables go there once it exists.
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)}`)
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    )
    const {rows} = await client.query<{version: number}>('SELECT coalesce(max(version), 0) AS version FROM schema_migrations')
    const current = rows[0].version
    if (current > known) {
      throw new SchemaVersionError(`the database schema is at version ${current}, newer than this aitbc knows (${known}); upgrade aitbc`)
    }
    const applied: number[] = []
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (migration.version <= current) continue
      await client.query(migration.sql)
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name])
      applied.push(migration.version)
    }
    await client.query('COMMIT')
    return applied
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  }
}
