import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {startTestServer} from '../helpers/server.js'
import {assertError, claim, eventually, register, sleep, submit, type JobBody} from './fixtures.js'

describe('leases', () => {
  it('a running job whose lease expires goes back to pending, then fails after the last attempt', async () => {
    const server = await startTestServer({config: {leaseSeconds: 0.3, maxAttempts: 2}})
    try {
      await register(server, 'slow', ['llama3.2'])
      const job = await submit(server)
      const get = async () => (await server.request<JobBody>(`/v1/jobs/${job.job_id}`, {key: server.clientKey})).body
      await claim(server, job.job_id, 'slow')
      const requeued = await eventually(async () => {
        const current = await get()
        return current.status === 'pending' ? current : undefined
      }, 3000, 'the lease to expire')
      assert.equal(requeued.attempts, 1)
      assert.match(requeued.error!, /lease expired/)
      assert.equal(requeued.miner_id, undefined)
      // The requeued job is offered again.
      const offered = await server.request<JobBody>('/v1/jobs/available?miner_id=slow', {key: server.minerKey})
      assert.equal(offered.body.job_id, job.job_id)
      await claim(server, job.job_id, 'slow')
      const failed = await eventually(async () => {
        const current = await get()
        return current.status === 'failed' ? current : undefined
      }, 3000, 'the last lease to expire')
      assert.equal(failed.attempts, 2)
      const types = (await server.request<{type: string; data: {job_id?: string}}[]>('/explorer/transactions?limit=100')).body
        .filter((tx) => tx.data.job_id === job.job_id)
        .map((tx) => tx.type)
        .reverse()
      assert.deepEqual(types, ['job_submitted', 'job_claimed', 'job_requeued', 'job_claimed', 'job_failed'])
    } finally {
      await server.close()
    }
  })

  it('a result that arrives after the lease ran out is refused, even before the sweeper runs', async () => {
    const server = await startTestServer({config: {leaseSeconds: 0.2, maxAttempts: 3}})
    try {
      server.app.coordinator.sweeper.stop()
      await register(server, 'late', ['llama3.2'])
      const job = await submit(server)
      await claim(server, job.job_id, 'late')
      await sleep(300)
      assertError(
        await server.request(`/v1/jobs/${job.job_id}/complete`, {key: server.minerKey, method: 'POST', body: {miner_id: 'late', result: 'too late'}}),
        409,
        'conflict',
        /pending, not running/,
      )
    } finally {
      await server.close()
    }
  })

  it('leases that expired while the coordinator was stopped are handled at start', async () => {
    let server = await startTestServer({config: {leaseSeconds: 0.5}})
    try {
      await register(server, 'gone', ['llama3.2'])
      const job = await submit(server)
      await claim(server, job.job_id, 'gone')
      await server.stop()
      await sleep(600)
      server = await server.restart()
      // The sweep at start has run before the first request is served.
      const current = (await server.request<JobBody>(`/v1/jobs/${job.job_id}`, {key: server.clientKey})).body
      assert.equal(current.status, 'pending')
      assert.match(current.error!, /lease expired/)
    } finally {
      await server.close()
    }
  })
})
