import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {startTestServer, type TestServer} from '../helpers/server.js'
import {assertError, claim, complete, register, submit, type JobBody} from './fixtures.js'

let server: TestServer
let otherClientKey: string

before(async () => {
  server = await startTestServer()
  const res = await server.request<{api_key: string}>('/v1/admin/keys', {key: server.adminKey, method: 'POST', body: {role: 'client', name: 'bob'}})
  otherClientKey = res.body.api_key
})
after(() => server.close())

describe('POST /v1/jobs', () => {
  it('creates a pending job with the seed defaults and the client principal', async () => {
    const res = await server.request<JobBody>('/v1/jobs', {key: server.clientKey, method: 'POST', body: {prompt: 'Hi'}})
    assert.equal(res.status, 201)
    const job = res.body
    assert.match(job.job_id, /^job_[0-9A-HJKMNP-TV-Z]{26}$/)
    assert.equal(job.status, 'pending')
    assert.equal(job.model, 'llama3.2')
    assert.deepEqual(job.params, {max_tokens: 256, temperature: 0.7, top_p: 0.9})
    assert.equal(job.client, 'client')
    assert.equal(job.attempts, 0)
    assert.ok(!Number.isNaN(Date.parse(job.created_at as string)))
    assert.equal(res.headers.get('location'), `/v1/jobs/${job.job_id}`)
    assert.equal('idempotency' in job, false)
  })

  it('fills only the params that are missing', async () => {
    const job = await submit(server, {prompt: 'Hi', model: 'qwen2.5', params: {temperature: 0}})
    assert.equal(job.model, 'qwen2.5')
    assert.deepEqual(job.params, {max_tokens: 256, temperature: 0, top_p: 0.9})
  })

  it('range-checks values and names the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{prompt: 'x', params: {max_tokens: 0}}, /params\.max_tokens/],
      [{prompt: 'x', params: {max_tokens: 1.5}}, /params\.max_tokens/],
      [{prompt: 'x', params: {temperature: 2.5}}, /params\.temperature/],
      [{prompt: 'x', params: {top_p: -0.1}}, /params\.top_p/],
      [{prompt: 'x', params: {seed: 1}}, /params\.seed is not allowed/],
      [{prompt: ''}, /prompt/],
      [{prompt: 5}, /prompt must be string/],
      [{model: 'llama3.2'}, /prompt is required/],
      [{prompt: 'x', extra: true}, /extra is not allowed/],
      [[], /request body must be object/],
    ]
    for (const [body, detail] of cases) {
      assertError(await server.request('/v1/jobs', {key: server.clientKey, method: 'POST', body}), 400, 'validation_failed', detail)
    }
  })

  it('rejects malformed JSON and a missing body without creating anything', async () => {
    const before = (await server.request<JobBody[]>('/v1/jobs?limit=100', {key: server.clientKey})).body.length
    assertError(await server.request('/v1/jobs', {key: server.clientKey, method: 'POST', body: '{"prompt": '}), 400, 'invalid_json')
    assertError(await server.request('/v1/jobs', {key: server.clientKey, method: 'POST'}), 400, 'validation_failed', /body is required/)
    const afterCount = (await server.request<JobBody[]>('/v1/jobs?limit=100', {key: server.clientKey})).body.length
    assert.equal(afterCount, before)
  })

  it('answers a retry with the same Idempotency-Key with the same job', async () => {
    const send = (body: unknown, key = 'retry-1') =>
      server.request<JobBody>('/v1/jobs', {key: server.clientKey, method: 'POST', body, headers: {'Idempotency-Key': key}})
    const first = await send({prompt: 'once'})
    const second = await send({prompt: 'once'})
    assert.equal(first.status, 201)
    assert.equal(second.status, 201)
    assert.equal(second.body.job_id, first.body.job_id)
    assert.equal(second.headers.get('idempotent-replayed'), 'true')
    assertError(await send({prompt: 'something else'}), 409, 'conflict', /Idempotency-Key/)
    // Keys belong to the principal: another client's key of the same name is its own.
    const other = await server.request<JobBody>('/v1/jobs', {key: otherClientKey, method: 'POST', body: {prompt: 'once'}, headers: {'Idempotency-Key': 'retry-1'}})
    assert.notEqual(other.body.job_id, first.body.job_id)
    assertError(await send({prompt: 'x'}, ''), 400, 'validation_failed', /Idempotency-Key/)
  })

  it('concurrent submits with one Idempotency-Key create one job', async () => {
    const results = await Promise.all(
      Array.from({length: 10}, () =>
        server.request<JobBody>('/v1/jobs', {key: server.clientKey, method: 'POST', body: {prompt: 'burst'}, headers: {'Idempotency-Key': 'burst'}}),
      ),
    )
    assert.equal(new Set(results.map((r) => r.body.job_id)).size, 1)
  })
})

