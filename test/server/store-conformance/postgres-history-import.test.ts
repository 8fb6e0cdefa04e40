// Moving up: an embedded coordinator's history, made through the services' store operations and read
// back from its files, copied into PostgreSQL verbatim; the copy lists the same, its chain and receipts
// verify, and the ledger goes on from where the embedded one stopped.
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {checkBlock, sealBlock} from '../../../src/protocol/ledger.js'
import {verifyReceipt} from '../../../src/protocol/receipt.js'
import * as machine from '../../../src/server/jobs/job-machine.js'
import {issueReceipt} from '../../../src/server/receipts/receipt-issuer.js'
import {AlwaysLeader} from '../../../src/server/store/always-leader.js'
import type {AsyncStore, BlockBuilder} from '../../../src/server/store/async-store.js'
import {EmbeddedAsyncStore} from '../../../src/server/store/embedded-async-store.js'
import {LowdbStore} from '../../../src/server/store/lowdb-store.js'
import {copyEmbeddedStore} from '../../../src/server/store/postgres/history-import.js'
import {DatabaseStateError, PostgresStore} from '../../../src/server/store/postgres/postgres-store.js'
import type {StoreMeta} from '../../../src/server/store/records.js'
import {claimBy, job, signer, tx, until} from './conformance.js'
import {createTestDatabase, NO_SERVER} from './test-database.js'

const database = await createTestDatabase()
const meta: StoreMeta = {format: 1, created_at: '2026-01-01T00:00:00.000Z', signing_key_id: signer.keyId}
const build: BlockBuilder = (previous, txs) => sealBlock(previous, txs, new Date().toISOString(), signer)

/** An embedded store with keys, a miner, jobs in every state, receipts, sealed blocks and an unsealed tail. */
async function embeddedHistory(dir: string): Promise<void> {
  const store = new EmbeddedAsyncStore(await LowdbStore.create(dir, meta))
  const lead = new AlwaysLeader()
  await store.changeApiKeys(() => ['admin', 'client', 'miner'].map((role) => ({name: role, role: role as 'admin', key_hash: 'cd'.repeat(32), created_at: meta.created_at})))
  await store.changeMiner('gpu-1', () => ({
    miner: {miner_id: 'gpu-1', capabilities: ['llama3.2'], principal: 'miner', registered_at: meta.created_at, last_seen: meta.created_at},
    transactions: [tx('miner_registered', {miner_id: 'gpu-1'})],
  }))
  await store.sealBlock(lead, build)
  for (let i = 0; i < 12; i++) {
    const next = job({client: i % 3 ? 'client' : 'other', ...(i % 4 ? {} : {idempotency: {key: `k${i}`, request_sha256: 'ee'}})})
    await store.submitJob(next, [tx('job_submitted', {job_id: next.job_id})])
    if (i < 8) await store.changeJob(next.job_id, claimBy('gpu-1'))
    if (i < 5) {
      const running = (await store.getJob(next.job_id))!
      const receipt = issueReceipt({receiptId: `rcpt_${next.job_id}`, job: running, minerId: 'gpu-1', result: `answer ${i}`, units: 3, pricePer1000: 2, completedAt: new Date()}, signer)
      await store.changeJob(next.job_id, (current) => {
        const move = machine.complete(current, 'gpu-1', `answer ${i}`, receipt.receipt_id, new Date())
        if ('refused' in move) throw new Error(move.refused)
        return {job: move.job, receipt, transactions: [tx('job_completed', {job_id: current.job_id}), tx('receipt_issued', {receipt})]}
      })
    } else if (i === 5) {
      await store.changeJob(next.job_id, (current) => ({job: machine.failAttempt(current, 'oom', new Date(), current.attempts >= 3).job, transactions: [tx('job_requeued', {})]}))
    } else if (i === 6) {
      await store.changeJob(next.job_id, (current) => ({job: {...current, status: 'cancelled'}, transactions: [tx('job_cancelled', {})]}))
    }
    if (i === 3 || i === 9) await store.sealBlock(lead, build)
  }
  await store.close()
}

async function everything(store: AsyncStore) {
  return {
    keys: await store.apiKeys(),
    miner: await store.getMiner('gpu-1'),
    jobs: await store.listJobs({limit: 1000, offset: 0}),
    receipts: await store.listReceipts({limit: 1000, offset: 0}),
    transactions: await store.recentTransactions(100_000),
    blocks: await store.listBlocks({limit: 1000}),
    idempotent: (await store.listJobs({limit: 1000, offset: 0})).filter((j) => j.idempotency).map((j) => j.idempotency!.key),
  }
}

describe('copying an embedded store into PostgreSQL', {skip: database ? false : NO_SERVER}, () => {
  after(() => database?.drop())

  it('copies the whole history verbatim; the chain and receipts verify and the ledger goes on', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aitbc-import-'))
    const options = {connectionString: database!.url, schema: 'imported', retryMs: 100}
    const target = await PostgresStore.create(options, meta)
    try {
      await embeddedHistory(dir)
      // Read back from its files, as `serve migrate` will: finished records come from disk.
      const source = await LowdbStore.open(dir)
      const counts = await copyEmbeddedStore(source, target, 4)
      const expected = await everything(new EmbeddedAsyncStore(source))
      assert.deepEqual(counts, {apiKeys: 3, miners: 1, jobs: 12, receipts: 5, transactions: expected.transactions.length, blocks: 3})
      assert.deepEqual(await everything(target), expected)
      // The admission caps' counts go on from the copy.
      assert.equal(await target.pendingPromptBytes(), source.pendingPromptBytes())
      assert.equal(await target.countJobs({status: 'pending'}), source.countJobs({status: 'pending'}))
      assert.equal((await target.getJob(expected.jobs[0].job_id))?.prompt, expected.jobs[0].prompt)
      assert.deepEqual((await target.submitJob({...expected.jobs.find((j) => j.idempotency)!, job_id: 'job_retry'}, [])).replayed, true)

      let previous: {height: number; hash: string} | undefined
      for (const block of [...expected.blocks].reverse()) {
        assert.equal(checkBlock(block, (await target.blockTransactions(block.height))!, previous, new Set([signer.keyId])), undefined)
        previous = block
      }
      for (const receipt of (await target.listReceipts({limit: 100, offset: 0}))!) assert.equal(verifyReceipt(receipt, new Set([signer.keyId])), undefined)

      const [next] = await target.appendTransactions([tx('job_submitted', {after: 'import'})])
      assert.equal(next.seq, expected.transactions[0].seq + 1)
      const lead = target.leadBlockSealing()
      await until(() => lead.isLeader, 'the lead on the imported store')
      const sealed = (await target.sealBlock(lead, build))!
      assert.equal(sealed.height, expected.blocks[0].height + 1)
      assert.equal(sealed.prev_hash, expected.blocks[0].hash)
      assert.deepEqual((await target.blockTransactions(sealed.height))!.map((t) => t.seq).at(-1), next.seq)

      // A second copy into the now non-empty store is refused, and changes nothing.
      await assert.rejects(copyEmbeddedStore(source, target), DatabaseStateError)
      assert.equal(await target.jobCount(), 12)
      await source.close()
    } finally {
      await target.close()
      await rm(dir, {recursive: true, force: true})
    }
  })
})
