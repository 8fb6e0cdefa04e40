// The history index (history-index.json): closing writes it, the next open takes the indexes from it
// instead of parsing the history, and what the store then answers is exactly what a store that parsed
// everything answers. It is trusted only for bytes a crc proves: a damaged index, an index from an
// unknown format, or a history file changed since (even at the same length) means the file is parsed
// as before (so corruption is still refused with its file and line), and the index is written again.
import assert from 'node:assert/strict'
import path from 'node:path'
import {it} from 'node:test'

import {Ed25519Signer} from '../../src/protocol/ed25519.js'
import {RECEIPT_CANONICALIZATION, signReceipt} from '../../src/protocol/receipt.js'
import {Ledger} from '../../src/server/ledger/ledger.js'
import {decodeHistoryIndex, encodeHistoryIndex, HISTORY_INDEX_FILE, type HistoryIndex} from '../../src/server/store/history-index.js'
import {LowdbStore, STORE_FILES} from '../../src/server/store/lowdb-store.js'
import type {JobRecord, MinerRecord} from '../../src/server/store/records.js'
import {CrashFiles, type Image} from '../reliability/crash-files.js'

const DIR = '/mem/data'
const INDEX = path.join(DIR, HISTORY_INDEX_FILE)
const signer = new Ed25519Signer(new Uint8Array(32).fill(5))
const META = {format: 1, created_at: '2026-01-01T00:00:00.000Z', signing_key_id: signer.keyId} as const
const AT = new Date(META.created_at)

const miner = (id: string, principal: string): MinerRecord => ({miner_id: id, capabilities: ['m1', 'm2'], principal, registered_at: META.created_at, last_seen: META.created_at})

function job(n: number, extra: Partial<JobRecord> = {}): JobRecord {
  return {
    job_id: `job-${n}`, status: 'pending', prompt: `prompt ${n} ${'é'.repeat(n % 7)}`, model: n % 3 ? 'm1' : 'm2',
    params: {max_tokens: 8, temperature: 0, top_p: 1}, client: n % 2 ? 'alice' : 'bob', attempts: 0, created_at: META.created_at, ...extra,
  }
}

function receiptOf(record: JobRecord, minerId: string) {
  return signReceipt({
    receipt_id: `rcpt-${record.job_id}`, job_id: record.job_id, provider: minerId, client: record.client, units: 3, unit_type: 'tokens', price: 0.01,
    model: record.model, started_at: 1, completed_at: 2, prompt_sha256: 'a'.repeat(64), result_sha256: 'b'.repeat(64), canonicalization: RECEIPT_CANONICALIZATION,
  }, signer)
}

/** Jobs in every state (a requeued one, idempotency keys), receipts from two miners, sealed and unsealed transactions. */
async function writeHistory(store: LowdbStore, from: number, count: number): Promise<void> {
  const ledger = new Ledger(store, signer)
  if (!store.getMiner('rig-a')) {
    store.putMiner(miner('rig-a', 'miner'))
    store.putMiner(miner('rig-b', 'other-miner'))
  }
  for (let n = from; n < from + count; n++) {
    const submitted = job(n, n % 4 === 0 ? {idempotency: {key: `key-${n}`, request_sha256: 'c'.repeat(64)}} : {})
    store.putJob(submitted)
    ledger.record('job_submitted', {job_id: submitted.job_id}, AT)
    if (n % 5 === 1) continue
    const minerId = n % 2 ? 'rig-a' : 'rig-b'
    const running = {...submitted, status: 'running' as const, miner_id: minerId, attempts: 1, lease_expires_at: META.created_at}
    store.putJob(running)
    if (n % 5 === 2) continue
    if (n % 5 === 3) {
      store.putJob({...running, status: 'pending', requeued_at: META.created_at})
      continue
    }
    const receipt = receiptOf(submitted, minerId)
    store.putReceipt(receipt)
    store.putJob({...running, status: 'completed', result: `result ${n}`, receipt_id: receipt.receipt_id})
    ledger.record('receipt_issued', {receipt_id: receipt.receipt_id}, AT)
    if (n % 7 === 0) ledger.sealPending(AT)
  }
  await store.commit()
}

async function newStore(count: number): Promise<CrashFiles> {
  const files = new CrashFiles()
  const store = await LowdbStore.create(DIR, META, {files})
  new Ledger(store, signer).sealGenesis(AT)
  await writeHistory(store, 0, count)
  await store.close()
  return files
}

