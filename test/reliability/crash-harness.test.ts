// Acknowledged means on disk, proved without a power cut. The store runs over CrashFiles (a file layer
// that records every write and sync) through a scripted workload: miners register, jobs are submitted
// (several at once, so group commit shares syncs), claimed and completed with signed receipts, blocks
// are sealed, API keys added; the flush log is kept small so checkpoints (flush-log.ts) happen all along.
// After every single file operation we take what a crash at that moment would leave (only what was
// synced; synced plus torn unsynced writes; the same with the last write read as zeros; everything),
// recover a store from it, and check that everything acknowledged before that moment is there and the
// ledger verifies. The same run with syncs ignored (`--fsync off`), or with only the flush log's syncs
// ignored (the one sync a flush waits for), loses acknowledged records, which the last tests show the
// harness notices.
import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import path from 'node:path'
import {it} from 'node:test'

import {Ed25519Signer} from '../../src/protocol/ed25519.js'
import {checkBlock, type Transaction} from '../../src/protocol/ledger.js'
import {signReceipt, RECEIPT_CANONICALIZATION} from '../../src/protocol/receipt.js'
import {Ledger} from '../../src/server/ledger/ledger.js'
import {LowdbStore} from '../../src/server/store/lowdb-store.js'
import type {JobRecord, MinerRecord, ReceiptRecord} from '../../src/server/store/records.js'
import {CRASH_STORE_CREATED_AT, CrashFiles, newStoreImage, type CrashVariant, type Image} from './crash-files.js'
// Seeded, so a failure names a crash point that the next run reproduces.
import {seededRandom} from './load.js'

const DIR = '/crash/data'
const signer = new Ed25519Signer(new Uint8Array(32).fill(7))
const trusted = new Set([signer.keyId])

type Ack =
  | {kind: 'job'; id: string; version: number}
  | {kind: 'receipt'; receipt: ReceiptRecord}
  | {kind: 'tx'; tx: Transaction}
  | {kind: 'block'; height: number; hash: string}
  | {kind: 'miner'; miner: MinerRecord}
  | {kind: 'key'; name: string}

interface CrashPoint {
  /** How many file operations had happened. */
  op: number
  variant: CrashVariant
  image: Image
}

interface Run {
  /** How many times the flush log was replaced by a checkpoint. */
  checkpoints: number
  acks: {op: number; ack: Ack}[]
  /** Every version of every job as JSON, in the order they were written (compared to what a recovery found). */
  versions: Map<string, string[]>
  points: CrashPoint[]
}

/** The store every run starts from: genesis and an admin key. */
const startImage = () => newStoreImage(DIR, signer, (store) => store.putApiKey({name: 'admin', role: 'admin', key_hash: 'a'.repeat(64), created_at: CRASH_STORE_CREATED_AT}))

/** A flush log this small is checkpointed every few flushes. */
const CHECKPOINT_BYTES = 4096

/** The crash images taken after every operation: one of each variant and a second torn one. */
const ALL_VARIANTS: readonly CrashVariant[] = ['lost', 'torn', 'zeroed', 'kept', 'torn']

