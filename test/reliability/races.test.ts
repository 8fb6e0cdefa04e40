// Races: many miners claiming the same jobs at once, and a result racing a cancel. Whatever the
// interleaving, a job is claimed exactly once and ends in exactly one state, with a receipt iff it completed.
import assert from 'node:assert/strict'
import {after, before, it} from 'node:test'

import {startTestServer, type TestServer} from '../helpers/server.js'
import {claim, register, submit, type JobBody, type ReceiptBody} from '../server/fixtures.js'
import {assertLedgerCovers, assertReceiptsMatchJobs, auditLedger, snapshot, waitForSealed} from './audit.js'

const MINERS = 50
const JOBS = 10
const ROUNDS = 2

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let server: TestServer
/** Two miner principals, each with half of the miners. */
let minerKeys: string[]

before(async () => {
  server = await startTestServer()
  minerKeys = [server.minerKey]
  const created = await server.request<{api_key: string}>('/v1/admin/keys', {key: server.adminKey, body: {role: 'miner', name: 'miner-b'}})
  assert.equal(created.status, 201)
  minerKeys.push(created.body.api_key)
  await Promise.all(Array.from({length: MINERS}, (_, i) => register(server, `rig-${i}`, ['llama3.2'], minerKeys[i % 2])))
})
after(() => server.close())

function shuffled<T>(items: T[]): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

it(`${MINERS} miners race for ${JOBS} jobs: each job is claimed exactly once`, async (t) => {
  let requests = 0
  for (let round = 0; round < ROUNDS; round++) {
    const jobs = await Promise.all(Array.from({length: JOBS}, (_, i) => submit(server, {prompt: `race ${round}-${i}`})))
    // Every miner tries every job, all at once, in a random order.
    const attempts = shuffled(jobs.flatMap((job) => Array.from({length: MINERS}, (_, m) => ({jobId: job.job_id, miner: m}))))
    const answers = await Promise.all(
      attempts.map(async ({jobId, miner}) => {
        const res = await server.request<JobBody>(`/v1/jobs/${jobId}/claim`, {key: minerKeys[miner % 2], body: {miner_id: `rig-${miner}`}})
        return {jobId, miner, status: res.status, body: res.body}
      }),
    )
    requests += answers.length
    assert.deepEqual([...new Set(answers.map((a) => a.status))].sort(), [200, 409], 'claims are answered 200 or 409, nothing else')
    for (const job of jobs) {
      const wins = answers.filter((a) => a.jobId === job.job_id && a.status === 200)
      assert.equal(wins.length, 1, `job ${job.job_id} was claimed ${wins.length} times`)
      const stored = await server.request<JobBody>(`/v1/jobs/${job.job_id}`, {key: server.adminKey})
      assert.equal(stored.body.miner_id, `rig-${wins[0].miner}`)
      assert.equal(stored.body.attempts, 1)
    }
  }
  await waitForSealed(server.url)
  const ledger = await auditLedger(server.url, server.trustedKeyIds)
  const claimed = ledger.transactions.filter((tx) => tx.type === 'job_claimed').map((tx) => tx.data.job_id)
  assert.equal(new Set(claimed).size, claimed.length, 'a job_claimed transaction for a job twice')
  t.diagnostic(`${ROUNDS} rounds of ${MINERS} miners x ${JOBS} jobs: ${requests} concurrent claims, ${ROUNDS * JOBS} winners`)
})

it('complete racing cancel: exactly one wins, and the job has a receipt iff it completed', async (t) => {
  const RACES = 30
  const outcomes = {completed: 0, cancelled: 0}
  await Promise.all(
    Array.from({length: RACES}, async (_, i) => {
      const job = await submit(server, {prompt: `complete or cancel ${i}`})
      await claim(server, job.job_id, 'rig-0', minerKeys[0])
      const completing = () => server.request<ReceiptBody>(`/v1/jobs/${job.job_id}/complete`, {key: minerKeys[0], body: {miner_id: 'rig-0', result: 'r'}})
      const cancelling = () => server.request<JobBody>(`/v1/jobs/${job.job_id}/cancel`, {key: server.clientKey, method: 'POST'})
      // A cancel carries no body, so it tends to overtake a result sent at the same moment: on every
      // other job the result gets a head start of a few milliseconds, so that both orders happen.
      const [done, cancelled] = await Promise.all([completing(), i % 2 ? cancelling() : sleep(i % 4).then(cancelling)])
      assert.deepEqual([done.status, cancelled.status].sort(), [200, 409], `complete ${done.status}, cancel ${cancelled.status}`)
      const final = (await server.request<JobBody>(`/v1/jobs/${job.job_id}`, {key: server.clientKey})).body
      const receipts = (await server.request<ReceiptBody[]>(`/v1/receipts?limit=100`, {key: server.clientKey})).body.filter((r) => r.job_id === job.job_id)
      if (done.status === 200) {
        assert.equal(final.status, 'completed')
        assert.deepEqual(receipts.map((r) => r.receipt_id), [done.body.receipt_id])
        outcomes.completed++
      } else {
        assert.equal(final.status, 'cancelled')
        assert.equal(final.receipt_id, undefined)
        assert.deepEqual(receipts, [])
        outcomes.cancelled++
      }
    }),
  )
  const state = await snapshot(server.url, server.adminKey)
  assertReceiptsMatchJobs(state, server.trustedKeyIds)
  await waitForSealed(server.url)
  assertLedgerCovers(state, await auditLedger(server.url, server.trustedKeyIds))
  t.diagnostic(`${RACES} races: ${outcomes.completed} completed first, ${outcomes.cancelled} cancelled first`)
})