/** Everything the store answers about its history. */
function observe(store: LowdbStore): unknown {
  const all = {limit: 10_000, offset: 0}
  const jobs = store.listJobs(all)
  return {
    jobs,
    counts: ['alice', 'bob', undefined].flatMap((client) => ['pending', 'running', 'completed', undefined].map((status) => store.countJobs({client, status: status as JobRecord['status']}))),
    byClientStatus: store.listJobs({...all, client: 'alice', status: 'pending'}).map((j) => j.job_id),
    // Pages from a cursor: its place in submit order is found again however the entries were loaded.
    fromCursors: [jobs[2], jobs.at(-3)].flatMap((cursor) => [{}, {client: cursor?.client}, {client: 'alice'}, {status: 'completed' as const}].map((query) => store.listJobIds({...all, limit: 5, ...query, before: cursor?.job_id ?? 'none'}))),
    pending: [store.oldestPendingJob(['m1'])?.job_id, store.oldestPendingJob(['m2'])?.job_id, store.oldestPendingJob(['m1', 'm2'], (id) => id === 'job-1')?.job_id],
    running: store.runningJobs().map((j) => j.job_id),
    pendingPromptBytes: store.pendingPromptBytes(),
    idempotent: jobs.filter((j) => j.idempotency).map((j) => store.jobByIdempotencyKey(j.client, j.idempotency!.key)?.job_id),
    receipts: [{}, {client: 'alice'}, {provider: 'rig-b'}, {providerPrincipal: 'miner'}, {client: 'bob', providerPrincipal: 'other-miner'}].map((query) => store.listReceipts({...all, ...query})),
    receipt: store.getReceipt('rcpt-job-4'),
    transactions: [store.lastTransactionSeq(), store.recentTransactions(10_000), store.unsealedTransactions()],
    blocks: store.listBlocks({limit: 10_000}).map((block) => [block, store.blockTransactions(block.height), store.blockTransactions(block.height, {offset: 1, limit: 2})]),
  }
}

async function open(image: Image): Promise<{store: LowdbStore; files: CrashFiles}> {
  const files = new CrashFiles(image)
  return {store: await LowdbStore.open(DIR, {files}), files}
}

function withoutIndex(image: Image): Image {
  const copy = new Map(image)
  copy.delete(INDEX)
  return copy
}

function indexOf(image: Image): HistoryIndex {
  const index = decodeHistoryIndex(image.get(INDEX)!)
  assert.ok(typeof index !== 'string', `the index decodes: ${index as string}`)
  return index
}

it('closing writes the index; the next open takes every history file from it and answers exactly as a store that parsed them', async () => {
  const image = (await newStore(60)).crashImage('kept')
  assert.ok(image.has(INDEX), 'closing wrote the index')
  const parsed = await open(withoutIndex(image))
  assert.deepEqual(parsed.store.loadedFromIndex, [])
  const expected = observe(parsed.store)
  await parsed.store.close()
  const indexed = await open(image)
  assert.deepEqual(indexed.store.loadedFromIndex, ['jobs', 'receipts', 'transactions'])
  assert.deepEqual(observe(indexed.store), expected)
  // Nothing changed since it was written: closing leaves it alone.
  const ops = indexed.files.ops.length
  await indexed.store.close()
  assert.ok(!indexed.files.ops.slice(ops).some((op) => op.file.includes(HISTORY_INDEX_FILE)), 'an index that describes the files is not rewritten')
  // A store opened from the index writes and reads on as any other.
  const again = await open(image)
  await writeHistory(again.store, 60, 20)
  const expectedAfter = observe(again.store)
  await again.store.close()
  const reopened = await open(again.files.crashImage('kept'))
  assert.deepEqual(observe(reopened.store), expectedAfter)
  await reopened.store.close()
})

it('what was written after the index (a crash, no close) is parsed on top of it, replayed flushes included', async () => {
  const image = (await newStore(40)).crashImage('kept')
  const running = await open(image)
  await writeHistory(running.store, 40, 25)
  const expected = observe(running.store)
  for (const variant of ['kept', 'lost'] as const) {
    // 'lost': only what was synced, so the newest records come back from the flush log alone.
    const crashed = await open(running.files.crashImage(variant))
    assert.deepEqual(crashed.store.loadedFromIndex, ['jobs', 'receipts', 'transactions'], variant)
    assert.deepEqual(observe(crashed.store), expected, variant)
    await crashed.store.close()
    const index = indexOf(crashed.files.crashImage('kept'))
    assert.equal(index.jobs.ids.length, 65, `${variant}: closing wrote an index of everything`)
  }
  await running.store.close()
})

