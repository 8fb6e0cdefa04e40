// Cost per store operation through the asynchronous store interface, embedded store against PostgreSQL
// in the same run: submit (a job and its ledger record) and claim-next (SKIP LOCKED on PostgreSQL),
// one caller at a time and 16 at once; and how long after a submit is answered another replica hears of it. PostgreSQL runs with its default durability (synchronous_commit
// on: each commit waits for its WAL flush) and with synchronous_commit off, to show what the flush
// costs. CPU is this process's only (the driver's work, not the database server's).
//
//   node --import tsx bench/store-ops.ts [--ops 2000] [--quick]
// Needs a PostgreSQL server where it may create a database: AITBC_TEST_DATABASE_URL, or the local one.
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import pg from 'pg'

import {Ed25519Signer, generateSeed} from '../src/protocol/ed25519.js'
import * as machine from '../src/server/jobs/job-machine.js'
import type {AsyncStore, JobChanger, TransactionDraft} from '../src/server/store/async-store.js'
import {EmbeddedAsyncStore} from '../src/server/store/embedded-async-store.js'
import {LowdbStore} from '../src/server/store/lowdb-store.js'
import {PostgresStore} from '../src/server/store/postgres/postgres-store.js'
import type {JobRecord, StoreMeta} from '../src/server/store/records.js'
import {createTestDatabase, NO_SERVER} from '../test/server/store-conformance/test-database.js'
import {round} from './lib/stats.js'

const quick = process.argv.includes('--quick')
const opsAt = process.argv.indexOf('--ops')
const OPS = opsAt === -1 ? (quick ? 200 : 2000) : Number(process.argv[opsAt + 1])
const CONCURRENCY = 16

interface Figures {
  store: string
  submitSerialUs: number
  submitConcurrentUs: number
  claimConcurrentUs: number
  cpuPerOpUs: number
  /** From a submit's answer on one handle to the job_pending event on the other (another replica on PostgreSQL). */
  wakeUs: number
}

const meta: StoreMeta = {format: 1, created_at: new Date().toISOString(), signing_key_id: new Ed25519Signer(generateSeed()).keyId}
let serial = 0

function newJob(): JobRecord {
  const now = new Date().toISOString()
  return {job_id: `job_bench${++serial}`, status: 'pending', prompt: 'How much does a store op cost?', model: 'llama3.2', params: {max_tokens: 8, temperature: 0, top_p: 1}, client: 'bench', attempts: 0, created_at: now}
}

function submitted(job: JobRecord): TransactionDraft[] {
  return [{type: 'job_submitted', timestamp: job.created_at, data: {job_id: job.job_id, client: job.client, model: job.model}}]
}

const claim: JobChanger = (job) => {
  const now = new Date()
  const move = machine.claim(job, 'bench-miner', now, 60)
  if ('refused' in move) throw new Error(move.refused)
  return {job: move.job, transactions: [{type: 'job_claimed', timestamp: now.toISOString(), data: {job_id: job.job_id, miner_id: 'bench-miner'}}]}
}

/** Microseconds of wall time per op for `ops` calls of `op` by `concurrency` callers. */
async function timed(ops: number, concurrency: number, op: () => Promise<unknown>): Promise<number> {
  let left = ops
  const started = performance.now()
  await Promise.all(
    Array.from({length: concurrency}, async () => {
      while (left-- > 0) await op()
    }),
  )
  return ((performance.now() - started) * 1000) / ops
}

/** Median µs from a submit on `from` resolving to `to` hearing of it (0 if heard first), over `count` submits. */
async function wakeLatency(from: AsyncStore, to: AsyncStore, count: number): Promise<number> {
  const samples: number[] = []
  for (let i = 0; i < count; i++) {
    const job = {...newJob(), model: `wake-${i}`}
    const heard = new Promise<number>((resolve) => {
      const unsubscribe = to.subscribe((event) => event.kind === 'job_pending' && event.model === job.model && (unsubscribe(), resolve(performance.now())))
    })
    await from.submitJob(job, submitted(job))
    const answered = performance.now()
    samples.push(Math.max(0, (await heard) - answered) * 1000)
  }
  return samples.sort((x, y) => x - y)[Math.floor(samples.length / 2)]
}

async function measure(name: string, store: AsyncStore, replica: AsyncStore): Promise<Figures> {
  const cpu = process.cpuUsage()
  const submitSerialUs = await timed(OPS, 1, () => {
    const job = newJob()
    return store.submitJob(job, submitted(job))
  })
  const submitConcurrentUs = await timed(OPS, CONCURRENCY, () => {
    const job = newJob()
    return store.submitJob(job, submitted(job))
  })
  const claimConcurrentUs = await timed(OPS, CONCURRENCY, async () => {
    if (!(await store.claimNextJob({models: ['llama3.2']}, claim))) throw new Error('no pending job left to claim')
  })
  const used = process.cpuUsage(cpu)
  const wakeUs = await wakeLatency(store, replica, Math.min(200, OPS))
  return {store: name, submitSerialUs, submitConcurrentUs, claimConcurrentUs, cpuPerOpUs: (used.user + used.system) / (3 * OPS), wakeUs}
}

const database = await createTestDatabase()
if (!database) {
  console.error(`bench: ${NO_SERVER}`)
  process.exit(1)
}
const dir = await mkdtemp(path.join(tmpdir(), 'aitbc-bench-store-'))
const results: Figures[] = []
try {
  const embedded = new EmbeddedAsyncStore(await LowdbStore.create(dir, meta))
  // One writer: the "other replica" is the same store.
  results.push(await measure('embedded (lowdb + history files)', embedded, embedded))
  await embedded.close()
  for (const [label, schema, synchronousCommit] of [
    ['PostgreSQL, synchronous_commit on', 'bench_sync', 'on'],
    ['PostgreSQL, synchronous_commit off', 'bench_async', 'off'],
  ] as const) {
    // Before the store connects: its connections take the database's setting.
    await setSynchronousCommit(database.url, synchronousCommit)
    const store = await PostgresStore.create({connectionString: database.url, schema, poolSize: CONCURRENCY}, meta)
    const replica = await PostgresStore.open({connectionString: database.url, schema})
    results.push(await measure(label, store, replica))
    await Promise.all([store.close(), replica.close()])
  }
} finally {
  await rm(dir, {recursive: true, force: true})
  await database.drop()
}

const base = results[0]
console.log(`store operations, ${OPS} of each, ${CONCURRENCY} callers for the concurrent ones (µs per op; ratio to the embedded store)`)
console.log(['store', 'submit x1', 'submit x16', 'claim-next x16', 'client CPU/op', 'wake after answer (median)'].join(' | '))
for (const r of results) {
  const cell = (value: number, baseline: number) => `${round(value, 0)} (${round(value / baseline, 1)}x)`
  console.log(
    [r.store, cell(r.submitSerialUs, base.submitSerialUs), cell(r.submitConcurrentUs, base.submitConcurrentUs), cell(r.claimConcurrentUs, base.claimConcurrentUs), cell(r.cpuPerOpUs, base.cpuPerOpUs), round(r.wakeUs, 0)].join(' | '),
  )
}

/** Sets synchronous_commit for the bench database, for connections opened from now on. */
async function setSynchronousCommit(url: string, value: 'on' | 'off'): Promise<void> {
  const client = new pg.Client({connectionString: url})
  await client.connect()
  try {
    await client.query(`ALTER DATABASE ${pg.escapeIdentifier(new URL(url).pathname.slice(1))} SET synchronous_commit = ${value}`)
  } finally {
    await client.end()
  }
}
