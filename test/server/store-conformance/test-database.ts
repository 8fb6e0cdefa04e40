// A PostgreSQL database of a test's own: created with a unique name on the server that
// AITBC_TEST_DATABASE_URL names (default: the local server, trust auth), dropped at the end. When no
// server answers, PostgreSQL tests are skipped with how to get one, except under CI, where every
// machine has one and its absence is a failure.
import {randomBytes} from 'node:crypto'

import pg from 'pg'

export const SERVER_URL = process.env.AITBC_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

const HOW_TO_GET_ONE =
  'Install and start one (Debian: apt-get install postgresql, trust auth for 127.0.0.1), ' +
  'or point AITBC_TEST_DATABASE_URL at a server where you may create databases.'

/** How long opening the first connection may take before the server counts as absent. */
const CONNECT_TIMEOUT_MS = 15_000

export const NO_SERVER = `no PostgreSQL server answered at ${SERVER_URL}: PostgreSQL tests skipped. ${HOW_TO_GET_ONE}`

export interface TestDatabase {
  /** The URL of the new database. */
  url: string
  drop(): Promise<void>
}

/** A new database, or undefined when no server answers (outside CI: there, that throws). */
export async function createTestDatabase(): Promise<TestDatabase | undefined> {
  // No server refuses at once; the time limit is for a server too busy to answer quickly (at load 30,
  // with a dozen test files connecting at once, 3 s was passed under CI, where that is a failure).
  const admin = new pg.Client({connectionString: SERVER_URL, connectionTimeoutMillis: CONNECT_TIMEOUT_MS})
  try {
    await admin.connect()
  } catch (error) {
    await admin.end().catch(() => undefined)
    if (process.env.CI) {
      throw new Error(`no PostgreSQL server answered at ${SERVER_URL} (${(error as Error).message}), and CI runs the PostgreSQL tests. ${HOW_TO_GET_ONE}`)
    }
    return undefined
  }
  const name = `aitbc_test_${process.pid}_${randomBytes(4).toString('hex')}`
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`)
    // What the tests check (locks, order, atomicity) does not depend on each commit reaching the disk;
    // not waiting for it keeps them fast on a busy machine.
    await admin.query(`ALTER DATABASE ${name} SET synchronous_commit = off`)
  } finally {
    await admin.end()
  }
  const url = new URL(SERVER_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({connectionString: SERVER_URL})
      await client.connect()
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await client.end()
      }
    },
  }
}
