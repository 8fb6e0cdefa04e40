// Group commit end to end: requests that arrive while a flush is in flight share the next one, for
// submits, claims and completions through the real HTTP app; and a claim (a lease) is answered without
// waiting for its flush and asks for none (it goes with the next one, most often its completion's), while
// a completion waits and carries the claim with it (embedded-async-store.ts).
import assert from 'node:assert/strict'
import path from 'node:path'
import {it} from 'node:test'

import {Ed25519Signer} from '../../src/protocol/ed25519.js'
import {Ledger} from '../../src/server/ledger/ledger.js'
import {draft} from '../../src/server/ledger/draft.js'
import {EmbeddedAsyncStore} from '../../src/server/store/embedded-async-store.js'
import type {StoreFile} from '../../src/server/store/file-layer.js'
import {COMMIT_SOON_MS, LowdbStore, STORE_FILES} from '../../src/server/store/lowdb-store.js'
import type {JobRecord} from '../../src/server/store/records.js'
import {startTestServer} from '../helpers/server.js'
import {CrashFiles} from '../reliability/crash-files.js'
import {complete, register, submit} from './fixtures.js'

it('concurrent submits, claims and completions over HTTP share flushes', async () => {
  const server = await startTestServer()
  try {
    const store = (server.app.coordinator.store as EmbeddedAsyncStore).embedded as LowdbStore
    const N = 24
    await register(server, 'rig', ['llama3.2'])
    let flushes = store.flushCount
    const jobs = await Promise.all(Array.from({length: N}, (_, i) => submit(server, {prompt: `p${i}`})))
    const submitFlushes = store.flushCount - flushes
    flushes = store.flushCount
    const claims = await Promise.all(jobs.map((job) => server.request(`/v1/jobs/${job.job_id}/claim`, {key: server.minerKey, method: 'POST', body: {miner_id: 'rig'}})))
    assert.deepEqual(claims.map((res) => res.status), jobs.map(() => 200))
    await Promise.all(jobs.map((job) => complete(server, job.job_id, 'done', 'rig')))
    const claimAndCompleteFlushes = store.flushCount - flushes
    // One each would be N and 2N; together they share (how many depends on how the requests interleave:
    // the test below holds a sync to make it exact).
    assert.ok(submitFlushes < N, `${submitFlushes} flushes for ${N} concurrent submits`)
    assert.ok(claimAndCompleteFlushes < 2 * N, `${claimAndCompleteFlushes} flushes for ${N} claims and ${N} completions`)
  } finally {
    await server.close()
  }
})

/** CrashFiles whose syncs wait while `hold` is set: a flush in flight for as long as a test wants. */
class HeldSyncFiles extends CrashFiles {
  hold: Promise<void> | undefined

  override async open(file: string, create?: 'new' | 'maybe'): Promise<StoreFile> {
    const inner = await super.open(file, create)
    return Object.assign(Object.create(inner) as StoreFile, {sync: async () => (await this.hold, inner.sync())})
  }
}

async function memoryStore(files: CrashFiles): Promise<{store: EmbeddedAsyncStore; lowdb: LowdbStore}> {
  const signer = new Ed25519Signer(new Uint8Array(32).fill(5))
  const lowdb = await LowdbStore.create(DIR, {format: 1, created_at: '2026-01-01T00:00:00.000Z', signing_key_id: signer.keyId}, {files})
  new Ledger(lowdb, signer).sealGenesis(new Date('2026-01-01T00:00:00.000Z'))
  return {store: new EmbeddedAsyncStore(lowdb), lowdb}
}

const DIR = '/mem/data'
const NOW = new Date('2026-01-01T00:00:01.000Z')
const pendingJob = (id: string): JobRecord => ({
  job_id: id, status: 'pending', prompt: 'hi', model: 'm', params: {max_tokens: 1, temperature: 0, top_p: 1}, client: 'c', attempts: 0, created_at: '2026-01-01T00:00:00.000Z',
})
const running = (job: JobRecord): JobRecord => ({...job, status: 'running', miner_id: 'rig', attempts: 1, started_at: NOW.toISOString()})

it('whatever arrives while a flush is in flight (submits, claims, completions) goes to disk in the one next flush', async () => {
  const files = new HeldSyncFiles()
  const {store, lowdb} = await memoryStore(files)
  await store.submitJob(pendingJob('first'), [])
  let release!: () => void
  files.hold = new Promise((resolve) => (release = resolve))
  const flushes = lowdb.flushCount
  const from = files.ops.length
  const inFlight = store.submitJob(pendingJob('held'), [])
  // Let that flush start: its record is written, and its sync waits.
  while (files.ops.length === from) await new Promise((resolve) => setImmediate(resolve))
  const later = [
    ...Array.from({length: 10}, (_, i) => store.submitJob(pendingJob(`job-${i}`), [draft('job_submitted', {job_id: `job-${i}`}, NOW)])),
    store.changeJob('first', (job) => ({job: running(job), transactions: [draft('job_claimed', {job_id: 'first'}, NOW)]})),
    store.changeJob('held', (job) => ({job: {...running(job), status: 'completed', result: 'ok'}, transactions: [draft('job_completed', {job_id: 'held'}, NOW)]})),
  ]
  files.hold = undefined
  release()
  await Promise.all([inFlight, ...later])
  assert.equal(lowdb.flushCount - flushes, 2, 'the held flush and one more')
  await store.close()
})

