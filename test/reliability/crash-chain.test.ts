// Chains of crashes, in-process and seeded: the embedded store (over CrashFiles, crash-files.ts) does
// random work (jobs, receipts, transactions in concurrent group commits, blocks sealed at random
// moments, some while a flush is in flight; a small flush log, so checkpoints happen all along) and is
// crashed at a random file operation, which may fall in the recovery from the crash before it; the next
// life opens what the crash left, works, crashes again, and so on. Then a graceful close writes the
// history index and a last open loads from it: every block must read back as exactly its transactions
// (whole and page by page), consecutive seqs, checkBlock passing, and so must every life's store as it
// opened and as it worked. What crash.test.ts does with SIGKILLs and a real server, many times a second.
// AITBC_CHAIN_SEED=S AITBC_CHAIN_SEEDS=N runs seeds S..S+N-1 (default 1..10, a few seconds); a failure names its seed.
import assert from 'node:assert/strict'
import {it} from 'node:test'

import {Ed25519Signer} from '../../src/protocol/ed25519.js'
import {checkBlock, sealBlock, type Block, type Transaction} from '../../src/protocol/ledger.js'
import {Ledger} from '../../src/server/ledger/ledger.js'
import {HISTORY_INDEX_FILE} from '../../src/server/store/history-index.js'
import {LowdbStore} from '../../src/server/store/lowdb-store.js'
import type {JobRecord} from '../../src/server/store/records.js'
import {CrashFiles, newStoreImage, type CrashVariant, type Image} from './crash-files.js'
import {seededRandom} from './load.js'

const DIR = '/chain/data'
const signer = new Ed25519Signer(new Uint8Array(32).fill(9))
const trusted = new Set([signer.keyId])
/** Checkpoints every few flushes. */
const CHECKPOINT_BYTES = 3000
const LIVES = 8

class Crash extends Error {}

/** What was acknowledged (its commit resolved): a recovery must have it, exactly. */
interface Acked {
  txs: Map<number, string>
  blocks: Map<number, string>
}

const verified = new Set<string>()

/** Every block reads back as its transactions (whole and in pages), seqs run on without a gap, and acknowledged ones are there. */
function verifyLedger(store: LowdbStore, acked: Acked, where: string, random: () => number): void {
  let previous: Block | undefined
  let seq = 0
  const head = store.headBlock()!
  for (let height = 0; height <= head.height; height++) {
    const block = store.getBlock(height)!
    const txs = store.blockTransactions(height)!
    const seqs = txs.map((tx) => tx.seq)
    assert.equal(txs.length, block.transactions, `${where}: block ${height} states ${block.transactions} transactions, ${txs.length} read (seq ${seqs.join(',')}; sealed through ${seq} before it)`)
    seqs.forEach((s, i) => assert.equal(s, seq + i + 1, `${where}: block ${height} holds seq ${seqs.join(',')} after seq ${seq}`))
    // A block and its transactions (exactly) are checked once: most reads are of blocks checked before.
    const key = JSON.stringify([block, txs, previous?.hash ?? null])
    if (!verified.has(key)) {
      assert.equal(checkBlock(block, txs, previous, trusted), undefined, `${where}: block ${height} does not verify`)
      verified.add(key)
    }
    if (txs.length > 1 && random() < 0.3) {
      const limit = 1 + Math.floor(random() * txs.length)
      const paged: Transaction[] = []
      for (let offset = 0; ; offset += limit) {
        const page = store.blockTransactions(height, {offset, limit})!
        paged.push(...page)
        if (page.length < limit) break
      }
      assert.deepEqual(paged, txs, `${where}: block ${height} read in pages of ${limit}`)
    }
    seq += txs.length
    previous = block
  }
  const unsealed = store.unsealedTransactions()
  unsealed.forEach((tx, i) => assert.equal(tx.seq, seq + i + 1, `${where}: unsealed transactions do not follow seq ${seq}`))
  assert.equal(store.lastTransactionSeq(), seq + unsealed.length, `${where}: last seq`)
  const recent = store.recentTransactions(5)
  recent.forEach((tx, i) => assert.equal(tx.seq, store.lastTransactionSeq() - i, `${where}: recent transactions`))
  for (const [height, hash] of acked.blocks) assert.equal(store.getBlock(height)?.hash, hash, `${where}: acknowledged block ${height}`)
  if (acked.txs.size) {
    const all = new Map<number, string>()
    for (let height = 1; height <= head.height; height++) for (const tx of store.blockTransactions(height)!) all.set(tx.seq, tx.tx_hash)
    for (const tx of unsealed) all.set(tx.seq, tx.tx_hash)
    for (const [s, hash] of acked.txs) assert.equal(all.get(s), hash, `${where}: acknowledged transaction ${s}`)
  }
}

