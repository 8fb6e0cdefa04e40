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

const REPLICA_DEFAULTS = {
  'db-pool-size': DEFAULT_DB_POOL_SIZE,
  'leader-retry': DEFAULT_LEADER_RETRY_SECONDS,
  'leader-lease': DEFAULT_LEADER_LEASE_SECONDS,
  'db-transaction-idle': DEFAULT_DB_TRANSACTION_IDLE_SECONDS,
}

/**
 * What only a running replica needs. Meaningless without --database, so refused without it (dependsOn);
 * hence no oclif default (a defaulted flag always counts as given): `withReplicaDefaults` fills them in.
 */
export function replicaFlags() {
  const onDatabase = {dependsOn: ['database']}
  const withDefault = (summary: string, name: keyof typeof REPLICA_DEFAULTS) => `With --database: ${summary} [default: ${REPLICA_DEFAULTS[name]}].`
  return {
    'db-pool-size': Flags.integer({summary: withDefault('connections this replica keeps open for requests.', 'db-pool-size'), min: 1, max: 1000, ...onDatabase}),
    'leader-retry': secondsFlag({
      summary: withDefault('seconds between tries of a replica that does not seal blocks to take over (a dead sealer is replaced within about this).', 'leader-retry'),
      ...onDatabase,
    }),
    'leader-lease': secondsFlag({
      summary: withDefault(
        'seconds the block sealer may go unheard (its process stopped or starved, its host cut off) before PostgreSQL ends its session and another replica takes over.',
        'leader-lease',
      ),
      ...onDatabase,
    }),
    'db-transaction-idle': secondsFlag({
      summary: withDefault(
        'seconds a transaction of this replica may wait for its next statement before PostgreSQL ends it, so a stopped replica does not hold locks the others wait for.',
        'db-transaction-idle',
      ),
      ...onDatabase,
    }),
  }
}

/** The replica flags as given, the defaults where not. */
export function withReplicaDefaults<T extends Partial<typeof REPLICA_DEFAULTS>>(flags: T): T & typeof REPLICA_DEFAULTS {
  const filled = {...REPLICA_DEFAULTS}
  for (const name of Object.keys(REPLICA_DEFAULTS) as (keyof typeof REPLICA_DEFAULTS)[]) filled[name] = flags[name] ?? REPLICA_DEFAULTS[name]
  return {...flags, ...filled}
}
