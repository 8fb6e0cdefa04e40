// Reads a coordinator's whole state back over HTTP and checks the invariants every reliability test
// ends with: receipts verify, no job completed twice or holding two receipts, a receipt exists iff its
// job completed, and the ledger recomputes from genesis with its signatures.
import assert from 'node:assert/strict'

import {createApiClient} from '../../src/client/client.js'
import {getBlock} from '../../src/client/calls.js'
import {checkBlock, type Block, type Transaction} from '../../src/protocol/ledger.js'
import {verifyReceipt} from '../../src/protocol/receipt.js'
import {requestJson} from '../helpers/server.js'
import type {JobBody, ReceiptBody} from '../server/fixtures.js'

/** Every item of a paged list (limit/offset), as `key` sees it. */
export async function allPages<T>(url: string, pathname: string, key: string): Promise<T[]> {
  const items: T[] = []
  for (let offset = 0; ; offset += 100) {
    const res = await requestJson<T[]>(url, `${pathname}?limit=100&offset=${offset}`, {key})
    assert.equal(res.status, 200, `${pathname}: ${JSON.stringify(res.body)}`)
    items.push(...res.body)
    if (res.body.length < 100) return items
  }
}

export interface Snapshot {
  jobs: Map<string, JobBody>
  receipts: Map<string, ReceiptBody>
}

/** All jobs and receipts, through the admin key. */
export async function snapshot(url: string, adminKey: string): Promise<Snapshot> {
  const jobs = await allPages<JobBody>(url, '/v1/jobs', adminKey)
  const receipts = await allPages<ReceiptBody>(url, '/v1/receipts', adminKey)
  return {jobs: new Map(jobs.map((job) => [job.job_id, job])), receipts: new Map(receipts.map((r) => [r.receipt_id, r]))}
}

/** Every receipt verifies; each job has at most one, and has one exactly when it completed (and names it). */
export function assertReceiptsMatchJobs(state: Snapshot, trustedKeyIds: ReadonlySet<string>): void {
  const byJob = new Map<string, string[]>()
  for (const receipt of state.receipts.values()) {
    assert.equal(verifyReceipt(receipt, trustedKeyIds), undefined, `receipt ${receipt.receipt_id} does not verify`)
    byJob.set(receipt.job_id, [...(byJob.get(receipt.job_id) ?? []), receipt.receipt_id])
  }
  for (const [jobId, receiptIds] of byJob) {
    assert.equal(receiptIds.length, 1, `job ${jobId} holds ${receiptIds.length} receipts: ${receiptIds.join(', ')}`)
    const job = state.jobs.get(jobId)
    assert.ok(job, `receipt ${receiptIds[0]} is for a job that does not exist: ${jobId}`)
    assert.equal(job.status, 'completed', `job ${jobId} has receipt ${receiptIds[0]} but is ${job.status}`)
  }
  for (const job of state.jobs.values()) {
    if (job.status !== 'completed') continue
    assert.deepEqual(byJob.get(job.job_id), [job.receipt_id], `completed job ${job.job_id} and its receipt`)
  }
}

export interface LedgerAudit {
  blocks: number
  transactions: Transaction[]
}

/**
 * Walks every block from genesis with checkBlock (hashes, Merkle root, link, signature) and checks
 * that they seal transactions 1..n without a gap, and no job was completed or paid for twice.
 */
export async function auditLedger(url: string, trustedKeyIds: ReadonlySet<string>): Promise<LedgerAudit> {
  const [head] = (await requestJson<Block[]>(url, '/explorer/blocks?limit=1')).body
  // The explorer is public: no key.
  const client = createApiClient({baseUrl: url, userAgent: 'aitbc-test', retry: {retries: 0}})
  const transactions: Transaction[] = []
  let previous: Block | undefined
  for (let height = 0; height <= head.height; height++) {
    // The client's reader, which follows the block's pages of transactions (a block sealed under load
    // may hold more than one page: reading one page alone failed its count check).
    const {transaction_list: txs, ...block} = await getBlock(client, height)
    const failure = checkBlock(block, txs, previous, trustedKeyIds)
    if (failure) {
      const before = transactions.at(-1)?.seq ?? 0
      assert.fail(`block ${height} does not verify: ${failure} (it states ${block.transactions} transactions, ${txs.length} read: seq ${seqRuns(txs)}; the blocks before it sealed through seq ${before}; head ${head.height})`)
    }
    transactions.push(...txs)
    previous = block
  }
  transactions.forEach((tx, i) => assert.equal(tx.seq, i + 1, `transaction ${i + 1} of the sealed ledger has seq ${tx.seq}`))
  for (const type of ['job_completed', 'receipt_issued'] as const) {
    const jobIds = transactions.filter((tx) => tx.type === type).map((tx) => tx.data.job_id as string)
    const twice = jobIds.filter((id, i) => jobIds.indexOf(id) !== i)
    assert.deepEqual(twice, [], `${type} recorded twice for a job`)
  }
  return {blocks: head.height + 1, transactions}
}

/** The transactions' seqs as runs, `1..4, 6, 9..12`: what a failed block check read, in a line. */
function seqRuns(txs: readonly Transaction[]): string {
  const runs: string[] = []
  for (let i = 0; i < txs.length; ) {
    let j = i
    while (j + 1 < txs.length && txs[j + 1].seq === txs[j].seq + 1) j++
    runs.push(i === j ? `${txs[i].seq}` : `${txs[i].seq}..${txs[j].seq}`)
    i = j + 1
  }
  return runs.join(', ') || 'none'
}

/** Resolves once every transaction is sealed in a block. */
export async function waitForSealed(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const [latest] = (await requestJson<(Transaction & {block_height: number | null})[]>(url, '/explorer/transactions?limit=1')).body
    if (!latest || latest.block_height !== null) return
    assert.ok(Date.now() < deadline, 'transactions were not sealed in time')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Every job was recorded as submitted and every receipt as issued: no state change without its transaction. */
export function assertLedgerCovers(state: Snapshot, ledger: LedgerAudit): void {
  const recorded = (type: string) => new Set(ledger.transactions.filter((tx) => tx.type === type).map((tx) => tx.data[type === 'receipt_issued' ? 'receipt_id' : 'job_id']))
  const submitted = recorded('job_submitted')
  const issued = recorded('receipt_issued')
  for (const jobId of state.jobs.keys()) assert.ok(submitted.has(jobId), `job ${jobId} has no job_submitted transaction`)
  for (const receiptId of state.receipts.keys()) assert.ok(issued.has(receiptId), `receipt ${receiptId} has no receipt_issued transaction`)
}
