// What the store asks of the disk: a commit syncs the flush log (one sync) before it resolves and only
// then appends to the history files, commits made together share that sync, `--fsync off` skips it;
// a checkpoint syncs the history files and replaces the log; miner registrations
// append to miners.jsonl instead of rewriting coordinator.json; a store whose miners are still in
// coordinator.json (made before miners.jsonl) opens and moves them out.
import assert from 'node:assert/strict'
import {mkdir, mkdtemp, readFile, rm, stat, unlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, it} from 'node:test'

import {Ed25519Signer} from '../../src/protocol/ed25519.js'
import {Ledger} from '../../src/server/ledger/ledger.js'
import type {FileLayer, StoreFile} from '../../src/server/store/file-layer.js'
import {LowdbStore, RECENT_JOB_BYTES, RECENT_JOBS, STORE_FILES} from '../../src/server/store/lowdb-store.js'
import type {JobRecord, MinerRecord} from '../../src/server/store/records.js'
import {CrashFiles} from '../reliability/crash-files.js'

const DIR = '/mem/data'
const signer = new Ed25519Signer(new Uint8Array(32).fill(3))
const META = {format: 1, created_at: '2026-01-01T00:00:00.000Z', signing_key_id: signer.keyId} as const
const withGenesis = (store: LowdbStore) => new Ledger(store, signer).sealGenesis(new Date(META.created_at))
const job = (id: string): JobRecord => ({
  job_id: id, status: 'pending', prompt: `prompt of ${id}`, model: 'm', params: {max_tokens: 1, temperature: 0, top_p: 1}, client: 'c', attempts: 0, created_at: META.created_at,
})
const miner = (id: string, lastSeen = META.created_at): MinerRecord => ({miner_id: id, capabilities: ['m'], principal: 'miner', registered_at: META.created_at, last_seen: lastSeen})

let root: string
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'aitbc-durability-'))
})
after(() => root && rm(root, {recursive: true, force: true}))

async function memoryStore(honourSync = true): Promise<{store: LowdbStore; files: CrashFiles}> {
  const files = new CrashFiles(new Map(), honourSync)
  const store = await LowdbStore.create(DIR, META, {files})
  withGenesis(store)
  await store.commit()
  return {store, files}
}

it('a commit resolves after one sync, of the flush log; commits made together share it; the history file gets the bytes after', async () => {
  const {store, files} = await memoryStore()
  const from = files.ops.length
  const commits = Array.from({length: 50}, (_, i) => {
    store.putJob(job(`job-${i}`))
    return store.commit()
  })
  await Promise.all(commits)
  const ops = files.ops.slice(from).map((op) => `${op.kind} ${path.basename(op.file)}`)
  // The record (with the bytes) is on disk before the history file gets them: it never holds bytes the log lacks.
  assert.deepEqual(ops, [`append ${STORE_FILES.commits}`, `sync ${STORE_FILES.commits}`, `append ${STORE_FILES.jobs}`])
  await store.close()
})

it('a checkpoint syncs the history files, then replaces the flush log with one line; the next open replays nothing', async () => {
  const files = new CrashFiles()
  const store = await LowdbStore.create(DIR, META, {files, checkpointBytes: 2000})
  withGenesis(store)
  await store.commit()
  for (let i = 0; i < 8; i++) {
    store.putJob(job(`job-${i}-${'x'.repeat(300)}`))
    await store.commit()
  }
  const ops = files.ops.map((op) => `${op.kind} ${path.basename(op.file)}`)
  const renamed = ops.lastIndexOf(`rename ${STORE_FILES.commits}`)
  assert.ok(renamed > ops.indexOf(`sync ${STORE_FILES.jobs}`), 'the history files are synced before the log is replaced')
  assert.ok(ops.indexOf(`rename ${STORE_FILES.commits}`, ops.indexOf(`append ${STORE_FILES.jobs}`)) !== -1, 'a checkpoint happened while writing')
  assert.equal(ops[renamed + 1], `syncDir data`)
  await store.close()
  const log = files.crashImage('lost').get(path.join(DIR, STORE_FILES.commits))!.toString()
  assert.match(log, /^\{"checkpoint":\{[^\n]*\}\}\n$/)
  const again = await LowdbStore.open(DIR, {files: new CrashFiles(files.crashImage('lost'))})
  assert.equal(again.jobCount(), 8)
  await again.close()
})

