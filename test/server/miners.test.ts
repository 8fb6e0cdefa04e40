import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {verifyReceipt} from '../../src/protocol/receipt.js'
import {sha256Hex} from '../../src/protocol/encoding.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {assertError, claim, complete, register, submit, type JobBody, type ReceiptBody} from './fixtures.js'

let server: TestServer
let otherMinerKey: string

before(async () => {
  server = await startTestServer({config: {modelPrices: {'priced-model': 3}, pricePer1000Tokens: 2}})
  const res = await server.request<{api_key: string}>('/v1/admin/keys', {key: server.adminKey, method: 'POST', body: {role: 'miner', name: 'rig-b'}})
  otherMinerKey = res.body.api_key
})
after(() => server.close())

describe('POST /v1/miners/register', () => {
  it('registers, and registering again refreshes capabilities and last_seen', async () => {
    const first = await server.request<Record<string, unknown>>('/v1/miners/register', {
      key: server.minerKey,
      method: 'POST',
      body: {miner_id: 'reg-1', capabilities: ['llama3.2'], gpu_info: {name: 'RTX 4090', memory: '24GB'}},
    })
    assert.equal(first.status, 201)
    assert.equal(first.body.principal, 'miner')
    assert.deepEqual(first.body.gpu_info, {name: 'RTX 4090', memory: '24GB'})
    await new Promise((resolve) => setTimeout(resolve, 5))
    const again = await server.request<Record<string, unknown>>('/v1/miners/register', {
      key: server.minerKey,
      method: 'POST',
      body: {miner_id: 'reg-1', capabilities: ['llama3.2', 'qwen2.5']},
    })
    assert.deepEqual(again.body.capabilities, ['llama3.2', 'qwen2.5'])
    assert.equal(again.body.registered_at, first.body.registered_at)
    assert.ok((again.body.last_seen as string) > (first.body.last_seen as string))
  })

  it('refuses a miner_id registered by another principal with 403', async () => {
    await register(server, 'taken', ['llama3.2'])
    assertError(
      await server.request('/v1/miners/register', {key: otherMinerKey, method: 'POST', body: {miner_id: 'taken', capabilities: []}}),
      403,
      'forbidden',
      /belongs to another principal/,
    )
  })

  it('validates the registration', async () => {
    const send = (body: unknown) => server.request('/v1/miners/register', {key: server.minerKey, method: 'POST', body})
    assertError(await send({capabilities: []}), 400, 'validation_failed', /miner_id is required/)
    assertError(await send({miner_id: 'a b', capabilities: []}), 400, 'validation_failed', /miner_id must be 1 to 128 letters, digits, "\.", "_", ":" or "-", starting with a letter or digit$/)
    assertError(await send({miner_id: 'ok'}), 400, 'validation_failed', /capabilities is required/)
    assertError(await send({miner_id: 'ok', capabilities: [1]}), 400, 'validation_failed', /capabilities\.0 must be string/)
  })
})

describe('GET /v1/jobs/available', () => {
  it('gives the oldest pending job of a model the miner serves, else null', async () => {
    await register(server, 'avail', ['model-a', 'model-b'])
    const path = '/v1/jobs/available?miner_id=avail'
    assert.equal((await server.request(path, {key: server.minerKey})).body, null)
    await submit(server, {prompt: 'x', model: 'model-z'})
    assert.equal((await server.request(path, {key: server.minerKey})).body, null)
    const b = await submit(server, {prompt: 'x', model: 'model-b'})
    const a = await submit(server, {prompt: 'x', model: 'model-a'})
    assert.equal((await server.request<JobBody>(path, {key: server.minerKey})).body.job_id, b.job_id)
    await claim(server, b.job_id, 'avail')
    assert.equal((await server.request<JobBody>(path, {key: server.minerKey})).body.job_id, a.job_id)
    await claim(server, a.job_id, 'avail')
    assert.equal((await server.request(path, {key: server.minerKey})).body, null)
  })

  it('long-polls with wait: answers as soon as a job arrives, or null when the wait runs out', async () => {
    await register(server, 'poller', ['model-poll'])
    const started = Date.now()
    const empty = await server.request('/v1/jobs/available?miner_id=poller&wait=0.3', {key: server.minerKey})
    assert.equal(empty.body, null)
    assert.ok(Date.now() - started >= 250, 'waited')
    const polling = server.request<JobBody>('/v1/jobs/available?miner_id=poller&wait=10', {key: server.minerKey})
    await new Promise((resolve) => setTimeout(resolve, 100))
    const submittedAt = Date.now()
    const job = await submit(server, {prompt: 'wake up', model: 'model-poll'})
    const res = await polling
    assert.equal(res.body.job_id, job.job_id)
    assert.ok(Date.now() - submittedAt < 1000, 'woken by the submit, not by the timeout')
    await claim(server, job.job_id, 'poller')
  })

  it('needs a registered miner_id of the caller, and wait at most 30', async () => {
    assertError(await server.request('/v1/jobs/available?miner_id=ghost', {key: server.minerKey}), 404, 'not_found', /not registered/)
    await register(server, 'mine-only', ['llama3.2'])
    assertError(await server.request('/v1/jobs/available?miner_id=mine-only', {key: otherMinerKey}), 403, 'forbidden')
    assertError(await server.request('/v1/jobs/available', {key: server.minerKey}), 400, 'validation_failed', /miner_id is required/)
    assertError(await server.request('/v1/jobs/available?miner_id=mine-only&wait=31', {key: server.minerKey}), 400, 'validation_failed', /wait must be <= 30/)
  })
})

