// Records that can no longer change (finished jobs, receipts, sealed transactions) leave memory once
// they are on disk and are read back when asked for: every read must give what was written, before and
// after a restart, whether the record is in memory, on disk, or a range spans both.
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {initDataDir, openDataDir} from '../../src/server/data-dir.js'
import {Ledger} from '../../src/server/ledger/ledger.js'
import {issueReceipt} from '../../src/server/receipts/receipt-issuer.js'
import type {JobRecord, ReceiptRecord} from '../../src/server/store/records.js'
import type {Store} from '../../src/server/store/store.js'

let root: string
before(async () => (root = await mkdtemp(path.join(tmpdir(), 'aitbc-on-disk-'))))
after(() => rm(root, {recursive: true, force: true}))

function job(n: number, status: JobRecord['status'], client: string): JobRecord {
  return {
    job_id: `job_${String(n).padStart(4, '0')}`, status, prompt: `prompt ${n} — ünïcödé`, model: n % 2 ? 'a' : 'b',
    params: {max_tokens: 8, temperature: 0, top_p: 1}, client, attempts: 1, created_at: new Date(1_700_000_000_000 + n).toISOString(),
  }
}

/** What a reader sees of the store; compared before and after each change of where records live. */
function view(store: Store) {
  return {
    jobs: store.listJobs({limit: 100, offset: 0}),
    byStatus: (['pending', 'running', 'completed', 'failed'] as const).map((status) => store.listJobs({status, limit: 100, offset: 0})),
    byClient: ['alice', 'bob'].map((client) => store.listJobs({client, limit: 3, offset: 1})),
    oldestPending: store.oldestPendingJob(['a', 'b']),
    running: store.runningJobs(),
    byKey: store.jobByIdempotencyKey('alice', 'key-3'),
    receipts: store.listReceipts({limit: 100, offset: 0}),
    receiptsOf: [store.listReceipts({client: 'bob', limit: 100, offset: 0}), store.listReceipts({provider: 'rig-1', limit: 2, offset: 1})],
    recent: [1, 5, 1000].map((limit) => store.recentTransactions(limit)),
    blocks: Array.from({length: (store.headBlock()?.height ?? 0) + 1}, (_, h) => store.blockTransactions(h)),
    unsealed: store.unsealedTransactions(),
    last: store.lastTransactionSeq(),
  }
}

describe('records read back from disk', () => {
  it('give what was written, in memory, after the flush and after a restart', async () => {
    const dir = path.join(root, 'history')
    await initDataDir(dir)
    const opened = await openDataDir(dir)
    const {store, signer} = opened
    const ledger = new Ledger(store, signer)
    store.putMiner({miner_id: 'rig-1', capabilities: ['a', 'b'], principal: 'miner', registered_at: 'x', last_seen: 'x'})
    const receipts: ReceiptRecord[] = []
    for (let n = 0; n < 12; n++) {
      const client = n % 3 ? 'alice' : 'bob'
      const pending = {...job(n, 'pending', client), ...(n === 3 ? {idempotency: {key: 'key-3', request_sha256: 'h'}} : {})}
      store.putJob(pending)
      ledger.record('job_submitted', {job_id: pending.job_id}, new Date())
      if (n % 4 === 0) continue
      const running = {...pending, status: 'running' as const, miner_id: 'rig-1'}
      store.putJob(running)
      if (n % 4 === 1) continue
      const receipt = issueReceipt({receiptId: `rcpt_${n}`, job: running, minerId: 'rig-1', result: `r${n}`, units: n, pricePer1000: 1, completedAt: new Date()}, signer)
      receipts.push(receipt)
      store.putReceipt(receipt)
      store.putJob({...running, status: n % 4 === 2 ? 'completed' : 'failed', result: `r${n}`, receipt_id: receipt.receipt_id})
      ledger.record('job_completed', {job_id: pending.job_id}, new Date())
      // Blocks every few jobs, some before the flush and some after.
      if (n % 5 === 4) ledger.sealPending(new Date())
      if (n % 3 === 2) await store.commit()
    }
    const inMemory = view(store)
    assert.equal(inMemory.receipts?.length, receipts.length)
    await store.commit()
    assert.deepEqual(view(store), inMemory, 'after the flush')
    ledger.sealPending(new Date())
    await store.commit()
    const sealed = view(store)
    assert.deepEqual(sealed.recent, inMemory.recent.map((txs) => txs.map((tx) => ({...tx, block_height: sealed.recent[2].find((s) => s.seq === tx.seq)!.block_height}))))
    assert.deepEqual(store.getReceipt(receipts[2].receipt_id), receipts[2])
    await store.close()

    const reopened = await openDataDir(dir)
    assert.deepEqual(view(reopened.store), sealed, 'after a restart')
    // New history on top of what is only on disk: ranges that span disk and memory.
    const more = new Ledger(reopened.store, reopened.signer)
    more.record('job_submitted', {job_id: 'job_new'}, new Date())
    reopened.store.putJob(job(99, 'pending', 'alice'))
    const spanning = view(reopened.store)
    assert.deepEqual(spanning.recent[2].slice(1), sealed.recent[2])
    assert.equal(spanning.unsealed.length, 1)
    await reopened.store.commit()
    more.sealPending(new Date())
    await reopened.store.commit()
    assert.deepEqual(view(reopened.store).recent[2].slice(1), sealed.recent[2])
    assert.deepEqual(reopened.store.getJob('job_0099'), job(99, 'pending', 'alice'))
    await reopened.store.close()
  })
})
