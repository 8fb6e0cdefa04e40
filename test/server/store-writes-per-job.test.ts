// What one job costs the store: each step of the lifecycle is one store write (one flush, shared with
// whatever else is queued: group commit): submit, claim-next, and complete, whose job, receipt and two
// ledger records go in that one write together.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {startTestServer, type TestServer} from '../helpers/server.js'
import {complete, register, submit, type JobBody} from './fixtures.js'

/** The AsyncStore methods that write (src/server/store/async-store.ts). */
const WRITES = ['submitJob', 'changeJob', 'claimNextJob', 'sweepLeases', 'appendTransactions', 'changeMiner', 'sealBlock'] as const

describe('store writes per job', () => {
  let server: TestServer
  const calls: string[] = []
  before(async () => {
    server = await startTestServer({config: {blockIntervalSeconds: 3600}})
    // The lease sweeper writes on its own clock; a tick inside a counted step is not the step's write.
    server.app.coordinator.sweeper.stop()
    // The services hold this very object: counting on it counts what they ask of the store.
    const store = server.app.coordinator.store as unknown as Record<string, (...args: unknown[]) => unknown>
    for (const name of WRITES) {
      const original = store[name].bind(store)
      store[name] = (...args: unknown[]) => (calls.push(name), original(...args))
    }
  })
  after(() => server.close())

  const counted = async <T>(step: () => Promise<T>): Promise<{result: T; writes: string[]}> => {
    calls.length = 0
    const result = await step()
    return {result, writes: [...calls]}
  }

  it('submit, claim-next and complete are one write each; complete writes job, receipt and ledger records together', async () => {
    await register(server, 'writes-miner', ['writes-model'])
    const submitted = await counted(() => submit(server, {prompt: 'count me', model: 'writes-model'}))
    assert.deepEqual(submitted.writes, ['submitJob'])
    const claimed = await counted(() => server.request<JobBody>('/v1/miners/claim-next', {key: server.minerKey, method: 'POST', body: {miner_id: 'writes-miner'}}))
    assert.equal(claimed.result.body.job_id, submitted.result.job_id)
    assert.deepEqual(claimed.writes, ['claimNextJob'])
    const completed = await counted(() => complete(server, submitted.result.job_id, 'counted', 'writes-miner'))
    assert.deepEqual(completed.writes, ['changeJob'])
    const ledger = (await server.request<{type: string; data: {job_id?: string}}[]>('/explorer/transactions?limit=10')).body
    assert.deepEqual(
      ledger.filter((tx) => tx.data.job_id === submitted.result.job_id).map((tx) => tx.type),
      ['receipt_issued', 'job_completed', 'job_claimed', 'job_submitted'],
    )
  })
})