/**
 * One life: opens `image`, works until the crash at file operation `crashAt` (counted from the open,
 * so it may fall in the recovery) and returns what the crash left; with `steps`, closes gracefully
 * after that many steps unless the crash came first (it may come during the close).
 */
async function live(image: Image, random: () => number, life: string, acked: Acked, variant: CrashVariant, crashAt: number | undefined, steps: number, clock: {t: number}): Promise<{image: Image; crashed: boolean}> {
  const files = new CrashFiles(image)
  let left: Image | undefined
  let ops = 0
  files.onOp = () => {
    if (left) throw new Crash('crashed')
    if (crashAt !== undefined && ++ops >= crashAt) {
      left = files.crashImage(variant, random)
      throw new Crash('crashed')
    }
  }
  let store: LowdbStore
  try {
    store = await LowdbStore.open(DIR, {files, checkpointBytes: CHECKPOINT_BYTES, retryWriteMs: 3_600_000})
  } catch (error) {
    if (left) return {image: left, crashed: true}
    throw new Error(`${life}: the store did not open: ${(error as Error).message}`, {cause: error})
  }
  const now = () => new Date((clock.t += 1000))
  const ledger = new Ledger(store, signer)
  const inFlight: Promise<void>[] = []
  const commit = (txs: Transaction[], blocks: Block[]) => {
    const done = store.commit().then(() => {
      for (const tx of txs) acked.txs.set(tx.seq, tx.tx_hash)
      for (const block of blocks) acked.blocks.set(block.height, block.hash)
    })
    done.catch(() => undefined)
    inFlight.push(done)
  }
  /** Seals some (a prefix) or all of what is unsealed, as block-sealer.ts does with a maximum. */
  const seal = (): Block | undefined => {
    const unsealed = store.unsealedTransactions()
    if (!unsealed.length) return undefined
    const take = random() < 0.5 ? unsealed.length : 1 + Math.floor(random() * unsealed.length)
    const head = store.headBlock()!
    const block = sealBlock({height: head.height, hash: head.hash}, unsealed.slice(0, take), now().toISOString(), signer)
    store.appendBlock(block)
    return block
  }
  try {
    verifyLedger(store, acked, `${life}, opened`, random)
    for (let step = 0; step < steps && !left; step++) {
      const r = random()
      if (r < 0.45) {
        // Several changes in the same turn: one group commit.
        const changes = 1 + Math.floor(random() * 4)
        for (let c = 0; c < changes; c++) {
          const id = `job-${life}-${step}-${c}`
          const job: JobRecord = {
            job_id: id, status: 'pending', prompt: `prompt ${'é€x'.repeat(Math.floor(random() * 60))}`, model: 'llama3.2',
            params: {max_tokens: 64, temperature: 0.7, top_p: 0.9}, client: 'client', attempts: 0, created_at: now().toISOString(),
          }
          store.putJob(job)
          const txs = [ledger.record('job_submitted', {job_id: id, note: 'ü'.repeat(Math.floor(random() * 40))}, now())]
          if (random() < 0.3) txs.push(ledger.record('job_claimed', {job_id: id, miner_id: 'rig'}, now()))
          const blocks: Block[] = []
          if (random() < 0.15) {
            const block = seal()
            if (block) blocks.push(block)
          }
          commit(txs, blocks)
        }
      } else if (r < 0.6) {
        const block = seal()
        if (block) commit([], [block])
      } else if (r < 0.75) {
        // Let the flushes in flight go part of the way (a file operation or a few).
        const turns = 1 + Math.floor(random() * 4)
        for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setImmediate(resolve))
      } else if (r < 0.9) {
        await Promise.all(inFlight.splice(0))
      } else if (r < 0.95) {
        verifyLedger(store, acked, `${life}, step ${step}`, random)
      } else {
        // Queued, committed with whatever asks next (a claim, commitSoon).
        store.putJob({
          job_id: `lone-${life}-${step}`, status: 'pending', prompt: 'p', model: 'llama3.2',
          params: {max_tokens: 64, temperature: 0.7, top_p: 0.9}, client: 'client', attempts: 0, created_at: now().toISOString(),
        })
      }
      if (step > 10_000) throw new Error(`${life}: no crash after 10,000 steps`)
    }
    if (left) return {image: left, crashed: true}
    await Promise.all(inFlight.splice(0))
    verifyLedger(store, acked, `${life}, before close`, random)
    await store.close()
    if (left) return {image: left, crashed: true}
    return {image: files.crashImage('kept'), crashed: false}
  } catch (error) {
    if (left) {
      await store.close().catch(() => undefined)
      return {image: left, crashed: true}
    }
    throw error
  }
}