describe('POST /v1/jobs/{id}/claim', () => {
  it('20 concurrent claims of one job: exactly one 200, the rest 409', async () => {
    await register(server, 'racer', ['model-race'])
    const job = await submit(server, {prompt: 'race', model: 'model-race'})
    const results = await Promise.all(
      Array.from({length: 20}, () =>
        server.request(`/v1/jobs/${job.job_id}/claim`, {key: server.minerKey, method: 'POST', body: {miner_id: 'racer'}}),
      ),
    )
    assert.equal(results.filter((r) => r.status === 200).length, 1)
    assert.equal(results.filter((r) => r.status === 409).length, 19)
    const claimed = (await server.request<JobBody>(`/v1/jobs/${job.job_id}`, {key: server.adminKey})).body
    assert.equal(claimed.status, 'running')
    assert.equal(claimed.attempts, 1)
    assert.equal(claimed.miner_id, 'racer')
    assert.ok(claimed.started_at && claimed.lease_expires_at)
  })

  it('refuses unknown jobs, jobs it does not serve, foreign miners and unregistered ones', async () => {
    await register(server, 'claimer', ['llama3.2'])
    const claimOf = (jobId: string, minerId: string, key = server.minerKey) =>
      server.request(`/v1/jobs/${jobId}/claim`, {key, method: 'POST', body: {miner_id: minerId}})
    assertError(await claimOf('job_missing', 'claimer'), 404, 'not_found')
    const other = await submit(server, {prompt: 'x', model: 'not-served'})
    assertError(await claimOf(other.job_id, 'claimer'), 409, 'conflict', /does not serve model not-served/)
    const job = await submit(server)
    assertError(await claimOf(job.job_id, 'claimer', otherMinerKey), 403, 'forbidden')
    assertError(await claimOf(job.job_id, 'nobody'), 404, 'not_found', /not registered/)
    assertError(await server.request(`/v1/jobs/${job.job_id}/claim`, {key: server.minerKey, method: 'POST', body: {}}), 400, 'validation_failed', /miner_id is required/)
    assert.equal((await server.request<JobBody>(`/v1/jobs/${job.job_id}`, {key: server.clientKey})).body.status, 'pending')
  })
})