it('a damaged index, or one of another format, is not used: the history is parsed and the index written again', async () => {
  const image = (await newStore(30)).crashImage('kept')
  const expected = observe((await open(withoutIndex(image))).store)
  const bytes = image.get(INDEX)!
  const flipped = Buffer.from(bytes)
  flipped[bytes.length - 10] ^= 0x01
  const damaged: Record<string, Buffer> = {
    'a byte flipped': flipped,
    'cut short': bytes.subarray(0, bytes.length - 100),
    'empty': Buffer.alloc(0),
    'not JSON': Buffer.from('index\n'),
    'another format': Buffer.concat([Buffer.from(bytes.toString('latin1').replace('"history_index":1', '"history_index":9'), 'latin1')]),
  }
  for (const [what, index] of Object.entries(damaged)) {
    const {store, files} = await open(new Map(image).set(INDEX, index))
    assert.deepEqual(store.loadedFromIndex, [], what)
    assert.deepEqual(observe(store), expected, what)
    await store.close()
    assert.equal(indexOf(files.crashImage('kept')).jobs.ids.length, 30, `${what}: written again at close`)
  }
})

it('an index whose crc checks out but whose shape is wrong is not used either', async () => {
  const image = (await newStore(20)).crashImage('kept')
  const index = indexOf(image)
  const shapes: Record<string, (index: HistoryIndex) => void> = {
    'a column too short': (i) => i.jobs.offset.pop(),
    'a line past the file': (i) => (i.receipts.offset[0] = i.files.receipts.bytes),
    'an unknown status': (i) => (i.jobs.names[i.jobs.status[0]] = 'lost'),
    'lengths that miss the file': (i) => (i.transactions[0] += 1),
  }
  for (const [what, change] of Object.entries(shapes)) {
    const copy = structuredClone(index)
    change(copy)
    const {store} = await open(new Map(image).set(INDEX, encodeHistoryIndex(copy)))
    assert.deepEqual(store.loadedFromIndex, [], what)
    assert.equal(store.jobCount(), 20, what)
    await store.close()
  }
})

it('a history file changed since the index, even at the same length, is parsed, and its corruption refused with file and line', async () => {
  const image = (await newStore(30)).crashImage('kept')
  const jobsFile = path.join(DIR, STORE_FILES.jobs)
  const jobs = image.get(jobsFile)!
  // A valid change: another client on the first line (same length), which the index knows nothing of.
  const edited = Buffer.from(jobs.toString('utf8').replace('"client":"bob"', '"client":"eve"'), 'utf8')
  const {store} = await open(new Map(image).set(jobsFile, edited))
  assert.deepEqual(store.loadedFromIndex, ['receipts', 'transactions'])
  assert.equal(store.countJobs({client: 'eve'}), 1)
  await store.close()
  // A line broken in the middle: refused as without an index.
  const broken = Buffer.from(jobs)
  broken.write('\n\u0000#\n', Math.floor(jobs.length / 2), 'latin1')
  await assert.rejects(open(new Map(image).set(jobsFile, broken)), /jobs\.jsonl, line \d+: not valid JSON/)
  const transactionsFile = path.join(DIR, STORE_FILES.transactions)
  const transactions = Buffer.from(image.get(transactionsFile)!)
  transactions.write('\n\u0000#\n', Math.floor(transactions.length / 2), 'latin1')
  await assert.rejects(open(new Map(image).set(transactionsFile, transactions)), /transactions\.jsonl/)
})

it('a store from before the index opens by parsing, and gets an index when it closes', async () => {
  const image = withoutIndex((await newStore(25)).crashImage('kept'))
  const {store, files} = await open(image)
  assert.deepEqual(store.loadedFromIndex, [])
  await store.close()
  const index = indexOf(files.crashImage('kept'))
  assert.equal(index.jobs.ids.length, 25)
  const again = await open(files.crashImage('kept'))
  assert.deepEqual(again.store.loadedFromIndex, ['jobs', 'receipts', 'transactions'])
  await again.store.close()
})

it('an index that lists a job twice is refused with the way out, not guessed at', async () => {
  const image = (await newStore(10)).crashImage('kept')
  const index = indexOf(image)
  index.jobs.ids[1] = index.jobs.ids[0]
  await assert.rejects(open(new Map(image).set(INDEX, encodeHistoryIndex(index))), new RegExp(`${HISTORY_INDEX_FILE} lists a job twice.*remove it`))
})
