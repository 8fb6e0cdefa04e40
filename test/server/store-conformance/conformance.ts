// The behaviour every store owes the coordinator, run against each store (embedded.test.ts,
// postgres.test.ts). `stores` are two handles on one store's data: two replicas (separate connection
// pools) where the store can have them, the same store twice where it has a single writer. Concurrency
// tests spread their callers over both.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {Ed25519Signer, generateSeed} from '../../../src/protocol/ed25519.js'
import {checkBlock, sealBlock, transactionHash, type Transaction} from '../../../src/protocol/ledger.js'
import {verifyReceipt} from '../../../src/protocol/receipt.js'
import * as machine from '../../../src/server/jobs/job-machine.js'
import {issueReceipt} from '../../../src/server/receipts/receipt-issuer.js'
import type {AsyncStore, BlockBuilder, JobChanger, QueueCounts, StoreEvent, TransactionDraft} from '../../../src/server/store/async-store.js'
import type {ApiKeyRecord, JobRecord, MinerRecord, StoreMeta} from '../../../src/server/store/records.js'
import type {JobQuery} from '../../../src/server/store/store.js'

export interface Replicas {
  stores: [AsyncStore, AsyncStore]
  close(): Promise<void>
}

export interface StoreSubject {
  name: string
  /** A new, empty store (meta set, no block yet). */
  fresh(meta: StoreMeta): Promise<Replicas>
}

export const signer = new Ed25519Signer(generateSeed())
const meta: StoreMeta = {format: 1, created_at: '2026-01-01T00:00:00.000Z', signing_key_id: signer.keyId}
const build: BlockBuilder = (previous, txs) => sealBlock(previous, txs, new Date().toISOString(), signer)

let serial = 0
export function job(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    job_id: `job_${String(++serial).padStart(6, '0')}`,
    status: 'pending',
    prompt: 'Say hi',
    model: 'llama3.2',
    params: {max_tokens: 8, temperature: 0, top_p: 1},
    client: 'alice',
    attempts: 0,
    created_at: new Date().toISOString(),
    ...overrides,
  }
}

export function tx(type: TransactionDraft['type'], data: Record<string, unknown>): TransactionDraft {
  return {type, timestamp: new Date().toISOString(), data}
}

/** The coordinator's claim: the job machine's move, refused moves thrown (nothing is written then). */
export function claimBy(minerId: string, leaseSeconds = 30, now = new Date()): JobChanger {
  return (current) => {
    const move = machine.claim(current, minerId, now, leaseSeconds)
    if ('refused' in move) throw new Error(move.refused)
    return {job: move.job, transactions: [tx('job_claimed', {job_id: current.job_id, miner_id: minerId})]}
  }
}

function miner(id: string, principal: string, lastSeen = new Date().toISOString()): MinerRecord {
  return {miner_id: id, capabilities: ['llama3.2'], principal, registered_at: lastSeen, last_seen: lastSeen}
}

function key(name: string, role: ApiKeyRecord['role']): ApiKeyRecord {
  return {name, role, key_hash: 'ab'.repeat(32), created_at: new Date().toISOString()}
}

/** Resolves with the first event `match` accepts; rejects naming what it waited for after `ms`. */
function nextEvent(store: AsyncStore, match: (event: StoreEvent) => boolean, ms = 5000): Promise<StoreEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (unsubscribe(), reject(new Error(`no matching store event within ${ms} ms`))), ms)
    const unsubscribe = store.subscribe((event) => {
      if (!match(event)) return
      clearTimeout(timer)
      unsubscribe()
      resolve(event)
    })
  })
}

async function allTransactions(store: AsyncStore): Promise<Transaction[]> {
  return (await store.recentTransactions(1_000_000)).reverse()
}