/** `variants`: the crash images to take after every operation. */
async function runWorkload(base: Image, honourSync: boolean | ((file: string) => boolean), variants = ALL_VARIANTS): Promise<Run> {
  const files = new CrashFiles(base, honourSync)
  const run: Run = {checkpoints: 0, acks: [], versions: new Map(), points: []}
  const random = seededRandom(12)
  files.onOp = (last) => {
    if (last.kind === 'rename' && path.basename(last.file) === 'commits.jsonl') run.checkpoints++
    const op = files.ops.length
    for (const variant of variants) run.points.push({op, variant, image: files.crashImage(variant, random)})
  }
  const store = await LowdbStore.open(DIR, {files, checkpointBytes: CHECKPOINT_BYTES})
  const ledger = new Ledger(store, signer)
  let clock = Date.parse('2026-01-02T00:00:00.000Z')
  const now = () => new Date((clock += 1000))
  /** Commits; once it resolves, everything `acks` lists counts as acknowledged. */
  const commit = async (acks: Ack[]) => {
    await store.commit()
    for (const ack of acks) run.acks.push({op: files.ops.length, ack})
  }
  const putJob = (job: JobRecord): Ack => {
    store.putJob(job)
    const versions = run.versions.get(job.job_id) ?? []
    run.versions.set(job.job_id, [...versions, JSON.stringify(job)])
    return {kind: 'job', id: job.job_id, version: versions.length}
  }
  const record = (type: Transaction['type'], data: Record<string, unknown>): Ack => ({kind: 'tx', tx: ledger.record(type, data, now())})

  for (let round = 0; round < 13; round++) {
    const miner: MinerRecord = {miner_id: `rig-${round % 3}`, capabilities: ['llama3.2'], principal: 'miner', registered_at: now().toISOString(), last_seen: now().toISOString()}
    store.putMiner(miner)
    await commit([{kind: 'miner', miner}])
    // Three clients submit in the same turn: one group commit.
    const jobs = [0, 1, 2].map((n): JobRecord => ({
      job_id: `job-${round}-${n}`, status: 'pending', prompt: `prompt ${round}/${n} ${'x'.repeat(200 * n)}`, model: 'llama3.2',
      params: {max_tokens: 64, temperature: 0.7, top_p: 0.9}, client: 'client', attempts: 0, created_at: now().toISOString(),
    }))
    await Promise.all(jobs.map((job) => commit([putJob(job), record('job_submitted', {job_id: job.job_id})])))
    for (const job of jobs.slice(0, 2)) {
      const running: JobRecord = {...job, status: 'running', miner_id: miner.miner_id, attempts: 1, started_at: now().toISOString()}
      await commit([putJob(running), record('job_claimed', {job_id: job.job_id, miner_id: miner.miner_id})])
      const receipt = signReceipt({
        receipt_id: `rcpt-${job.job_id}`, job_id: job.job_id, provider: miner.miner_id, client: 'client', units: 10, unit_type: 'tokens', price: 0.01,
        model: 'llama3.2', started_at: 1, completed_at: 2, prompt_sha256: 'a'.repeat(64), result_sha256: 'b'.repeat(64), canonicalization: RECEIPT_CANONICALIZATION,
      }, signer)
      store.putReceipt(receipt)
      const done: JobRecord = {...running, status: 'completed', result: `result of ${job.job_id}`, receipt_id: receipt.receipt_id, completed_at: now().toISOString()}
      await commit([putJob(done), {kind: 'receipt', receipt}, record('job_completed', {job_id: job.job_id}), record('receipt_issued', {receipt_id: receipt.receipt_id})])
    }
    if (round % 2 === 1) {
      const block = ledger.sealPending(now())!
      await commit([{kind: 'block', height: block.height, hash: block.hash}])
    }
    if (round % 5 === 4) {
      const name = `client-${round}`
      store.putApiKey({name, role: 'client', key_hash: 'c'.repeat(64), created_at: now().toISOString()})
      await commit([{kind: 'key', name}])
    }
    store.touchMiner(miner.miner_id, now().toISOString())
  }
  await store.close()
  return run
}

/**
 * Blocks (with their transactions and predecessor, exactly) that checkBlock passed: most crash points
 * recover the same sealed blocks, and checking their signatures again at each was most of the run.
 */
const verifiedBlocks = new Set<string>()

/** Every transaction, sealed and not, in seq order; every block checked against its transactions. */
function verifyLedger(store: LowdbStore): Transaction[] {
  const all: Transaction[] = []
  let previous: {height: number; hash: string} | undefined
  for (let height = 0; height <= store.headBlock()!.height; height++) {
    const block = store.getBlock(height)!
    const txs = store.blockTransactions(height)!
    const key = JSON.stringify([block, txs, previous ?? null])
    if (!verifiedBlocks.has(key)) {
      assert.equal(checkBlock(block, txs, previous, trusted), undefined, `block ${height} does not verify`)
      verifiedBlocks.add(key)
    }
    previous = block
    all.push(...txs)
  }
  all.push(...store.unsealedTransactions())
  all.forEach((tx, i) => assert.equal(tx.seq, i + 1, 'transactions are not numbered 1, 2, 3, ... without a gap'))
  return all.map(({seq, type, timestamp, data, tx_hash}) => ({seq, type, timestamp, data, tx_hash}))
}

