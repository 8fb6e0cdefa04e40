// POST /v1/miners/claim-next: one long poll that answers a job already claimed, with the rules of
// available + claim (one winner per job, the failed-miner rule, the poll cap, revoked keys).
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {startTestServer, type TestServer} from '../helpers/server.js'
import {assertError, complete, register, submit, type JobBody} from './fixtures.js'

describe('POST /v1/miners/claim-next', () => {
  let server: TestServer
  before(async () => (server = await startTestServer({config: {maxPollsPerKey: 12}})))
  after(() => server.close())

  const claimNext = (minerId: string, wait = 0, key = server.minerKey, signal?: AbortSignal) =>
    server.request<JobBody | null>('/v1/miners/claim-next', {key, method: 'POST', body: {miner_id: minerId, wait}, signal})

  it('answers the oldest job claimed (running, leased, the claim on the ledger), then null', async () => {
    await register(server, 'cn-one', ['cn-model-one'])
    const job = await submit(server, {prompt: 'one', model: 'cn-model-one'})
    const res = await claimNext('cn-one')
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body!.job_id, job.job_id)
    assert.equal(res.body!.status, 'running')
    assert.equal(res.body!.miner_id, 'cn-one')
    assert.equal(res.body!.attempts, 1)
    assert.ok(res.body!.lease_expires_at)
    assert.equal((await claimNext('cn-one')).body, null)
    const receipt = await complete(server, job.job_id, 'done', 'cn-one')
    assert.equal(receipt.job_id, job.job_id)
    const ledger = await server.request<{type: string; data: {job_id?: string}}[]>('/explorer/transactions?limit=20')
    const types = ledger.body.filter((tx) => tx.data.job_id === job.job_id).map((tx) => tx.type)
    assert.deepEqual(new Set(types), new Set(['job_submitted', 'job_claimed', 'job_completed', 'receipt_issued']))
  })

  it('gives each job to exactly one of many racing miners', async () => {
    const miners = Array.from({length: 8}, (_, i) => `cn-race-${i}`)
    for (const minerId of miners) await register(server, minerId, ['cn-race-model'])
    const jobs = [await submit(server, {prompt: 'r1', model: 'cn-race-model'}), await submit(server, {prompt: 'r2', model: 'cn-race-model'})]
    const answers = await Promise.all(miners.map((minerId) => claimNext(minerId)))
    for (const res of answers) assert.equal(res.status, 200, JSON.stringify(res.body))
    const won = answers.filter((res) => res.body !== null).map((res) => res.body!)
    assert.equal(won.length, 2, 'two jobs, two winners')
    assert.deepEqual(new Set(won.map((job) => job.job_id)), new Set(jobs.map((job) => job.job_id)))
    assert.equal(new Set(won.map((job) => job.miner_id)).size, 2, 'different miners')
    for (const job of won) assert.equal((await server.request<JobBody>(`/v1/jobs/${job.job_id}`, {key: server.adminKey})).body.miner_id, job.miner_id)
  })

  it('wakes a waiting poll when a job is submitted, and waits out the poll to answer null', async () => {
    await register(server, 'cn-wait', ['cn-wait-model'])
    const started = performance.now()
    const waiting = claimNext('cn-wait', 20)
    // Submitted while the poll waits (the poll is open once the server counts it; a short head start suffices either way).
    await new Promise((resolve) => setTimeout(resolve, 100))
    const job = await submit(server, {prompt: 'wake', model: 'cn-wait-model'})
    const res = await waiting
    assert.equal(res.body!.job_id, job.job_id)
    assert.equal(res.body!.status, 'running')
    assert.ok(performance.now() - started < 15_000, 'woken by the submit, not at the end of its wait')

    const emptyStarted = performance.now()
    const empty = await claimNext('cn-wait', 0.3)
    assert.equal(empty.status, 200)
    assert.equal(empty.body, null)
    assert.ok(performance.now() - emptyStarted >= 290, 'waited its 0.3 s')
  })

  it('never gives a miner a job it failed; another miner gets it', async () => {
    await register(server, 'cn-failer', ['cn-fail-model'])
    await register(server, 'cn-other', ['cn-fail-model'])
    const job = await submit(server, {prompt: 'fails once', model: 'cn-fail-model'})
    assert.equal((await claimNext('cn-failer')).body!.job_id, job.job_id)
    const failed = await server.request<JobBody>(`/v1/jobs/${job.job_id}/fail`, {key: server.minerKey, method: 'POST', body: {miner_id: 'cn-failer', error: 'boom'}})
    assert.equal(failed.body.status, 'pending')
    assert.equal((await claimNext('cn-failer')).body, null, 'not the job it failed')
    const other = await claimNext('cn-other')
    assert.equal(other.body!.job_id, job.job_id)
    assert.equal(other.body!.attempts, 2)
  })

  it('refuses unknown miners, other principals\u2019 miners, bad input, and a revoked key at once while it waits', async () => {
    assertError(await claimNext('cn-nobody'), 404, 'not_found', /not registered/)
    assertError(await server.request('/v1/miners/claim-next', {key: server.minerKey, method: 'POST', body: {miner_id: 'cn-one', wait: 31}}), 400, 'validation_failed')
    assertError(await server.request('/v1/miners/claim-next', {key: server.clientKey, method: 'POST', body: {miner_id: 'cn-one'}}), 403, 'forbidden')
    const created = await server.request<{api_key: string}>('/v1/admin/keys', {key: server.adminKey, method: 'POST', body: {role: 'miner', name: 'cn-rig-owner'}})
    const key = created.body.api_key
    await register(server, 'cn-owned', ['cn-revoke-model'], key)
    assertError(await claimNext('cn-owned'), 403, 'forbidden', /another principal/)
    const waiting = claimNext('cn-owned', 20, key)
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.equal((await server.request('/v1/admin/keys/cn-rig-owner', {key: server.adminKey, method: 'DELETE'})).status, 200)
    const started = performance.now()
    assertError(await waiting, 401, 'unauthorized', /revoked/)
    assert.ok(performance.now() - started < 15_000, 'answered at once, not at the end of the wait')
  })

  it('counts against the polls-per-key cap together with available', async () => {
    await register(server, 'cn-cap', ['cn-cap-model'])
    const controller = new AbortController()
    const open = Array.from({length: 12}, () => claimNext('cn-cap', 20, server.minerKey, controller.signal).catch(() => undefined))
    // Once all twelve are open (on a busy machine that takes a while), one more is refused.
    const deadline = performance.now() + 10_000
    let refused = await claimNext('cn-cap', 0)
    while (refused.status === 200 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      refused = await claimNext('cn-cap', 0)
    }
    controller.abort()
    await Promise.all(open)
    assertError(refused, 429, 'limit_reached', /--max-polls-per-key 12/)
  })

  it('puts a job claimed for a poll whose client went away back in the queue', async () => {
    await register(server, 'cn-gone', ['cn-gone-model'])
    await register(server, 'cn-stays', ['cn-gone-model'])
    const controller = new AbortController()
    const gone = claimNext('cn-gone', 20, server.minerKey, controller.signal).catch((error: unknown) => error)
    await new Promise((resolve) => setTimeout(resolve, 200))
    controller.abort()
    await gone
    await new Promise((resolve) => setTimeout(resolve, 100))
    const job = await submit(server, {prompt: 'nobody home', model: 'cn-gone-model'})
    const res = await claimNext('cn-stays', 5)
    assert.equal(res.body?.job_id, job.job_id, 'the job went to the miner still there')
  })
})