describe('POST /v1/jobs/{id}/complete', () => {
  it('completes the job and returns a signed receipt that verifies', async () => {
    await register(server, 'worker', ['llama3.2', 'priced-model'])
    const job = await submit(server, {prompt: 'Write a haiku'})
    await claim(server, job.job_id, 'worker')
    const res = await server.request<ReceiptBody>(`/v1/jobs/${job.job_id}/complete`, {
      key: server.minerKey,
      method: 'POST',
      body: {miner_id: 'worker', result: 'An old silent pond'},
    })
    assert.equal(res.status, 200)
    const receipt = res.body
    assert.equal(verifyReceipt(receipt, server.trustedKeyIds), undefined)
    assert.match(receipt.receipt_id, /^rcpt_/)
    assert.equal(receipt.job_id, job.job_id)
    assert.equal(receipt.provider, 'worker')
    assert.equal(receipt.client, 'client')
    assert.equal(receipt.unit_type, 'tokens')
    assert.equal(receipt.model, 'llama3.2')
    assert.equal(receipt.canonicalization, 'rfc8785')
    assert.equal(receipt.prompt_sha256, sha256Hex('Write a haiku'))
    assert.equal(receipt.result_sha256, sha256Hex('An old silent pond'))
    assert.ok(Number.isInteger(receipt.started_at) && Number.isInteger(receipt.completed_at))
    assert.ok((receipt.completed_at as number) >= (receipt.started_at as number))
    // "An old silent pond": four words of at most 4 characters -> 5 tokens (silent is 2).
    assert.equal(receipt.units, 5)
    assert.equal(receipt.price, 0.01)
    const done = (await server.request<JobBody>(`/v1/jobs/${job.job_id}`, {key: server.clientKey})).body
    assert.equal(done.status, 'completed')
    assert.equal(done.result, 'An old silent pond')
    assert.equal(done.receipt_id, receipt.receipt_id)
    assert.ok(done.completed_at)
    assert.equal(done.lease_expires_at, undefined)
  })

  it('bills reported units, capped at max_tokens, at the model’s price', async () => {
    const job = await submit(server, {prompt: 'p', model: 'priced-model', params: {max_tokens: 100}})
    await claim(server, job.job_id, 'worker')
    const reported = await complete(server, job.job_id, 'short', 'worker', {units: 500})
    assert.equal(reported.units, 100)
    assert.equal(reported.price, 0.3)
    const job2 = await submit(server, {prompt: 'p', params: {max_tokens: 3}})
    await claim(server, job2.job_id, 'worker')
    const counted = await complete(server, job2.job_id, 'many many many many words', 'worker')
    assert.equal(counted.units, 3)
  })

  it('only the claiming miner, only while running', async () => {
    await register(server, 'second', ['llama3.2'])
    const job = await submit(server)
    const completeAs = (minerId: string, key = server.minerKey) =>
      server.request(`/v1/jobs/${job.job_id}/complete`, {key, method: 'POST', body: {miner_id: minerId, result: 'r'}})
    assertError(await completeAs('worker'), 409, 'conflict', /pending, not running/)
    await claim(server, job.job_id, 'worker')
    assertError(await completeAs('second'), 409, 'conflict', /held by another miner/)
    assertError(await completeAs('worker', otherMinerKey), 403, 'forbidden')
    assertError(await server.request(`/v1/jobs/${job.job_id}/complete`, {key: server.minerKey, method: 'POST', body: {miner_id: 'worker'}}), 400, 'validation_failed', /result is required/)
    assertError(await server.request('/v1/jobs/job_none/complete', {key: server.minerKey, method: 'POST', body: {miner_id: 'worker', result: 'r'}}), 404, 'not_found')
    await complete(server, job.job_id, 'r', 'worker')
    assertError(await completeAs('worker'), 409, 'conflict', /completed, not running/)
  })
})

describe('POST /v1/jobs/{id}/fail', () => {
  it('requeues for other miners while attempts remain, then fails with the error', async () => {
    for (const minerId of ['flaky-1', 'flaky-2', 'flaky-3']) await register(server, minerId, ['model-flaky'])
    const job = await submit(server, {prompt: 'x', model: 'model-flaky'})
    const failAs = (minerId: string) =>
      server.request<JobBody>(`/v1/jobs/${job.job_id}/fail`, {key: server.minerKey, method: 'POST', body: {miner_id: minerId, error: 'CUDA out of memory'}})
    for (let attempt = 1; attempt <= 2; attempt++) {
      await claim(server, job.job_id, `flaky-${attempt}`)
      const res = await failAs(`flaky-${attempt}`)
      assert.equal(res.status, 200)
      assert.equal(res.body.status, 'pending')
      assert.equal(res.body.attempts, attempt)
      assert.equal(res.body.error, 'CUDA out of memory')
      assert.equal(res.body.miner_id, undefined)
      assert.equal(res.body.failed_miners, undefined, 'internal')
      assertError(
        await server.request(`/v1/jobs/${job.job_id}/claim`, {key: server.minerKey, body: {miner_id: `flaky-${attempt}`}}),
        409,
        'conflict',
        new RegExp(`flaky-${attempt} already failed job`),
      )
    }
    await claim(server, job.job_id, 'flaky-3')
    const last = await failAs('flaky-3')
    assert.equal(last.body.status, 'failed')
    assert.equal(last.body.attempts, 3)
    assert.equal(last.body.error, 'CUDA out of memory')
    assertError(await failAs('flaky-3'), 409, 'conflict', /failed, not running/)
    assertError(
      await server.request(`/v1/jobs/${job.job_id}/fail`, {key: server.minerKey, method: 'POST', body: {miner_id: 'flaky'}}),
      400,
      'validation_failed',
      /error is required/,
    )
  })
})
