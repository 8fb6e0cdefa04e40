// A coordinator on PostgreSQL: creating one (`serve init --database`), moving an embedded one up
// (`serve migrate`), and opening one for `serve --database`, with the one signing key every replica
// shares. The key is checked against the key the database was created with (meta.signing_key_id), as a
// data directory's is, so a replica with the wrong key refuses to start rather than sign what no pinned
// key verifies. The store's code (and pg with it) is imported when a database is used, so that a
// coordinator on a data directory, which imports this module, does not load it.
import {access, unlink} from 'node:fs/promises'
import path from 'node:path'

import type {Ed25519Signer} from '../../../protocol/ed25519.js'
import {sealBlock} from '../../../protocol/ledger.js'
import {toHex} from '../../../protocol/encoding.js'
import {generateApiKey, hashApiKey} from '../../auth/api-keys.js'
import {lockDataDir} from '../../data-dir-lock.js'
import {openDataDir} from '../../data-dir.js'
import {createSigningKey, loadSigningKey, SIGNING_KEY_FILE, signerFromPem} from '../../signing-key.js'
import type {Leadership} from '../async-store.js'
import {ROLES} from '../records.js'
import {DatabaseStateError} from './errors.js'
import type {ImportCounts} from './history-import.js'
import type {PostgresStore, PostgresStoreOptions} from './postgres-store.js'

/** The environment variable that may hold the signing key itself (PKCS#8 PEM), for containers. */
export const SIGNING_KEY_ENV = 'AITBC_SIGNING_KEY'
/** How long `init` waits to lead block sealing for the genesis block (another replica may be starting). */
const GENESIS_LEAD_MS = 15_000

export interface SigningKeySource {
  /** --key-file. */
  keyFile?: string
  /** --data-dir given explicitly: its signing-key.pem. */
  dataDir?: string
  /** The environment (AITBC_SIGNING_KEY). */
  env?: NodeJS.ProcessEnv
}

/** The database URL without its password, for messages and reports. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(a database URL that does not parse)'
  }
}

/** Checks the URL's form before anything connects. */
export function checkDatabaseUrl(url: string): void {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new RangeError(`--database must be a URL such as postgres://user@host:5432/aitbc, not ${JSON.stringify(url.slice(0, 80))}`)
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new RangeError(`--database must be a postgres:// or postgresql:// URL, not ${parsed.protocol}//`)
  }
}

/** The signing key for a replica: --key-file, else AITBC_SIGNING_KEY, else --data-dir's key file. */
export async function resolveSigningKey(source: SigningKeySource): Promise<{signer: Ed25519Signer; from: string}> {
  if (source.keyFile !== undefined) return {signer: await loadSigningKey(source.keyFile), from: source.keyFile}
  const pem = (source.env ?? process.env)[SIGNING_KEY_ENV]
  if (pem) return {signer: signerFromPem(pem, SIGNING_KEY_ENV), from: SIGNING_KEY_ENV}
  if (source.dataDir !== undefined) {
    const file = path.join(source.dataDir, SIGNING_KEY_FILE)
    return {signer: await loadSigningKey(file), from: file}
  }
  throw new DatabaseStateError(
    `a coordinator on a database needs its signing key: --key-file FILE, the key in ${SIGNING_KEY_ENV}, or --data-dir of a directory holding ${SIGNING_KEY_FILE}; every replica uses the same one`,
  )
}

/** Opens the coordinator in the database, with the key it was created with. */
export async function openCoordinatorDatabase(options: PostgresStoreOptions, signer: Ed25519Signer, keyFrom: string): Promise<PostgresStore> {
  const {PostgresStore} = await import('./postgres-store.js')
  const store = await PostgresStore.open(options).catch((error: Error) => {
    throw explainConnection(error, options.connectionString)
  })
  try {
    if (store.meta.signing_key_id !== signer.keyId) {
      throw new DatabaseStateError(
        `the signing key from ${keyFrom} (key id ${signer.keyId}) is not the key this database was created with (key id ${store.meta.signing_key_id}); every replica must use that one`,
      )
    }
    if (!(await store.headBlock())) {
      throw new DatabaseStateError(`${redactUrl(options.connectionString)} has no genesis block: its initialisation was interrupted; drop the database and run aitbc serve init --database again`)
    }
    return store
  } catch (error) {
    await store.close()
    throw error
  }
}

export interface DatabaseInitResult {
  database: string
  key_file: string
  admin_key: string
  client_key: string
  miner_key: string
  key_id: string
  public_key: string
}

/**
 * Creates the schema, the store's metadata, one API key per role and the genesis block. The key file is
 * used when it exists and created (mode 0600) when it does not. A database that already holds a
 * coordinator is refused and left as it is.
 */