it('a claim is answered before its flush is on disk; the completion waits, and on disk it has the claim before it', async () => {
  const files = new CrashFiles()
  const {store} = await memoryStore(files)
  await store.submitJob(pendingJob('job_1'), [])
  const now = NOW
  const syncsOfLog = () => files.ops.filter((op) => op.kind === 'sync' && path.basename(op.file) === STORE_FILES.commits).length
  const before = syncsOfLog()
  const claimed = await store.changeJob('job_1', (job) => ({job: running(job), transactions: [draft('job_claimed', {job_id: 'job_1', miner_id: 'rig'}, now)]}))
  assert.equal(claimed?.job.status, 'running')
  assert.equal(syncsOfLog(), before, 'the claim did not wait for a sync')
  // A power cut now loses the lease: the job is offered again.
  const lostLease = await LowdbStore.open(DIR, {files: new CrashFiles(files.crashImage('lost'))})
  assert.equal(lostLease.getJob('job_1')?.status, 'pending')
  await lostLease.close()

  await store.changeJob('job_1', (job) => ({job: {...job, status: 'completed', result: 'ok', completed_at: now.toISOString()}, transactions: [draft('job_completed', {job_id: 'job_1'}, now)]}))
  const afterCrash = await LowdbStore.open(DIR, {files: new CrashFiles(files.crashImage('lost'))})
  assert.equal(afterCrash.getJob('job_1')?.status, 'completed')
  assert.deepEqual(afterCrash.recentTransactions(10).map((tx) => tx.type).reverse().slice(-2), ['job_claimed', 'job_completed'])
  await afterCrash.close()
  await store.close()
})

it('a claim asks for no flush of its own: its completion writes both in one sync', async (t) => {
  // The claim's own flush would come COMMIT_SOON_MS later: a clock that does not move, so that a busy
  // machine's slow turns of the event loop cannot let it fire first.
  t.mock.timers.enable({apis: ['setTimeout']})
  const files = new CrashFiles()
  const {store, lowdb} = await memoryStore(files)
  await store.submitJob(pendingJob('job_1'), [])
  const flushes = lowdb.flushCount
  await store.changeJob('job_1', (job) => ({job: running(job), transactions: [draft('job_claimed', {job_id: 'job_1', miner_id: 'rig'}, NOW)]}))
  // The completion comes some turns of the event loop later (over the network): a flush the claim had
  // asked for would be under way by then, and the completion would wait for it and then its own.
  for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve))
  await store.changeJob('job_1', (job) => ({job: {...job, status: 'completed', result: 'ok'}, transactions: [draft('job_completed', {job_id: 'job_1'}, NOW)]}))
  assert.equal(lowdb.flushCount - flushes, 1, 'the claim and the completion in one flush')
  const reopened = await LowdbStore.open(DIR, {files: new CrashFiles(files.crashImage('lost'))})
  assert.deepEqual(reopened.recentTransactions(10).map((tx) => tx.type).reverse().slice(-2), ['job_claimed', 'job_completed'])
  await reopened.close()
  await store.close()
})

it(`a claim nothing else is written after reaches the disk on its own, within some ${COMMIT_SOON_MS} ms`, async () => {
  const files = new CrashFiles()
  const {store, lowdb} = await memoryStore(files)
  await store.submitJob(pendingJob('job_1'), [])
  const flushes = lowdb.flushCount
  const claimedAt = performance.now()
  await store.changeJob('job_1', (job) => ({job: running(job), transactions: [draft('job_claimed', {job_id: 'job_1', miner_id: 'rig'}, NOW)]}))
  assert.equal(lowdb.flushCount, flushes, 'answered before any flush')
  // A bound, not a timing: the flush comes after COMMIT_SOON_MS, later only on a busy machine.
  while (lowdb.flushCount === flushes) {
    assert.ok(performance.now() - claimedAt < 10_000, 'the claim was never flushed')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  assert.ok(performance.now() - claimedAt >= COMMIT_SOON_MS - 1, 'it waited for another write first')
  const reopened = await LowdbStore.open(DIR, {files: new CrashFiles(files.crashImage('lost'))})
  assert.equal(reopened.getJob('job_1')?.status, 'running')
  await reopened.close()
  await store.close()
})