export function storeConformance(subject: StoreSubject): void {
  describe(`${subject.name}: store conformance`, () => {
    let replicas: Replicas
    let a: AsyncStore
    let b: AsyncStore
    const leads: {release(): Promise<void>}[] = []
    before(async () => {
      replicas = await subject.fresh(meta)
      ;[a, b] = replicas.stores
    })
    after(async () => {
      await Promise.all(leads.map((lead) => lead.release()))
      await replicas?.close()
    })

    it('keeps its meta, and API keys in creation order, changed atomically across replicas', async () => {
      assert.deepEqual(a.meta, meta)
      await a.changeApiKeys(() => [key('admin', 'admin'), key('admin2', 'admin'), key('bob', 'client')])
      assert.deepEqual((await b.apiKeys()).map((k) => k.name), ['admin', 'admin2', 'bob'])
      assert.equal((await b.getApiKey('bob'))?.role, 'client')
      assert.equal(await b.getApiKey('nobody'), undefined)
      // Two admins revoke each other at once: the rule "keep one active admin" must hold.
      const revoke = (store: AsyncStore, name: string) =>
        store.changeApiKeys((keys) => {
          const active = keys.filter((k) => k.role === 'admin' && !k.revoked_at)
          if (active.length < 2) throw new Error('last active admin key')
          return [{...keys.find((k) => k.name === name)!, revoked_at: new Date().toISOString()}]
        })
      const outcomes = await Promise.allSettled([revoke(a, 'admin'), revoke(b, 'admin2')])
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1)
      assert.equal((await a.apiKeys()).filter((k) => k.role === 'admin' && !k.revoked_at).length, 1)
    })

    it('registers a miner once when two principals race for its id, and counts active miners', async () => {
      const register = (store: AsyncStore, principal: string) =>
        store.changeMiner('gpu-1', (existing) => {
          if (existing && existing.principal !== principal) throw new Error('belongs to another principal')
          return {miner: miner('gpu-1', principal), transactions: existing ? [] : [tx('miner_registered', {miner_id: 'gpu-1', principal})]}
        })
      const outcomes = await Promise.allSettled([register(a, 'p1'), register(b, 'p2'), register(a, 'p3'), register(b, 'p4')])
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1, JSON.stringify(outcomes))
      const owner = (await a.getMiner('gpu-1'))!.principal
      assert.equal((await b.getMiner('gpu-1'))?.principal, owner)
      const registrations = (await allTransactions(a)).filter((t) => t.type === 'miner_registered')
      assert.deepEqual(registrations.map((t) => t.data.principal), [owner])

      const long = '2026-01-01T00:00:00.000Z'
      await a.changeMiner('gpu-old', () => ({miner: miner('gpu-old', 'p9', long)}))
      const since = new Date(Date.now() - 60_000).toISOString()
      assert.equal(await b.countActiveMiners(since), 1)
      a.touchMiner('gpu-old', new Date().toISOString())
      assert.equal(await a.countActiveMiners(since), 2)
      assert.equal(await a.getMiner('nope'), undefined)
    })

    it('stores a job as given, byte for byte, and changes it; a change that throws writes nothing', async () => {
      const odd = job({prompt: 'nul \u0000 lone \ud800 emoji \u{1F600} quote " backslash \\ end', params: {max_tokens: 5, temperature: 0.1 + 0.2, top_p: 1e-7}})
      await a.submitJob(odd, [tx('job_submitted', {job_id: odd.job_id})])
      assert.deepEqual(await b.getJob(odd.job_id), odd)
      assert.equal(await b.getJob('job_missing'), undefined)
      assert.equal(await b.changeJob('job_missing', claimBy('m')), undefined)

      const seq = await a.lastTransactionSeq()
      await assert.rejects(
        b.changeJob(odd.job_id, () => {
          throw new Error('refused')
        }),
        /refused/,
      )
      await assert.rejects(b.changeJob(odd.job_id, () => ({job: {...odd, job_id: 'job_other'}})), /returned job job_other/)
      assert.deepEqual(await a.getJob(odd.job_id), odd)
      assert.equal(await a.getJob('job_other'), undefined)
      assert.equal(await a.lastTransactionSeq(), seq)
      const cancelled = await b.changeJob(odd.job_id, (current) => ({job: {...current, status: 'cancelled'}, transactions: [tx('job_cancelled', {})]}))
      assert.equal(cancelled?.transactions[0].seq, seq + 1)
      assert.equal((await a.getJob(odd.job_id))?.status, 'cancelled')
      assert.equal(await a.lastTransactionSeq(), seq + 1)
      const unchanged = await a.changeJob(odd.job_id, () => ({}))
      assert.equal(unchanged?.job.status, 'cancelled')
    })

    it('lists jobs newest first, filtered by client and status, with limit and offset', async () => {
      const made: JobRecord[] = []
      for (let i = 0; i < 7; i++) {
        const next = job({client: i % 2 ? 'carol' : 'dave', model: 'list-model'})
        made.push(next)
        await (i % 2 ? a : b).submitJob(next, [])
      }
      await a.changeJob(made[2].job_id, claimBy('m1'))
      const ids = (jobs: JobRecord[]) => jobs.map((j) => j.job_id)
      const dave = made.filter((j) => j.client === 'dave').reverse()
      assert.deepEqual(ids(await b.listJobs({client: 'dave', limit: 10, offset: 0})), ids(dave))
      assert.deepEqual(ids(await b.listJobs({client: 'dave', limit: 2, offset: 1})), ids(dave.slice(1, 3)))
      assert.deepEqual(ids(await a.listJobs({client: 'dave', status: 'running', limit: 10, offset: 0})), [made[2].job_id])
      assert.deepEqual(ids(await a.listJobs({client: 'dave', status: 'pending', limit: 10, offset: 0})), ids(dave.filter((j) => j !== made[2])))
      const newest = await a.listJobs({limit: 3, offset: 0})
      assert.deepEqual(ids(newest), ids(made.slice(-3).reverse()))
      assert.equal((await a.listJobs({status: 'running', limit: 100, offset: 0})).every((j) => j.status === 'running'), true)
      assert.equal(await b.jobCount(), (await a.listJobs({limit: 1000, offset: 0})).length)
      // The ids alone, in the same order (a page of GET /v1/jobs is read from them).
      const queries: JobQuery[] = [
        {client: 'dave', limit: 10, offset: 0},
        {client: 'dave', limit: 2, offset: 1},
        {client: 'dave', status: 'pending', limit: 10, offset: 0},
        {status: 'running', limit: 100, offset: 0},
        {limit: 3, offset: 0},
        {limit: 3, offset: 1000},
      ]
      for (const query of queries) assert.deepEqual(await b.listJobIds(query), ids(await a.listJobs(query)), JSON.stringify(query))
    })

    it('pages job ids from a cursor: in submit order, never repeating while jobs are submitted, whatever the status filter', async () => {
      // One created_at and ids out of submit order, as ULIDs made in one millisecond may be: the order,
      // and so "before", must be the submit order, not the ids' or the times'.
      const at = new Date().toISOString()
      const submitted = ['m', 'c', 'x', 'a', 'q', 'e', 'k'].map((suffix) => job({job_id: `job_cursor_${suffix}`, client: 'pager', created_at: at}))
      for (const [i, next] of submitted.entries()) await (i % 2 ? a : b).submitJob(next, [])
      const newest = submitted.map((j) => j.job_id).reverse()
      const page = (query: {before?: string; offset?: number; status?: JobRecord['status']; limit?: number}) =>
        b.listJobIds({client: 'pager', limit: 3, offset: 0, ...query})
      // A page boundary in the middle of the same-millisecond jobs, on either replica.
      assert.deepEqual(await page({before: newest[2]}), newest.slice(3, 6))
      assert.deepEqual(await a.listJobIds({client: 'pager', limit: 3, offset: 0, before: newest[2]}), newest.slice(3, 6))
      assert.deepEqual(await page({before: newest[2], offset: 2}), newest.slice(5))
      assert.deepEqual(await page({before: newest.at(-1)}), [], 'nothing older: an empty page, not an unknown cursor')

      // Following the cursor with a job submitted between every two pages lists each job of the start once.
      const listed: string[] = []
      for (let ids = await page({}); ids!.length > 0; ids = await page({before: listed.at(-1)})) {
        listed.push(...ids!)
        await a.submitJob(job({client: 'pager', created_at: at}), [])
      }
      assert.deepEqual(listed, newest)

      // With a status filter, a cursor that has left the status since still places the next page.
      await a.changeJob(newest[1], claimBy('m-pager'))
      assert.deepEqual(await page({status: 'pending', before: newest[1]}), newest.slice(2, 5))
      assert.deepEqual(await page({status: 'running', before: newest[0]}), [newest[1]])
      assert.deepEqual(await page({status: 'running', before: newest[1]}), [])

      // A cursor the query's client does not have is no cursor, whether it exists or not; a list of
      // every client's jobs (an admin's) takes any.
      const foreign = job({client: 'not-pager'})
      await b.submitJob(foreign, [])
      assert.equal(await page({before: 'job_missing'}), undefined)
      assert.equal(await page({before: foreign.job_id}), undefined)
      assert.equal(await page({status: 'pending', before: foreign.job_id}), undefined)
      assert.equal(await a.listJobIds({client: 'pager', status: 'failed', limit: 1, offset: 0, before: 'job_missing'}), undefined)
      assert.deepEqual(await a.listJobIds({limit: 1, offset: 0, before: foreign.job_id}), await page({limit: 1}))
      assert.deepEqual(await a.listJobIds({limit: 1, offset: 0, before: 'job_missing'}), undefined)
    })

    it('answers a retried submit with the first job, once, however many replicas race with the key', async () => {
      const first = job({client: 'erin', idempotency: {key: 'k-1', request_sha256: 'aa'}})
      const submits = Array.from({length: 12}, (_, i) =>
        (i % 2 ? a : b).submitJob({...first, job_id: `job_idem_${i}`}, [tx('job_submitted', {key: 'k-1', attempt: i})]),
      )
      const results = await Promise.all(submits)
      assert.equal(results.filter((r) => !r.replayed).length, 1)
      assert.equal(new Set(results.map((r) => r.job.job_id)).size, 1)
      assert.equal((await allTransactions(a)).filter((t) => t.data.key === 'k-1').length, 1)
      // Listed once: the replays wrote nothing, not even a new version of the first job.
      assert.deepEqual((await a.listJobs({client: 'erin', limit: 100, offset: 0})).map((j) => j.job_id), [results[0].job.job_id])
      assert.deepEqual(await b.listJobIds({client: 'erin', limit: 100, offset: 0}), [results[0].job.job_id])
      // The key is the client's own: another client's same key is another job.
      const other = await a.submitJob(job({client: 'frank', idempotency: {key: 'k-1', request_sha256: 'bb'}}), [])
      assert.equal(other.replayed, false)
      assert.equal((await b.submitJob({...first, job_id: 'job_late'}, [])).job.job_id, results.find((r) => !r.replayed)!.job.job_id)
    })

    it('admits no more than a cap of pending jobs and prompt bytes when submits race over both replicas', async () => {
      // Issue 13's caps: the counts a submit is admitted on are taken under the lock of the insert.
      const prompt = 'é'.repeat(50) // 100 UTF-8 bytes
      const cap = 7
      const admit = ({pendingOfClient}: QueueCounts) => {
        if (pendingOfClient >= cap) throw new Error('cap reached')
      }
      const outcomes = await Promise.allSettled(
        Array.from({length: 24}, (_, i) => (i % 2 ? a : b).submitJob(job({client: 'capped', prompt}), [tx('job_submitted', {capped: i})], admit)),
      )
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, cap, 'admitted')
      assert.equal(await b.countJobs({client: 'capped', status: 'pending'}), cap)
      assert.equal((await allTransactions(a)).filter((t) => t.data.capped !== undefined).length, cap, 'a refused submit writes nothing')
      const before = await a.pendingPromptBytes()
      assert.ok(before >= cap * 100, `pending prompt bytes ${before}`)
      // Bytes leave the count when a job stops being pending.
      const [oldest] = await a.listJobs({client: 'capped', status: 'pending', limit: 1, offset: cap - 1})
      await b.changeJob(oldest.job_id, (current) => ({job: {...current, status: 'cancelled'}}))
      assert.equal(await a.pendingPromptBytes(), before - 100)
      assert.equal(await a.countJobs({client: 'capped'}), cap)
      // A cap on queued bytes sees them too; a replayed submit is not admitted again (nothing to refuse).
      const first = job({client: 'capped', idempotency: {key: 'k-cap', request_sha256: 'cc'}})
      const refuseAll = () => {
        throw new Error('queue full')
      }
      await assert.rejects(a.submitJob(first, [], ({queuedPromptBytes}) => assert.ok(queuedPromptBytes < 0, 'refused')))
      await b.submitJob(first, [])
      assert.equal((await a.submitJob({...first, job_id: 'job_cap_retry'}, [], refuseAll)).replayed, true)
    })

    it('counts a principal\'s miners under its lock: first registrations racing over both replicas cannot pass a cap', async () => {
      const cap = 4
      const register = (store: AsyncStore, id: string) =>
        store.changeMiner(
          id,
          (existing, owned) => {
            if (!existing && (owned === undefined || owned >= cap)) throw new Error(`cap reached (${owned})`)
            return {miner: miner(id, 'capper'), transactions: [tx('miner_registered', {miner_id: id, principal: 'capper'})]}
          },
          'capper',
        )
      const outcomes = await Promise.allSettled(Array.from({length: 16}, (_, i) => register(i % 2 ? a : b, `capped-rig-${i}`)))
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, cap, JSON.stringify(outcomes.filter((o) => o.status === 'rejected').slice(0, 1)))
      assert.equal((await b.listMiners({principal: 'capper'})).length, cap)
      // A known miner's change is not counted (a heartbeat of a principal at its cap goes through).
      const [known] = await a.listMiners({principal: 'capper'})
      assert.equal((await register(b, known.miner_id))?.miner_id, known.miner_id)
      assert.ok((await a.listMiners({})).length > cap)
    })

    it('claims: exactly one winner among 40 concurrent claimers over two replicas', async () => {
      const target = job({model: 'race-model'})
      await a.submitJob(target, [])
      const attempts = Array.from({length: 40}, (_, i) => (i % 2 ? a : b).claimNextJob({models: ['race-model']}, claimBy(`m${i}`)))
      const won = (await Promise.all(attempts)).filter((r) => r !== undefined)
      assert.equal(won.length, 1)
      assert.equal((await a.getJob(target.job_id))?.miner_id, won[0]!.job.miner_id)
      // The same by id: every loser is refused by the state machine, nothing is written for it.
      const byId = job({model: 'race-model-2'})
      await b.submitJob(byId, [])
      const seq = await a.lastTransactionSeq()
      const outcomes = await Promise.allSettled(Array.from({length: 20}, (_, i) => (i % 2 ? a : b).changeJob(byId.job_id, claimBy(`n${i}`))))
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1)
      assert.equal(await a.lastTransactionSeq(), seq + 1)
    })

    it('claims many jobs with many claimers: each job once, oldest first, skipping excluded ones', async () => {
      const jobs = Array.from({length: 10}, () => job({model: 'many-model'}))
      for (const next of jobs) await a.submitJob(next, [])
      assert.equal((await b.oldestPendingJob(['many-model', 'other']))?.job_id, jobs[0].job_id)
      assert.equal((await b.oldestPendingJob(['many-model'], [jobs[0].job_id]))?.job_id, jobs[1].job_id)
      const excluded = await a.claimNextJob({models: ['many-model'], exclude: [jobs[0].job_id]}, claimBy('picky'))
      assert.equal(excluded?.job.job_id, jobs[1].job_id)
      const claims = await Promise.all(Array.from({length: 30}, (_, i) => (i % 2 ? a : b).claimNextJob({models: ['many-model']}, claimBy(`w${i}`))))
      const claimed = claims.filter((c) => c !== undefined).map((c) => c!.job.job_id)
      assert.equal(claimed.length, 9)
      assert.equal(new Set(claimed).size, 9)
      assert.equal(await a.claimNextJob({models: ['many-model']}, claimBy('late')), undefined)
      assert.equal(await a.claimNextJob({models: []}, claimBy('none')), undefined)
    })

    it('sweeps expired leases once across replicas sweeping together, and wakes waiters for requeued jobs', async () => {
      const past = new Date(Date.now() - 60_000)
      const expired = Array.from({length: 6}, () => job({model: 'lease-model'}))
      const live = job({model: 'lease-model'})
      for (const next of [...expired, live]) await a.submitJob(next, [])
      for (const next of expired) await a.changeJob(next.job_id, claimBy('slow', 1, past))
      await a.changeJob(live.job_id, claimBy('fast', 600))
      const requeue: JobChanger = (current) => {
        const outcome = machine.failAttempt(current, 'lease expired', new Date(), current.attempts >= 3)
        return {job: outcome.job, transactions: [tx(outcome.requeued ? 'job_requeued' : 'job_failed', {job_id: current.job_id})]}
      }
      const woken = nextEvent(b, (event) => event.kind === 'job_pending' && event.model === 'lease-model')
      const now = new Date()
      const [fromA, fromB] = await Promise.all([a.sweepLeases(now, requeue), b.sweepLeases(now, requeue)])
      assert.equal(fromA + fromB, expired.length)
      await woken
      for (const next of expired) assert.equal((await b.getJob(next.job_id))?.status, 'pending')
      assert.equal((await b.getJob(live.job_id))?.status, 'running')
      assert.equal((await allTransactions(a)).filter((t) => t.type === 'job_requeued').length, expired.length)
      assert.equal(await a.sweepLeases(new Date(), requeue), 0)
    })

    it('tells every replica when a job becomes pending', async () => {
      const seen = nextEvent(b, (event) => event.kind === 'job_pending' && event.model === 'event-model')
      const keys = nextEvent(b, (event) => event.kind === 'api_keys_changed')
      await a.submitJob(job({model: 'event-model'}), [])
      await a.changeApiKeys(() => [key('event-key', 'miner')])
      assert.deepEqual(await seen, {kind: 'job_pending', model: 'event-model'})
      await keys
    })

    it('issues receipts with a job change and lists them newest first by client, provider and its principal', async () => {
      await a.changeMiner('rc-miner', () => ({miner: miner('rc-miner', 'rc-owner')}))
      const receipts = []
      for (let i = 0; i < 4; i++) {
        const next = job({client: i < 3 ? 'grace' : 'heidi', model: 'receipt-model'})
        await a.submitJob(next, [])
        const running = (await b.changeJob(next.job_id, claimBy('rc-miner')))!.job
        const receipt = issueReceipt({receiptId: `rcpt_${next.job_id}`, job: running, minerId: 'rc-miner', result: 'hi', units: 2, pricePer1000: 1, completedAt: new Date()}, signer)
        const done = await (i % 2 ? a : b).changeJob(next.job_id, (current) => {
          const move = machine.complete(current, 'rc-miner', 'hi', receipt.receipt_id, new Date())
          if ('refused' in move) throw new Error(move.refused)
          return {job: move.job, receipt, transactions: [tx('job_completed', {job_id: current.job_id}), tx('receipt_issued', {receipt})]}
        })
        assert.equal(done?.transactions.length, 2)
        receipts.push(receipt)
      }
      const fetched = await b.getReceipt(receipts[1].receipt_id)
      assert.deepEqual(fetched, receipts[1])
      assert.equal(verifyReceipt(fetched, new Set([signer.keyId])), undefined)
      const ids = (list: {receipt_id: string}[] | undefined) => list?.map((r) => r.receipt_id)
      assert.deepEqual(ids(await a.listReceipts({client: 'grace', limit: 10, offset: 0})), ids(receipts.slice(0, 3).reverse()))
      assert.deepEqual(ids(await a.listReceipts({client: 'grace', limit: 1, offset: 1})), [receipts[1].receipt_id])
      assert.deepEqual(ids(await b.listReceipts({provider: 'rc-miner', limit: 10, offset: 0})), ids([...receipts].reverse()))
      assert.deepEqual(ids(await b.listReceipts({providerPrincipal: 'rc-owner', client: 'heidi', limit: 10, offset: 0})), [receipts[3].receipt_id])
      assert.deepEqual(await b.listReceipts({providerPrincipal: 'someone-else', limit: 10, offset: 0}), [])
      assert.equal(await a.receiptCount(), 4)
      assert.equal(await a.getReceipt('rcpt_missing'), undefined)
    })

    it('pages receipts from a cursor: in issue order, never repeating while receipts are issued; a cursor outside the query is none', async () => {
      await a.changeMiner('cursor-rig', () => ({miner: miner('cursor-rig', 'cursor-owner')}))
      await b.changeMiner('cursor-rig-2', () => ({miner: miner('cursor-rig-2', 'cursor-owner-2')}))
      // Ids out of issue order, as ids made in one millisecond may be: the order, and so "before", must
      // be the issue order.
      const issued: string[] = []
      for (const [i, suffix] of ['m', 'c', 'x', 'a', 'q', 'e', 'k'].entries()) {
        issued.push((await completedWithReceipt(i % 2 ? a : b, job({client: 'ivan'}), 'cursor-rig', `rcpt_cursor_${suffix}`)).receipt_id)
      }
      const newest = issued.reverse()
      const ids = (list: {receipt_id: string}[] | undefined) => list?.map((r) => r.receipt_id)
      const page = async (query: {before?: string; offset?: number; limit?: number; client?: string; provider?: string; providerPrincipal?: string}) =>
        ids(await b.listReceipts({client: 'ivan', limit: 3, offset: 0, ...query}))
      assert.deepEqual(await page({before: newest[2]}), newest.slice(3, 6))
      assert.deepEqual(ids(await a.listReceipts({client: 'ivan', limit: 3, offset: 0, before: newest[2]})), newest.slice(3, 6))
      assert.deepEqual(await page({before: newest[2], offset: 2}), newest.slice(5))
      assert.deepEqual(await page({before: newest.at(-1)}), [], 'nothing older: an empty page, not an unknown cursor')
      assert.deepEqual(await page({client: undefined, providerPrincipal: 'cursor-owner', before: newest[4]}), newest.slice(5))

      // Following the cursor with a receipt issued between every two pages lists each receipt of the start once.
      const listed: string[] = []
      for (let next = await page({}); next!.length > 0; next = await page({before: listed.at(-1)})) {
        listed.push(...next!)
        await completedWithReceipt(a, job({client: 'ivan'}), 'cursor-rig')
      }
      assert.deepEqual(listed, newest)

      // A cursor the query does not select is no cursor, whether it exists or not: another client's,
      // another provider's or another principal's; a list of every receipt (an admin's) takes any.
      const foreign = await completedWithReceipt(b, job({client: 'judy'}), 'cursor-rig-2')
      assert.equal(await page({before: 'rcpt_missing'}), undefined)
      assert.equal(await page({before: foreign.receipt_id}), undefined)
      assert.equal(await page({client: undefined, provider: 'cursor-rig', before: foreign.receipt_id}), undefined)
      assert.equal(await page({client: undefined, providerPrincipal: 'cursor-owner', before: foreign.receipt_id}), undefined)
      assert.equal(await page({client: undefined, providerPrincipal: 'cursor-owner', before: 'rcpt_missing'}), undefined)
      assert.deepEqual(ids(await a.listReceipts({limit: 1, offset: 0, before: foreign.receipt_id})), ids(await a.listReceipts({limit: 1, offset: 1})))
      assert.equal(await a.listReceipts({limit: 1, offset: 0, before: 'rcpt_missing'}), undefined)
    })

    it('lists running jobs from a cursor exactly while jobs finish between its pages (a revoked key\'s scan)', async () => {
      const running: string[] = []
      for (let i = 0; i < 7; i++) {
        const next = job({model: 'scan-model'})
        await a.submitJob(next, [])
        await b.changeJob(next.job_id, claimBy(`scan-${i}`))
        running.push(next.job_id)
      }
      const newest = running.reverse()
      // Each page's jobs finish as soon as it is read: by offset, every later page would start two jobs
      // too far, and skip them.
      const listed: string[] = []
      let before: string | undefined
      for (let pages = 0; ; pages++) {
        assert.ok(pages < 50, 'the scan ends')
        const page = (await (pages % 2 ? a : b).listJobs({status: 'running', limit: 2, offset: 0, before})).map((j) => j.job_id)
        const ours = page.filter((id) => newest.includes(id))
        listed.push(...ours)
        for (const id of ours) await a.changeJob(id, (current) => ({job: {...current, status: 'cancelled'}}))
        if (page.length < 2) break
        before = page.at(-1)
      }
      assert.deepEqual(listed, newest)
      assert.deepEqual(await a.listJobs({status: 'running', limit: 2, offset: 0, before: 'job_missing'}), [])
    })

    it('numbers ledger transactions without gaps or repeats under concurrent appends from both replicas', async () => {
      const before = await a.lastTransactionSeq()
      const writers = Array.from({length: 30}, (_, i) => {
        const store = i % 2 ? a : b
        if (i % 3 === 0) return store.appendTransactions([tx('job_submitted', {n: i}), tx('job_claimed', {n: i})])
        return store.submitJob(job({model: 'ledger-model'}), [tx('job_submitted', {n: i})])
      })
      await Promise.all(writers)
      const all = await allTransactions(b)
      assert.deepEqual(all.map((t) => t.seq), Array.from({length: all.length}, (_, i) => i + 1))
      assert.equal(all.length, before + 10 * 2 + 20)
      for (const t of all) assert.equal(t.tx_hash, transactionHash(t))
      assert.equal(await a.lastTransactionSeq(), all.length)
    })

    it('seals a chain that verifies, only while leading, never forking or repeating under concurrent sealing', async () => {
      const lead = a.leadBlockSealing()
      leads.push(lead)
      await until(() => lead.isLeader, 'the only contender to lead')
      const genesis = await a.sealBlock(lead, build)
      assert.equal(genesis?.height, 0)
      const refused = {isLeader: false, onChange: () => () => undefined, release: async () => undefined}
      assert.equal(await a.sealBlock(refused, build), undefined)
      // Appends and seals interleaved, seals also through the other replica's handle with the same lead.
      const work: Promise<unknown>[] = []
      for (let i = 0; i < 20; i++) {
        work.push((i % 2 ? a : b).appendTransactions([tx('job_submitted', {seal: i})]))
        if (i % 4 === 0) work.push(a.sealBlock(lead, build, 3))
      }
      await Promise.all(work)
      while (await a.sealBlock(lead, build, 7)) {
        // Seal what is left, seven at a time.
      }
      const head = (await b.headBlock())!
      const txs = await allTransactions(b)
      let previous: {height: number; hash: string} | undefined
      let sealed = 0
      for (let height = 0; height <= head.height; height++) {
        const block = (await b.getBlock(height))!
        const inBlock = (await b.blockTransactions(height))!
        assert.deepEqual(inBlock.map((t) => t.seq), txs.slice(sealed, sealed + block.transactions).map((t) => t.seq))
        assert.ok(inBlock.every((t) => t.block_height === height))
        assert.equal(checkBlock(block, inBlock, previous, new Set([signer.keyId])), undefined, `block ${height}`)
        sealed += block.transactions
        previous = block
      }
      assert.equal(sealed, txs.length, 'every transaction sealed exactly once')
      assert.equal(await a.sealBlock(lead, build), undefined, 'nothing left to seal')
      const pageOf = await b.blockTransactions(head.height, {offset: 1, limit: 1})
      assert.equal(pageOf?.length, Math.min(1, Math.max(0, head.transactions - 1)))
      assert.equal(await b.blockTransactions(head.height + 1), undefined)
      assert.deepEqual((await b.listBlocks({limit: 2})).map((blk) => blk.height), [head.height, head.height - 1])
      assert.deepEqual((await b.listBlocks({limit: 2, before: 2})).map((blk) => blk.height), [1, 0])

      // More unsealed transactions than the blocks after it seal: a block still reads as its own
      // transactions, whole and in pages (the embedded store once added the first of the tail).
      const own = (await b.blockTransactions(head.height))!.map((t) => t.seq)
      await a.appendTransactions([tx('job_submitted', {tail: 0}), tx('job_submitted', {tail: 1}), tx('job_submitted', {tail: 2})])
      assert.equal((await a.sealBlock(lead, build, 1))?.transactions, 1)
      assert.deepEqual((await b.blockTransactions(head.height))!.map((t) => t.seq), own)
      assert.deepEqual((await b.blockTransactions(head.height, {offset: own.length - 1, limit: 5}))!.map((t) => t.seq), own.slice(-1))
    })
  })
}

/** Submits `next`, has `minerId` claim it and completes it with a receipt (its id `receiptId`); returns the receipt. */
async function completedWithReceipt(store: AsyncStore, next: JobRecord, minerId: string, receiptId = `rcpt_${next.job_id}`) {
  await store.submitJob(next, [])
  const running = (await store.changeJob(next.job_id, claimBy(minerId)))!.job
  const receipt = issueReceipt({receiptId, job: running, minerId, result: 'hi', units: 2, pricePer1000: 1, completedAt: new Date()}, signer)
  await store.changeJob(next.job_id, (current) => {
    const move = machine.complete(current, minerId, 'hi', receipt.receipt_id, new Date())
    if ('refused' in move) throw new Error(move.refused)
    return {job: move.job, receipt, transactions: [tx('job_completed', {job_id: current.job_id}), tx('receipt_issued', {receipt})]}
  })
  return receipt
}

/** Waits for `condition` (checked every 20 ms); fails naming it after `ms`. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
