// The flags of a coordinator on PostgreSQL, shared by `serve`, `serve init` and `serve migrate`.
import {Flags} from '@oclif/core'

import {secondsFlag} from './number-flags.js'

/** Connections each replica keeps to the database by default. */
export const DEFAULT_DB_POOL_SIZE = 10
/** Seconds between a waiting replica's tries to take over block sealing, by default. */
export const DEFAULT_LEADER_RETRY_SECONDS = 1
/** Seconds the block sealer may be silent before PostgreSQL ends its session (and its lead), by default. */
export const DEFAULT_LEADER_LEASE_SECONDS = 5
/** Seconds a transaction may wait for the replica's next statement before PostgreSQL ends it, by default. */
export const DEFAULT_DB_TRANSACTION_IDLE_SECONDS = 10

export const databaseUrlFlag = Flags.string({
  summary: 'PostgreSQL URL (postgres://user@host:5432/db) holding the coordinator instead of --data-dir; several replicas may share it.',
  env: 'AITBC_DATABASE_URL',
})

export const keyFileFlag = Flags.string({
  summary: 'With --database: the signing key file (PKCS#8 PEM, mode 0600) every replica shares; or put the PEM in AITBC_SIGNING_KEY, or give --data-dir.',
})

/** What only a running replica needs. */
export function replicaFlags() {
  return {
    'db-pool-size': Flags.integer({summary: 'With --database: connections this replica keeps open for requests.', default: DEFAULT_DB_POOL_SIZE, min: 1, max: 1000}),
    'leader-retry': secondsFlag({
      summary: 'With --database: seconds between tries of a replica that does not seal blocks to take over (a dead sealer is replaced within about this).',
      default: DEFAULT_LEADER_RETRY_SECONDS,
    }),
    'leader-lease': secondsFlag({
      summary:
        'With --database: seconds the block sealer may go unheard (its process stopped or starved, its host cut off) before PostgreSQL ends its session and another replica takes over.',
      default: DEFAULT_LEADER_LEASE_SECONDS,
    }),
    'db-transaction-idle': secondsFlag({
      summary:
        'With --database: seconds a transaction of this replica may wait for its next statement before PostgreSQL ends it, so a stopped replica does not hold locks the others wait for.',
      default: DEFAULT_DB_TRANSACTION_IDLE_SECONDS,
    }),
  }
}