describe('GET /v1/jobs', () => {
  it('lists the caller’s own jobs newest first; admin sees all', async () => {
    const mine = [await submit(server, {prompt: 'a'}), await submit(server, {prompt: 'b'})]
    const theirs = await submit(server, {prompt: 'c'}, otherClientKey)
    const list = (await server.request<JobBody[]>('/v1/jobs?limit=2', {key: server.clientKey})).body
    assert.deepEqual(list.map((j) => j.job_id), [mine[1].job_id, mine[0].job_id])
    const bobs = (await server.request<JobBody[]>('/v1/jobs', {key: otherClientKey})).body
    assert.ok(bobs.every((j) => j.client === 'bob'))
    const all = (await server.request<JobBody[]>('/v1/jobs?limit=1', {key: server.adminKey})).body
    assert.equal(all[0].job_id, theirs.job_id)
  })

  it('pages with offset and filters by status', async () => {
    const page1 = (await server.request<JobBody[]>('/v1/jobs?limit=1&offset=0', {key: server.clientKey})).body
    const page2 = (await server.request<JobBody[]>('/v1/jobs?limit=1&offset=1', {key: server.clientKey})).body
    assert.notEqual(page1[0].job_id, page2[0].job_id)
    const job = await submit(server, {prompt: 'to cancel'})
    await server.request(`/v1/jobs/${job.job_id}/cancel`, {key: server.clientKey, method: 'POST'})
    const cancelled = (await server.request<JobBody[]>('/v1/jobs?status=cancelled', {key: server.clientKey})).body
    assert.equal(cancelled[0].job_id, job.job_id)
    assert.ok(cancelled.every((j) => j.status === 'cancelled'))
    const pending = (await server.request<JobBody[]>('/v1/jobs?status=pending&limit=100', {key: server.clientKey})).body
    assert.ok(pending.length > 0 && pending.every((j) => j.status === 'pending'))
  })

  it('pages by before: X-Next-Before names the next cursor while more follow, and jobs submitted between pages are not listed again', async () => {
    const {body: listedAtStart} = await server.request<JobBody[]>('/v1/jobs?limit=100', {key: otherClientKey})
    const mine = [await submit(server, {prompt: 'p1'}, otherClientKey), await submit(server, {prompt: 'p2'}, otherClientKey), await submit(server, {prompt: 'p3'}, otherClientKey)]
    const expected = [...mine.reverse().map((j) => j.job_id), ...listedAtStart.map((j) => j.job_id)]
    const seen: string[] = []
    let path = '/v1/jobs?limit=2'
    for (;;) {
      const page = await server.request<JobBody[]>(path, {key: otherClientKey})
      assert.equal(page.status, 200)
      seen.push(...page.body.map((j) => j.job_id))
      const next = page.headers.get('x-next-before')
      if (!next) break
      assert.equal(next, page.body.at(-1)!.job_id)
      await submit(server, {prompt: 'between pages'}, otherClientKey)
      path = `/v1/jobs?limit=2&before=${next}`
    }
    assert.deepEqual(seen, expected)
  })

  it('answers a cursor that is not a job of the list with 400, alike whether the job exists', async () => {
    const theirs = await submit(server, {prompt: 'not yours'}, otherClientKey)
    const unknown = 'job_01KBQ4Y0Z8G6W3T0M7N5C2H1XA'
    const answers = [theirs.job_id, unknown].map((id) => server.request<{detail: string}>(`/v1/jobs?before=${id}`, {key: server.clientKey}))
    const [foreign, missing] = await Promise.all(answers)
    assertError(foreign, 400, 'validation_failed', /^query parameter before: job_\w+ is not a job of this list; pass the job_id of the last job of a page$/)
    assertError(missing, 400, 'validation_failed')
    assert.equal(foreign.body.detail.replace(theirs.job_id, unknown), missing.body.detail)
    assert.equal((await server.request(`/v1/jobs?before=${theirs.job_id}`, {key: server.adminKey})).status, 200)
    assertError(await server.request('/v1/jobs?before=', {key: server.clientKey}), 400, 'validation_failed', /before/)
    assertError(await server.request(`/v1/jobs?before=${'j'.repeat(201)}`, {key: server.clientKey}), 400, 'validation_failed', /before/)
  })

  it('rejects limit over 100, bad numbers and unknown statuses with 400', async () => {
    assertError(await server.request('/v1/jobs?limit=101', {key: server.clientKey}), 400, 'validation_failed', /query parameter limit must be <= 100/)
    assertError(await server.request('/v1/jobs?limit=0', {key: server.clientKey}), 400, 'validation_failed', /limit/)
    assertError(await server.request('/v1/jobs?limit=ten', {key: server.clientKey}), 400, 'validation_failed', /limit must be integer/)
    assertError(await server.request('/v1/jobs?limit=0x10', {key: server.clientKey}), 400, 'validation_failed', /limit/)
    assertError(await server.request('/v1/jobs?offset=-1', {key: server.clientKey}), 400, 'validation_failed', /offset/)
    assertError(await server.request('/v1/jobs?status=done', {key: server.clientKey}), 400, 'validation_failed', /status must be one of/)
    assertError(await server.request('/v1/jobs?limit=1&limit=2', {key: server.clientKey}), 400, 'validation_failed', /limit/)
  })
})

