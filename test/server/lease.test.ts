import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {ManualClock} from '../../src/server/clock.js'
import type {ServerConfig} from '../../src/server/config.js'
import {startTestServer} from '../helpers/server.js'
import {assertError, claim, register, sleep, submit, type JobBody} from './fixtures.js'

/** Time moves only when the test says so: the sweep is run by hand after the clock passes the lease. */
async function startWithHandSweeps(config: Partial<ServerConfig>) {
  const clock = new ManualClock()
  const server = await startTestServer({config, clock})
  server.app.coordinator.sweeper.stop()
  return {clock, server}
}

describe('leases', () => {
  it('a running job whose lease expires goes back to pending for another miner, then fails after the last attempt', async () => {
    const {clock, server} = await startWithHandSweeps({leaseSeconds: 300, maxAttempts: 2})
    try {
      await register(server, 'slow', ['llama3.2'])
      await register(server, 'slower', ['llama3.2'])
      const job = await submit(server)
      const get = async () => (await server.request<JobBody>(`/v1/jobs/${job.job_id}`, {key: server.clientKey})).body
      await claim(server, job.job_id, 'slow')
      clock.advance(299_000)
      await server.app.coordinator.sweeper.sweep()
      assert.equal((await get()).status, 'running', 'the lease has a second left')
      clock.advance(1000)
      await server.app.coordinator.sweeper.sweep()
      const requeued = await get()
      assert.equal(requeued.status, 'pending')
      assert.equal(requeued.attempts, 1)
      assert.match(requeued.error!, /lease expired/)
      assert.equal(requeued.miner_id, undefined)
      // Not offered again to the miner that let it lapse, but to the other one.
      assert.equal((await server.request('/v1/jobs/available?miner_id=slow', {key: server.minerKey})).body, null)
      const offered = await server.request<JobBody>('/v1/jobs/available?miner_id=slower', {key: server.minerKey})
      assert.equal(offered.body.job_id, job.job_id)
      await claim(server, job.job_id, 'slower')
      clock.advance(300_000)
      await server.app.coordinator.sweeper.sweep()
      const failed = await get()
      assert.equal(failed.status, 'failed')
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

  it('a lone miner whose lease ran out gets the job again once a lease period passed with no other taker', async () => {
    // As when the coordinator died between writing a claim and answering it: the miner never knew.
    const {clock, server} = await startWithHandSweeps({leaseSeconds: 60, maxAttempts: 3})
    try {
      await register(server, 'lone', ['llama3.2'])
      const job = await submit(server)
      await claim(server, job.job_id, 'lone')
      clock.advance(60_000)
      await server.app.coordinator.sweeper.sweep()
      const offer = async () => (await server.request<JobBody | null>('/v1/jobs/available?miner_id=lone', {key: server.minerKey})).body
      assert.equal(await offer(), null, 'other miners come first for a while')
      assertError(await server.request(`/v1/jobs/${job.job_id}/claim`, {key: server.minerKey, body: {miner_id: 'lone'}}), 409, 'conflict', /already failed job/)
      clock.advance(59_000)
      assert.equal(await offer(), null)
      clock.advance(1000)
      assert.equal((await offer())?.job_id, job.job_id, 'nobody else took it within a lease period')
      await claim(server, job.job_id, 'lone')
      const claimNext = await server.request<JobBody>('/v1/jobs/' + job.job_id, {key: server.clientKey})
      assert.equal(claimNext.body.status, 'running')
      assert.equal(claimNext.body.attempts, 2)
    } finally {
      await server.close()
    }
  })

  it('a lone miner waiting in a long poll is woken when it may try a job it failed again', async () => {
    const server = await startTestServer({config: {leaseSeconds: 1, maxAttempts: 3}})
    try {
      await register(server, 'lone', ['llama3.2'])
      const job = await submit(server)
      await claim(server, job.job_id, 'lone')
      const failed = await server.request<JobBody>(`/v1/jobs/${job.job_id}/fail`, {key: server.minerKey, body: {miner_id: 'lone', error: 'out of memory'}})
      assert.equal(failed.body.status, 'pending')
      // No event comes (nothing is submitted): only the end of the one-lease wait can wake this poll.
      const started = performance.now()
      const offered = await server.request<JobBody>('/v1/miners/claim-next', {key: server.minerKey, body: {miner_id: 'lone', wait: 30}})
      assert.equal(offered.status, 200, JSON.stringify(offered.body))
      assert.equal(offered.body.job_id, job.job_id)
      // Unwoken, the poll would find it only when its 30 s wait ends.
      assert.ok(performance.now() - started < 15_000, `answered after ${Math.round(performance.now() - started)} ms`)
    } finally {
      await server.close()
    }
  })

  for (const route of ['claim-next', 'available'] as const) {
    it(`a ${route} poll whose look was still reading when the retry opened does not sleep out its wait`, async () => {
      // A busy machine: the timer that wakes waiting miners fires while this poll's look still reads,
      // so it wakes nobody. The poll must not then wait its whole 30 s beside a job it may take.
      const {clock, server} = await startWithHandSweeps({leaseSeconds: 60, maxAttempts: 3})
      try {
        await register(server, 'lone', ['llama3.2'])
        const job = await submit(server)
        await claim(server, job.job_id, 'lone')
        await server.request(`/v1/jobs/${job.job_id}/fail`, {key: server.minerKey, body: {miner_id: 'lone', error: 'out of memory'}})
        const store = server.app.coordinator.store
        const read = route === 'claim-next' ? 'claimNextJob' : 'oldestPendingJob'
        const original = store[read].bind(store) as (...args: unknown[]) => Promise<unknown>
        let slowReads = 0
        ;(store as unknown as Record<string, unknown>)[read] = (...args: unknown[]) => {
          if (slowReads++ === 0) clock.advance(60_000)
          return original(...args)
        }
        const started = performance.now()
        const offered =
          route === 'claim-next'
            ? await server.request<JobBody>('/v1/miners/claim-next', {key: server.minerKey, body: {miner_id: 'lone', wait: 30}})
            : await server.request<JobBody>('/v1/jobs/available?miner_id=lone&wait=30', {key: server.minerKey})
        assert.equal(offered.body?.job_id, job.job_id, JSON.stringify(offered.body))
        assert.ok(performance.now() - started < 15_000, `answered after ${Math.round(performance.now() - started)} ms`)
        assert.ok(slowReads >= 2, 'it looked again once the retry opened')
      } finally {
        await server.close()
      }
    })
  }

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