/** CrashFiles whose syncs of the history files wait, while `hold` is set, until the test settles them. */
class HeldHistorySyncs implements FileLayer {
  hold = false
  readonly held: Array<{file: string; settle: (error?: Error) => void}> = []
  private readonly history = new Set([STORE_FILES.miners, STORE_FILES.receipts, STORE_FILES.jobs, STORE_FILES.transactions, STORE_FILES.blocks].map((name) => path.join(DIR, name)))

  constructor(readonly files: CrashFiles) {}

  async open(file: string, create?: 'new' | 'maybe'): Promise<StoreFile> {
    const inner = await this.files.open(file, create)
    const sync = () => {
      if (!this.hold || !this.history.has(file)) return inner.sync()
      return new Promise<void>((resolve, reject) => this.held.push({file, settle: (error) => (error ? reject(error) : inner.sync().then(resolve))}))
    }
    return Object.assign(Object.create(inner) as StoreFile, {sync})
  }

  readChunks = (file: string) => this.files.readChunks(file)
  readFile = (file: string) => this.files.readFile(file)
  exists = (file: string) => this.files.exists(file)
  unlink = (file: string) => this.files.unlink(file)
  rename = (from: string, to: string) => this.files.rename(from, to)
  syncDir = (dir: string) => this.files.syncDir(dir)
}

it('the history files are synced in the background as they grow (no commit waits); a checkpoint waits for that sync and fails with it', async () => {
  const files = new HeldHistorySyncs(new CrashFiles())
  // A background sync each 1,000 bytes of history (an eighth of the checkpoint size).
  const store = await LowdbStore.create(DIR, META, {files, checkpointBytes: 8000, retryWriteMs: 60_000})
  withGenesis(store)
  await store.commit()
  files.hold = true
  store.putJob(job(`a-${'x'.repeat(1200)}`))
  await store.commit()
  assert.deepEqual(files.held.map(({file}) => path.basename(file)).sort(), [STORE_FILES.blocks, STORE_FILES.jobs, STORE_FILES.miners, STORE_FILES.receipts, STORE_FILES.transactions].sort())
  // Past the checkpoint size; still no wait, and no second background sync while the first runs.
  store.putJob(job(`b-${'x'.repeat(9000)}`))
  await store.commit()
  assert.equal(files.held.length, 5)
  // This flush checkpoints first: it waits for the background sync...
  store.putJob(job('c'))
  const renames = () => files.files.ops.filter((op) => op.kind === 'rename').length
  const renamed = renames()
  let settled = false
  const checkpointed = store.commit().finally(() => (settled = true))
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
  assert.equal(settled, false, 'the checkpoint went on before the background sync of the history files ended')
  // ...and a failed one fails it: the log is not emptied over files that may have lost bytes.
  const lost = Object.assign(new Error('EIO: i/o error, fdatasync'), {code: 'EIO'})
  for (const {settle} of files.held.splice(0)) settle(lost)
  await assert.rejects(checkpointed, /EIO/)
  assert.equal(renames(), renamed, 'the flush log was replaced')
  files.hold = false
  await store.close()
})

it('with --fsync off (syncs skipped) the same commits sync nothing', async () => {
  const {store, files} = await memoryStore(false)
  store.putJob(job('a'))
  await store.commit()
  assert.equal(files.ops.filter((op) => op.kind === 'sync' || op.kind === 'syncDir').length, 0)
  await store.close()
})

it('a miner registration appends one line to miners.jsonl and leaves coordinator.json alone', async () => {
  const {store, files} = await memoryStore()
  for (let i = 0; i < 20; i++) store.putMiner(miner(`rig-${i}`))
  await store.commit()
  const from = files.ops.length
  store.putMiner(miner('one-more'))
  await store.commit()
  const touched = new Set(files.ops.slice(from).map((op) => path.basename(op.file)))
  assert.deepEqual([...touched].sort(), [STORE_FILES.commits, STORE_FILES.miners].sort())
  // Liveness rides along at close.
  store.touchMiner('rig-3', '2026-02-02T00:00:00.000Z')
  await store.close()
  const image = files.crashImage('lost')
  const again = await LowdbStore.open(DIR, {files: new CrashFiles(image)})
  assert.equal([...again.miners()].length, 21)
  assert.equal(again.getMiner('rig-3')?.last_seen, '2026-02-02T00:00:00.000Z')
  assert.deepEqual(JSON.parse(image.get(path.join(DIR, STORE_FILES.doc))!.toString()).miners, [])
  await again.close()
})

