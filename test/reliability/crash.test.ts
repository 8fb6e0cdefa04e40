// Crash safety: `aitbc serve` as a subprocess, under load from concurrent submitters and miners, is
// SIGKILLed at random moments and restarted on the same data directory each time. Afterwards nothing
// it acknowledged is lost, no job completed twice, and the ledger verifies from genesis.
// AITBC_CRASH_SEED=N replays the random choices of a run (the seed is printed). AITBC_CRASH_KILLS=N kills
// N times instead of 8 (`npm run test:full`: 24). Each start acknowledges new jobs and completions under
// the whole mix of requests before its kill, so 8 kills already land among all of them; each kill costs
// a start and some seconds of both cores at full load. test/reliability/crash-harness.test.ts crashes the
// store at every one of its file operations, in-process.
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, it} from 'node:test'

import {initDataDir} from '../../src/server/data-dir.js'
import {assertBuilt, startServe, type ServeProcess} from '../server/serve-process.js'
import {assertLedgerCovers, assertReceiptsMatchJobs, auditLedger, snapshot, waitForSealed} from './audit.js'
import {Load, seededRandom} from './load.js'

const KILLS = Number(process.env.AITBC_CRASH_KILLS ?? 8)
/** Short leases and blocks, so requeues and sealing happen many times between kills. */
const SETTINGS = ['--port', '0', '--lease-seconds', '1', '--block-interval', '0.2']
/** A bound, not a timing: a start takes about a second, far longer on a machine busy with other work. */
const START_TIMEOUT_MS = 30_000

let root: string
before(async () => {
  assertBuilt()
  root = await mkdtemp(path.join(tmpdir(), 'aitbc-crash-'))
})
after(() => root && rm(root, {recursive: true, force: true}))

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Until the load has had a new job and a new completion acknowledged: every run between two kills does
 * some work, however busy the machine (on a slow one a restart can take most of a random interval).
 */
async function progress(load: Load, withinMs: number): Promise<void> {
  const [jobs, completions] = [load.acks.jobs.size, load.acks.completions.size]
  const deadline = Date.now() + withinMs
  while (load.acks.jobs.size === jobs || load.acks.completions.size === completions) {
    if (Date.now() > deadline) assert.fail(`no job or no completion acknowledged within ${withinMs / 1000} s of a start`)
    await sleep(20)
  }
}

it(`SIGKILLed ${KILLS} times under load, the coordinator loses nothing it acknowledged`, {timeout: 240_000}, async (t) => {
  const seed = Number(process.env.AITBC_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31))
  t.diagnostic(`seed ${seed} (AITBC_CRASH_SEED=${seed} replays the random choices)`)
  const random = seededRandom(seed)
  const dataDir = path.join(root, 'data')
  // In this process: the data directory's creation is not what is tested here (a process start saved).
  const keys = await initDataDir(dataDir)
  const trusted = new Set([keys.key_id])
  const args = ['--data-dir', dataDir, ...SETTINGS]

  let serve: ServeProcess & {url: string} = await startServe(args, START_TIMEOUT_MS)
  // Whichever start is current when the test ends, failing or not (killing one that exited does nothing).
  t.after(async () => {
    serve.child.kill('SIGKILL')
    await serve.exited
  })
  const target = {url: serve.url}
  const load = new Load(target, {clientKey: keys.client_key, minerKey: keys.miner_key}, random)
  load.start()
  let kills = 0
  try {
    for (; kills < KILLS; kills++) {
      await progress(load, START_TIMEOUT_MS)
      await sleep(random() * 600)
      serve.child.kill('SIGKILL')
      await serve.exited
      // Whatever the kill left on disk must not stop the next start.
      serve = await startServe(args, START_TIMEOUT_MS)
      target.url = serve.url
    }
    await sleep(500)
  } finally {
    await load.stop()
  }
  // A last graceful stop seals and flushes; the checks run on a fresh start.
  serve.child.kill('SIGTERM')
  assert.equal(await serve.exited, 0, serve.stderr())
  serve = await startServe(args, START_TIMEOUT_MS)
  const {acks} = load
  assert.deepEqual(acks.unexpected, [])
  const state = await snapshot(serve.url, keys.admin_key)

  const lost = [...acks.jobs].filter((id) => !state.jobs.has(id))
  assert.deepEqual(lost, [], 'jobs that got a 201 are missing')
  for (const [jobId, receipt] of acks.completions) {
    assert.deepEqual(state.receipts.get(receipt.receipt_id), receipt, `the receipt returned for ${jobId}`)
    assert.equal(state.jobs.get(jobId)?.status, 'completed', `job ${jobId} was acknowledged as completed`)
    assert.equal(state.jobs.get(jobId)?.receipt_id, receipt.receipt_id)
  }
  for (const jobId of acks.cancels) assert.equal(state.jobs.get(jobId)?.status, 'cancelled', `job ${jobId} was acknowledged as cancelled`)
  // A claim is answered before it is on disk (and waits for the next flush): one a kill took with it
  // left the job pending, offered again; the lease it named never comes back.
  for (const {jobId, minerId, startedAt} of acks.lostLeases) {
    const job = state.jobs.get(jobId)
    assert.ok(!(job?.status === 'running' && job.miner_id === minerId && job.started_at === startedAt), `job ${jobId} is held again by a lease refused before`)
  }
  assertReceiptsMatchJobs(state, trusted)
  // An idempotent retry never made a second job: every prompt is in at most one job.
  const prompts = [...state.jobs.values()].map((job) => job.prompt)
  assert.equal(new Set(prompts).size, prompts.length, 'a submit was stored twice')

  await waitForSealed(serve.url)
  const ledger = await auditLedger(serve.url, trusted)
  assertLedgerCovers(state, ledger)

  assert.ok(acks.jobs.size > KILLS && acks.completions.size > KILLS, `too little load to mean anything: ${acks.jobs.size} jobs`)
  t.diagnostic(
    `kills survived: ${kills}; jobs acknowledged: ${acks.jobs.size}, found: ${acks.jobs.size - lost.length}; ` +
      `completions acknowledged: ${acks.completions.size}; receipts stored and verified: ${state.receipts.size}; ` +
      `cancels acknowledged: ${acks.cancels.size}; claims abandoned: ${acks.abandoned}; leases lost: ${acks.lostLeases.length}; results redelivered: ${acks.redelivered}; ` +
      `blocks verified: ${ledger.blocks}; transactions: ${ledger.transactions.length}`,
  )
})
