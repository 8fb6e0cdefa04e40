// Leases: a miner that dies holding a job (it claimed, then went silent) does not keep the job. When the
// lease ends the job goes back to pending and another miner completes it, once; after the last attempt
// the job fails with an error that says what happened.
import assert from 'node:assert/strict'
import {after, before, it} from 'node:test'

import {startTestServer, type TestServer} from '../helpers/server.js'
import {claim, complete, register, submit, type JobBody, type ReceiptBody} from '../server/fixtures.js'
import {assertReceiptsMatchJobs, auditLedger, snapshot, waitForSealed} from './audit.js'

const LEASE_SECONDS = 1

let server: TestServer
before(async () => {
  server = await startTestServer({config: {leaseSeconds: LEASE_SECONDS, maxAttempts: 2}})
  await register(server, 'rig-dies', ['lease-model'])
  await register(server, 'rig-lives', ['lease-model'])
})
after(() => server.close())

/** The next job for `minerId`, waiting for one (long poll, bounded). */
async function nextJob(minerId: string): Promise<JobBody> {
  const res = await server.request<JobBody | null>(`/v1/jobs/available?miner_id=${minerId}&wait=${LEASE_SECONDS * 5}`, {key: server.minerKey})
  assert.equal(res.status, 200)
  assert.ok(res.body, `no job came back for ${minerId} within ${LEASE_SECONDS * 5} s`)
  return res.body
}

it('a miner that dies mid-job: requeued when the lease ends, then completed once by another miner', async () => {
  const job = await submit(server, {prompt: 'outlive the miner', model: 'lease-model'})
  await claim(server, job.job_id, 'rig-dies')
  // rig-dies is gone. rig-lives waits for work and gets this job back once the lease is over.
  const requeued = await nextJob('rig-lives')
  assert.equal(requeued.job_id, job.job_id)
  assert.equal(requeued.status, 'pending')
  assert.match(requeued.error ?? '', /lease expired: miner rig-dies did not finish within 1 s/)
  await claim(server, job.job_id, 'rig-lives')
  const receipt = await complete(server, job.job_id, 'done by the survivor', 'rig-lives')
  assert.equal(receipt.provider, 'rig-lives')

  // The dead miner coming back with a result is refused: the job is not its own any more.
  const late = await server.request(`/v1/jobs/${job.job_id}/complete`, {key: server.minerKey, body: {miner_id: 'rig-dies', result: 'late'}})
  assert.equal(late.status, 409)
  const final = (await server.request<JobBody>(`/v1/jobs/${job.job_id}`, {key: server.clientKey})).body
  assert.equal(final.status, 'completed')
  assert.equal(final.attempts, 2)
  assert.equal(final.receipt_id, receipt.receipt_id)
  const receipts = (await server.request<ReceiptBody[]>('/v1/receipts?limit=100', {key: server.clientKey})).body
  assert.deepEqual(receipts.filter((r) => r.job_id === job.job_id).map((r) => r.receipt_id), [receipt.receipt_id])
})

it('after the last attempt the job fails with a clear error and is offered to no one', async () => {
  const job = await submit(server, {prompt: 'every miner dies', model: 'lease-model'})
  await claim(server, job.job_id, 'rig-dies')
  assert.equal((await nextJob('rig-lives')).job_id, job.job_id)
  await claim(server, job.job_id, 'rig-lives')
  // rig-lives dies too; that was the last of two attempts.
  const deadline = Date.now() + LEASE_SECONDS * 5000
  let final: JobBody
  do {
    await new Promise((resolve) => setTimeout(resolve, 100))
    final = (await server.request<JobBody>(`/v1/jobs/${job.job_id}`, {key: server.clientKey})).body
  } while (final.status === 'running' && Date.now() < deadline)
  assert.equal(final.status, 'failed')
  assert.equal(final.attempts, 2)
  assert.equal(final.error, 'lease expired: miner rig-lives did not finish within 1 s')
  assert.equal(final.receipt_id, undefined)
  const available = await server.request(`/v1/jobs/available?miner_id=rig-lives`, {key: server.minerKey})
  assert.equal(available.body, null)
  assert.equal((await server.request(`/v1/jobs/${job.job_id}/complete`, {key: server.minerKey, body: {miner_id: 'rig-lives', result: 'r'}})).status, 409)

  // The ledger tells the same story: one requeue for the first expiry, then the failure.
  await waitForSealed(server.url)
  const ledger = await auditLedger(server.url, server.trustedKeyIds)
  const story = ledger.transactions.filter((tx) => tx.data.job_id === job.job_id).map((tx) => `${tx.type}${tx.data.reason ? ` ${String(tx.data.reason)}` : ''}`)
  assert.deepEqual(story, ['job_submitted', 'job_claimed', 'job_requeued lease_expired', 'job_claimed', 'job_failed lease_expired'])
  assertReceiptsMatchJobs(await snapshot(server.url, server.adminKey), server.trustedKeyIds)
})