/** Runs one chain of crashes for `seed`; throws naming the seed and life on the first failure. */
async function chain(seed: number, base: Image): Promise<{crashes: number; inRecovery: number}> {
  const random = seededRandom(seed)
  const variant: CrashVariant = random() < 0.5 ? 'kept' : 'torn'
  const acked: Acked = {txs: new Map(), blocks: new Map()}
  const clock = {t: Date.parse('2026-01-02T00:00:00.000Z')}
  let image = base
  let crashes = 0
  let inRecovery = 0
  try {
    for (let life = 0; life < LIVES; life++) {
      // Now and then a crash early enough to fall in the recovery from the one before (about 27 file
      // operations when the log holds flushes), or a life that closes (writing a history index the next
      // lives start from) and may crash while it does.
      const early = random() < 0.3
      const crashAt = early ? 1 + Math.floor(random() * 30) : 1 + Math.floor(random() * 400)
      const steps = !early && random() < 0.3 ? 1 + Math.floor(random() * 40) : Infinity
      const result = await live(image, random, `seed ${seed} (${variant}), life ${life}`, acked, variant, crashAt, steps, clock)
      image = result.image
      if (result.crashed) crashes++
      if (result.crashed && early) inRecovery++
    }
    // A graceful close writes the history index; the last open loads from it.
    image = (await live(image, random, `seed ${seed} (${variant}), closing life`, acked, variant, undefined, 20, clock)).image
    assert.ok(image.has(`${DIR}/${HISTORY_INDEX_FILE}`), 'the graceful close wrote no history index')
    for (const withIndex of [true, false]) {
      const files = new Map(image)
      if (!withIndex) files.delete(`${DIR}/${HISTORY_INDEX_FILE}`)
      const store = await LowdbStore.open(DIR, {files: new CrashFiles(files), checkpointBytes: CHECKPOINT_BYTES})
      try {
        if (withIndex) assert.ok(store.loadedFromIndex.includes('transactions'), 'the last open did not load the transactions from the index')
        verifyLedger(store, acked, `seed ${seed} (${variant}), final open ${withIndex ? 'from the index' : 'parsing'}`, random)
      } finally {
        await store.close()
      }
    }
  } catch (error) {
    throw new Error(`seed ${seed}: ${(error as Error).message}`, {cause: error})
  }
  return {crashes, inRecovery}
}

const FIRST_SEED = Number(process.env.AITBC_CHAIN_SEED ?? 1)
/** Seed 1 found the block that read back part of the in-memory tail (ledger-index.ts, range). */
const SEEDS = Number(process.env.AITBC_CHAIN_SEEDS ?? 10)

it(`chains of ${LIVES} lives ending in a crash (some during recovery or a close) or a close, then a close and an open from the history index: every block reads back as its transactions`, {timeout: 3_600_000}, async (t) => {
  const base = await newStoreImage(DIR, signer)
  let crashes = 0
  let inRecovery = 0
  let closes = 0
  for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
    const run = await chain(seed, base)
    crashes += run.crashes
    inRecovery += run.inRecovery
    closes += LIVES - run.crashes
  }
  t.diagnostic(`seeds ${FIRST_SEED}..${FIRST_SEED + SEEDS - 1}: ${crashes} crashes, ${inRecovery} of them early in a life (in or near its recovery), ${closes} graceful closes between`)
})
