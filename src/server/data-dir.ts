// The data directory: creating it (signing key, store, genesis block, one API key per role) and
// opening it. Anything unreadable, incomplete or corrupt stops the start with a message that says what
// and where; nothing here ever overwrites existing data.
import {mkdir, mkdtemp, readdir, rename, rm, rmdir, stat, unlink} from 'node:fs/promises'
import path from 'node:path'

import {toHex} from '../protocol/encoding.js'
import type {Ed25519Signer} from '../protocol/ed25519.js'
import {generateApiKey, hashApiKey} from './auth/api-keys.js'
import {checkDataDirOwnership} from './data-dir-owner.js'
import {Ledger} from './ledger/ledger.js'
import {createSigningKey, loadSigningKey, SIGNING_KEY_FILE, SigningKeyError} from './signing-key.js'
import {NodeFileLayer} from './store/file-layer.js'
import {LowdbStore, STORE_FILES, type StoreOptions} from './store/lowdb-store.js'
import {ROLES} from './store/records.js'
import {StoreCorruptError} from './store/store-errors.js'

export class DataDirError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DataDirError'
  }
}

/** What `init` prints once: the only time the API keys are ever shown. */
export interface InitResult {
  data_dir: string
  admin_key: string
  client_key: string
  miner_key: string
  /** base64url of the signing public key, as receipts and blocks name it. */
  key_id: string
  /** The signing public key, hex. */
  public_key: string
}

const OWN_FILES = [SIGNING_KEY_FILE, ...Object.values(STORE_FILES)]

/** Runs (commands in one process, as in tests) under keepNewFilesPrivate now, and the umask before the first. */
let privateRuns = 0
let umaskBefore = 0

/**
 * For the `serve` processes: every file they create is private to the user. The store's document is
 * rewritten through a temporary file that would otherwise get the default mode (0644) on every write.
 * Returns what puts the umask back, for a command's way out: once the last of overlapping runs is out.
 */
export function keepNewFilesPrivate(): () => void {
  if (privateRuns++ === 0) umaskBefore = process.umask(0o077)
  let restored = false
  return () => {
    if (restored) return
    restored = true
    if (--privateRuns === 0) process.umask(umaskBefore)
  }
}

export async function isInitialised(dir: string): Promise<boolean> {
  const found = await ownFiles(dir)
  if (found.includes(STORE_FILES.doc)) return true
  if (found.length) {
    throw new DataDirError(
      `${dir} is partly initialised (found ${found.join(', ')} but no ${STORE_FILES.doc}); ` +
        'an init was interrupted. Move those files away to start fresh; they were not changed.',
    )
  }
  return false
}

/**
 * Creates the directory's files in a private staging directory inside it and moves them into place with
 * the store's document last, so the directory is initialised only once everything is there. A failure,
 * or `signal` aborting (Ctrl-C) before the document moves, leaves nothing behind; after that the caller
 * has keys it must print.
 */
export async function initDataDir(dir: string, signal?: AbortSignal): Promise<InitResult> {
  await checkDataDirOwnership(dir)
  if (await isInitialised(dir)) throw new DataDirError(`${dir} is already initialised; nothing was changed`)
  const createdDir = await makeDirectory(dir)
  let staging: string | undefined
  const moved: string[] = []
  try {
    staging = await mkdtemp(path.join(dir, '.init-'))
    const result = await createFiles(staging)
    const names = (await readdir(staging)).sort((a, b) => Number(a === STORE_FILES.doc) - Number(b === STORE_FILES.doc))
    for (const name of names) {
      signal?.throwIfAborted()
      await rename(path.join(staging, name), path.join(dir, name))
      moved.push(name)
    }
    await rmdir(staging)
    // The renames survive a power cut only once the directory is synced.
    await new NodeFileLayer().syncDir(dir)
    return {...result, data_dir: dir}
  } catch (error) {
    for (const name of moved) await unlink(path.join(dir, name)).catch(() => undefined)
    if (staging) await rm(staging, {recursive: true, force: true})
    if (createdDir) await rmdir(dir).catch(() => undefined)
    throw error
  }
}

async function createFiles(dir: string): Promise<InitResult> {
  const signer = await createSigningKey(path.join(dir, SIGNING_KEY_FILE))
  const now = new Date()
  const store = await LowdbStore.create(dir, {format: 1, created_at: now.toISOString(), signing_key_id: signer.keyId})
  const keys = Object.fromEntries(ROLES.map((role) => [role, generateApiKey()])) as Record<(typeof ROLES)[number], string>
  for (const role of ROLES) store.putApiKey({name: role, role, key_hash: hashApiKey(keys[role]), created_at: now.toISOString()})
  new Ledger(store, signer).sealGenesis(now)
  await store.close()
  return {
    data_dir: dir,
    admin_key: keys.admin,
    client_key: keys.client,
    miner_key: keys.miner,
    key_id: signer.keyId,
    public_key: toHex(signer.publicKey),
  }
}

/**
 * `mkdir -p` (mode 0700) that cannot spin: Node 20's recursive mkdir loops for ever where the parent
 * exists but refuses new entries (e.g. /proc/nope). True when it created `dir`.
 */
async function makeDirectory(dir: string): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(dir, {mode: 0o700})
      return true
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EEXIST' && (await stat(dir)).isDirectory()) return false
      const parent = path.dirname(dir)
      if (code !== 'ENOENT' || attempt > 0 || parent === dir) {
        const why = code === 'EEXIST' ? 'a file of that name exists' : (code ?? (error as Error).message)
        throw new DataDirError(`cannot create the data directory ${dir}: ${why}`)
      }
      await makeDirectory(parent)
    }
  }
}

export async function openDataDir(dir: string, options: StoreOptions = {}): Promise<{store: LowdbStore; signer: Ed25519Signer}> {
  await checkDataDirOwnership(dir)
  if (!(await isInitialised(dir))) throw new DataDirError(`${dir} is not initialised; run: aitbc serve init --data-dir ${dir}`)
  let signer: Ed25519Signer
  try {
    signer = await loadSigningKey(path.join(dir, SIGNING_KEY_FILE))
  } catch (error) {
    throw error instanceof SigningKeyError ? new DataDirError(error.message) : error
  }
  let store: LowdbStore
  try {
    store = await LowdbStore.open(dir, options)
  } catch (error) {
    if (error instanceof StoreCorruptError || isFsError(error)) {
      throw new DataDirError(`cannot load the data in ${dir}: ${(error as Error).message}. Nothing was changed; fix or restore the file.`)
    }
    throw error
  }
  if (store.meta.signing_key_id !== signer.keyId) {
    await store.close()
    throw new DataDirError(`${SIGNING_KEY_FILE} in ${dir} is not the key this store was created with (key id ${store.meta.signing_key_id})`)
  }
  return {store, signer}
}

/** Opens the directory, creating it first when it holds no coordinator data. */
export async function openOrInitDataDir(dir: string, signal?: AbortSignal, options: StoreOptions = {}): Promise<{store: LowdbStore; signer: Ed25519Signer; created?: InitResult}> {
  const created = (await isInitialised(dir)) ? undefined : await initDataDir(dir, signal)
  return {...(await openDataDir(dir, options)), created}
}

async function ownFiles(dir: string): Promise<string[]> {
  try {
    const names = new Set(await readdir(dir))
    return OWN_FILES.filter((name) => names.has(name))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new DataDirError(`cannot read the data directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
}

function isFsError(error: unknown): boolean {
  return typeof (error as NodeJS.ErrnoException)?.code === 'string' && (error as NodeJS.ErrnoException).syscall !== undefined
}