async function checkPoint(point: CrashPoint, run: Run): Promise<void> {
  const store = await LowdbStore.open(DIR, {files: new CrashFiles(point.image), checkpointBytes: CHECKPOINT_BYTES})
  try {
    const txs = verifyLedger(store)
    for (const {op, ack} of run.acks) {
      if (op > point.op) continue
      if (ack.kind === 'job') {
        const found = store.getJob(ack.id)
        assert.ok(found, `acknowledged job ${ack.id} is missing`)
        const version = run.versions.get(ack.id)!.indexOf(JSON.stringify(found))
        assert.ok(version >= ack.version, `job ${ack.id} went back from version ${ack.version} to ${version}`)
      } else if (ack.kind === 'receipt') assert.deepEqual(store.getReceipt(ack.receipt.receipt_id), ack.receipt)
      else if (ack.kind === 'tx') assert.deepEqual(txs[ack.tx.seq - 1], ack.tx, `acknowledged transaction ${ack.tx.seq} is missing or changed`)
      else if (ack.kind === 'block') assert.equal(store.getBlock(ack.height)?.hash, ack.hash, `acknowledged block ${ack.height} is missing`)
      else if (ack.kind === 'miner') assert.equal(store.getMiner(ack.miner.miner_id)?.registered_at !== undefined, true, `acknowledged miner ${ack.miner.miner_id} is missing`)
      else assert.ok(store.getApiKey(ack.name), `acknowledged API key ${ack.name} is missing`)
    }
  } finally {
    await store.close()
  }
}

/**
 * One point per distinct image: the latest of the points that leave it (between two syncs a `lost`
 * crash leaves the same bytes every time). Recovering it once checks them all, since a later point's
 * acknowledgements include every earlier one's.
 */
function distinctImages(points: CrashPoint[]): CrashPoint[] {
  const latest = new Map<string, CrashPoint>()
  for (const point of points) {
    const hash = createHash('sha1')
    for (const [file, bytes] of [...point.image].sort(([a], [b]) => a.localeCompare(b))) hash.update(`${file}\0${bytes.length}\0`).update(bytes)
    const key = hash.digest('hex')
    const seen = latest.get(key)
    if (!seen || seen.op < point.op) latest.set(key, point)
  }
  return [...latest.values()]
}

it('at every point of a scripted workload, a crash loses nothing acknowledged and the ledger verifies', {timeout: 600_000}, async () => {
  const run = await runWorkload(await startImage(), true)
  // 2,296 before the flush log; it does fewer file operations per flush, so the workload is longer.
  assert.ok(run.points.length >= 2296, `only ${run.points.length} crash points`)
  assert.ok(run.checkpoints >= 10, `only ${run.checkpoints} checkpoints`)
  assert.ok(run.acks.length > 200, `only ${run.acks.length} acknowledgements`)
  const images = distinctImages(run.points)
  const failures: string[] = []
  for (const point of images) {
    await checkPoint(point, run).catch((error: Error) => failures.push(`after op ${point.op} (${point.variant}): ${error.message}`))
  }
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${images.length} distinct crash images failed`)
  console.log(`# ${run.points.length} crash points (${images.length} distinct images) over ${run.points.at(-1)!.op} file operations, ${run.acks.length} acknowledgements: all recovered`)
})

for (const [what, honourSync] of [
  ['with syncs ignored', false],
  ['with only the flush log\'s syncs ignored', (file: string) => path.basename(file) !== 'commits.jsonl'],
] as const) {
  it(`the harness notices a store that does not sync: ${what}, a crash loses acknowledged records`, {timeout: 600_000}, async () => {
    // Only what syncs alone keep matters here; the first crash point that loses something is enough.
    const run = await runWorkload(await startImage(), honourSync, ['lost'])
    let lost = false
    for (const point of distinctImages(run.points)) {
      lost = await checkPoint(point, run).then(() => false, () => true)
      if (lost) break
    }
    assert.ok(lost, 'no crash point lost anything although acknowledged flushes were not synced')
  })
}