it('a store made before miners.jsonl (miners in coordinator.json) opens, and its miners move to miners.jsonl', async () => {
  const dir = path.join(root, 'old-format')
  await mkdir(dir)
  const store = await LowdbStore.create(dir, META)
  withGenesis(store)
  store.putJob(job('kept'))
  await store.close()
  // What the store wrote before this change: no miners.jsonl, a (legacy) commit log whose lines lack it, miners in the document.
  await unlink(path.join(dir, STORE_FILES.miners))
  const history = [STORE_FILES.receipts, STORE_FILES.jobs, STORE_FILES.transactions, STORE_FILES.blocks]
  const sizes = Object.fromEntries(await Promise.all(history.map(async (name) => [name, (await stat(path.join(dir, name))).size])))
  await writeFile(path.join(dir, STORE_FILES.commits), `${JSON.stringify({begin: sizes})}\n${JSON.stringify({done: sizes})}\n`)
  const doc = JSON.parse(await readFile(path.join(dir, STORE_FILES.doc), 'utf8'))
  doc.miners = [miner('old-rig'), miner('other-rig')]
  await writeFile(path.join(dir, STORE_FILES.doc), JSON.stringify(doc, null, 2))

  const opened = await LowdbStore.open(dir)
  assert.deepEqual([...opened.miners()].map((m) => m.miner_id), ['old-rig', 'other-rig'])
  assert.equal(opened.getJob('kept')?.prompt, 'prompt of kept')
  opened.putMiner(miner('new-rig'))
  await opened.close()
  assert.deepEqual(JSON.parse(await readFile(path.join(dir, STORE_FILES.doc), 'utf8')).miners, [])
  assert.equal((await readFile(path.join(dir, STORE_FILES.miners), 'utf8')).trim().split('\n').length, 3)
  const reopened = await LowdbStore.open(dir)
  assert.deepEqual([...reopened.miners()].map((m) => m.miner_id), ['old-rig', 'other-rig', 'new-rig'])
  await reopened.close()
  assert.equal((await stat(path.join(dir, STORE_FILES.miners))).mode & 0o777, 0o600)
})

it('pending and running jobs are read back from disk: memory keeps where they are, not their prompts (but for the few written last)', async () => {
  const {store, files} = await memoryStore()
  store.putJob(job('queued'))
  store.putJob({...job('busy'), status: 'running'})
  await store.commit()
  // The versions written last are kept a while (they are read again soon); as many newer ones push these out.
  for (let i = 0; i < RECENT_JOBS; i++) store.putJob({...job(`later-${i}`), status: 'completed'})
  await store.commit()
  // Change the bytes under the store (same length): a job kept in memory would not show it.
  const jobsFile = files.crashImage('kept').get(path.join(DIR, STORE_FILES.jobs))!
  for (const id of ['queued', 'busy']) jobsFile.write('PROMPT', jobsFile.indexOf(`prompt of ${id}`))
  assert.equal(store.getJob('queued')?.prompt, 'PROMPT of queued')
  assert.equal(store.oldestPendingJob(['m'])?.prompt, 'PROMPT of queued')
  assert.deepEqual(store.runningJobs().map((running) => running.prompt), ['PROMPT of busy'])
  await store.close()
})

it('the job versions kept after their write are bounded by bytes too: a large prompt is read back from disk', async () => {
  const {store, files} = await memoryStore()
  const large = {...job('large'), prompt: `prompt of large ${'x'.repeat(RECENT_JOB_BYTES)}`}
  store.putJob(large)
  store.putJob(job('small'))
  await store.commit()
  const jobsFile = files.crashImage('kept').get(path.join(DIR, STORE_FILES.jobs))!
  for (const id of ['large', 'small']) jobsFile.write('PROMPT', jobsFile.indexOf(`prompt of ${id}`))
  assert.equal(store.getJob('large')?.prompt.slice(0, 16), 'PROMPT of large ')
  // The small one, written last, is still the version kept.
  assert.equal(store.getJob('small')?.prompt, 'prompt of small')
  await store.close()
})