describe('GET /v1/jobs/{id}', () => {
  it('is visible to the owner, the miner holding it and admin; 404 for anyone else', async () => {
    const job = await submit(server)
    const path = `/v1/jobs/${job.job_id}`
    assert.equal((await server.request(path, {key: server.clientKey})).status, 200)
    assert.equal((await server.request(path, {key: server.adminKey})).status, 200)
    assertError(await server.request(path, {key: otherClientKey}), 404, 'not_found')
    assertError(await server.request(path, {key: server.minerKey}), 404, 'not_found')
    await register(server, 'getter', ['llama3.2'])
    // Claim this exact job (others may be older in the queue).
    await claim(server, job.job_id, 'getter')
    const held = await server.request<JobBody>(path, {key: server.minerKey})
    assert.equal(held.status, 200)
    assert.equal(held.body.miner_id, 'getter')
    await complete(server, job.job_id, 'done', 'getter')
  })

  it('is 404 for an unknown id and 400 for an id over 200 characters', async () => {
    assertError(await server.request('/v1/jobs/job_nope', {key: server.clientKey}), 404, 'not_found', /job_nope/)
    assertError(await server.request(`/v1/jobs/${'x'.repeat(201)}`, {key: server.clientKey}), 400, 'validation_failed', /job_id/)
  })
})

describe('POST /v1/jobs/{id}/cancel', () => {
  it('cancels a pending job, and a running one, for its owner or admin', async () => {
    const pending = await submit(server)
    const res = await server.request<JobBody>(`/v1/jobs/${pending.job_id}/cancel`, {key: server.clientKey, method: 'POST'})
    assert.equal(res.status, 200)
    assert.equal(res.body.status, 'cancelled')
    const running = await submit(server)
    await register(server, 'canceller', ['llama3.2'])
    await claim(server, running.job_id, 'canceller')
    const byAdmin = await server.request<JobBody>(`/v1/jobs/${running.job_id}/cancel`, {key: server.adminKey, method: 'POST'})
    assert.equal(byAdmin.body.status, 'cancelled')
    // The miner that held it can no longer complete it.
    assertError(
      await server.request(`/v1/jobs/${running.job_id}/complete`, {key: server.minerKey, method: 'POST', body: {miner_id: 'canceller', result: 'late'}}),
      409,
      'conflict',
      /cancelled/,
    )
  })

  it('is 409 for a finished job, 404 for someone else’s or an unknown one', async () => {
    const job = await submit(server)
    await server.request(`/v1/jobs/${job.job_id}/cancel`, {key: server.clientKey, method: 'POST'})
    assertError(await server.request(`/v1/jobs/${job.job_id}/cancel`, {key: server.clientKey, method: 'POST'}), 409, 'conflict', /already cancelled/)
    const other = await submit(server)
    assertError(await server.request(`/v1/jobs/${other.job_id}/cancel`, {key: otherClientKey, method: 'POST'}), 404, 'not_found')
    assert.equal((await server.request<JobBody>(`/v1/jobs/${other.job_id}`, {key: server.clientKey})).body.status, 'pending')
    assertError(await server.request('/v1/jobs/job_unknown/cancel', {key: server.clientKey, method: 'POST'}), 404, 'not_found')
  })
})