export async function initCoordinatorDatabase(options: PostgresStoreOptions, keyFile: string): Promise<DatabaseInitResult> {
  const existing = await access(keyFile).then(
    () => true,
    () => false,
  )
  const signer = existing ? await loadSigningKey(keyFile) : undefined
  const now = new Date()
  // The key is made only once the database is known to be reachable and empty.
  await refuseInitialised(options)
  const keySigner = signer ?? (await createKeyFile(keyFile))
  const {PostgresStore} = await import('./postgres-store.js')
  const created = await PostgresStore.create(options, {format: 1, created_at: now.toISOString(), signing_key_id: keySigner.keyId}).catch(async (error: Error) => {
    // Refused (another init won the race) or failed: a key file this init made signs nothing; it goes.
    if (!signer) await unlink(keyFile).catch(() => undefined)
    throw error
  })
  try {
    const keys = Object.fromEntries(ROLES.map((role) => [role, generateApiKey()])) as Record<(typeof ROLES)[number], string>
    await created.changeApiKeys(() => ROLES.map((role) => ({name: role, role, key_hash: hashApiKey(keys[role]), created_at: now.toISOString()})))
    await sealGenesis(created, keySigner, now)
    return {
      database: redactUrl(options.connectionString),
      key_file: keyFile,
      admin_key: keys.admin,
      client_key: keys.client,
      miner_key: keys.miner,
      key_id: keySigner.keyId,
      public_key: toHex(keySigner.publicKey),
    }
  } finally {
    await created.close()
  }
}

export interface MigrateResult {
  database: string
  from_data_dir: string
  key_id: string
  counts: ImportCounts
}

/**
 * Copies an embedded coordinator's whole history into an empty database (history-import.ts, one
 * transaction); its data directory's signing key stays the key of the copy. The directory is opened as
 * `serve` opens it and left unchanged.
 */
export async function migrateDataDir(dataDir: string, options: PostgresStoreOptions): Promise<MigrateResult> {
  // A coordinator still running on the directory would go on writing what the copy leaves behind.
  const lock = await lockDataDir(dataDir)
  try {
    return await copyDataDir(dataDir, options)
  } finally {
    await lock.release()
  }
}

async function copyDataDir(dataDir: string, options: PostgresStoreOptions): Promise<MigrateResult> {
  const {store: source, signer} = await openDataDir(dataDir)
  try {
    const [{PostgresStore}, {copyEmbeddedStore}] = await Promise.all([import('./postgres-store.js'), import('./history-import.js')])
    const target = await PostgresStore.create(options, source.meta).catch((error: Error) => {
      throw explainConnection(error, options.connectionString)
    })
    try {
      const counts = await copyEmbeddedStore(source, target)
      return {database: redactUrl(options.connectionString), from_data_dir: dataDir, key_id: signer.keyId, counts}
    } finally {
      await target.close()
    }
  } finally {
    await source.close()
  }
}

/** A new key file; one that appeared since this init looked is another init's (or the operator's). */
async function createKeyFile(keyFile: string): Promise<Ed25519Signer> {
  return createSigningKey(keyFile).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error
    throw new DatabaseStateError(`the key file ${keyFile} appeared while this init ran (another aitbc serve init at once?); nothing was changed`)
  })
}

async function refuseInitialised(options: PostgresStoreOptions): Promise<void> {
  const {PostgresStore} = await import('./postgres-store.js')
  let opened: PostgresStore
  try {
    opened = await PostgresStore.open(options)
  } catch (error) {
    if (error instanceof DatabaseStateError && /holds no coordinator yet/.test(error.message)) return
    throw explainConnection(error as Error, options.connectionString)
  }
  await opened.close()
  throw new DatabaseStateError(`${redactUrl(options.connectionString)} already holds a coordinator; nothing was changed`)
}

async function sealGenesis(store: PostgresStore, signer: Ed25519Signer, at: Date): Promise<void> {
  const lead = store.leadBlockSealing()
  try {
    await becomeLeader(lead, GENESIS_LEAD_MS)
    const block = await store.sealBlock(lead, (previous, txs) => sealBlock(previous, txs, at.toISOString(), signer))
    if (!block || block.height !== 0) throw new DatabaseStateError('the genesis block could not be sealed: another sealer wrote first')
  } finally {
    await lead.release()
  }
}

function becomeLeader(lead: Leadership, ms: number): Promise<void> {
  if (lead.isLeader) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (stop(), reject(new DatabaseStateError(`could not lead block sealing within ${ms / 1000} s to seal the genesis block`))), ms)
    const stop = lead.onChange((leading) => {
      if (!leading) return
      clearTimeout(timer)
      stop()
      resolve()
    })
  })
}

/** A connection failure says where it tried (without the password) and what to check. */
function explainConnection(error: Error, url: string): Error {
  if (error instanceof DatabaseStateError || error.name === 'SchemaVersionError') return error
  const code = (error as NodeJS.ErrnoException).code
  return new DatabaseStateError(
    `cannot use the database at ${redactUrl(url)}: ${error.message || code}; check that PostgreSQL runs there, accepts this user, and that the database exists`,
  )
}
