// The authorisation matrix: every operation of the contract x {no key, wrong key, revoked key, client,
// another client, miner, another miner, admin} gives its documented status, each call against fresh
// resources owned by `client` and by `miner`'s rig. And one client never learns anything of another's
// jobs, receipts or idempotency keys, not even that they exist.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {loadContract} from '../../src/server/http/contract.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {claim, complete, register, submit, type JobBody, type ReceiptBody} from '../server/fixtures.js'

const CALLERS = ['none', 'wrong', 'revoked', 'client', 'otherClient', 'miner', 'otherMiner', 'admin'] as const
type Caller = (typeof CALLERS)[number]

interface Call {
  method: string
  path: string
  body?: unknown
}

/** An operation's request, built fresh for each caller (so a call that succeeds does not change the next). */
type Fixture = () => Promise<Call>

let server: TestServer
const keys = {} as Record<Caller, string | undefined>
let fresh = 0
const name = (prefix: string) => `${prefix}-${fresh++}`

before(async () => {
  server = await startTestServer()
  const create = async (role: string, keyName: string) => {
    const res = await server.request<{api_key: string}>('/v1/admin/keys', {key: server.adminKey, body: {role, name: keyName}})
    assert.equal(res.status, 201)
    return res.body.api_key
  }
  Object.assign(keys, {
    none: undefined,
    wrong: `aitbc_${'A'.repeat(43)}`,
    revoked: await create('client', 'revoked-client'),
    client: server.clientKey,
    otherClient: await create('client', 'client-b'),
    miner: server.minerKey,
    otherMiner: await create('miner', 'miner-b'),
    admin: server.adminKey,
  })
  assert.equal((await server.request('/v1/admin/keys/revoked-client', {key: server.adminKey, method: 'DELETE'})).status, 200)
  await register(server, 'rig-a', ['llama3.2'], keys.miner)
  await register(server, 'rig-b', ['llama3.2'], keys.otherMiner)
})
after(() => server.close())

const pendingJob = async () => (await submit(server, {prompt: name('pending')})).job_id
const runningJob = async () => {
  const jobId = await pendingJob()
  await claim(server, jobId, 'rig-a', keys.miner)
  return jobId
}

const DENIED = {none: 401, wrong: 401, revoked: 401}
const CLIENTS_ONLY = (ok: number) => ({...DENIED, client: ok, otherClient: ok, miner: 403, otherMiner: 403, admin: 403})
const MINER_OWNS_RIG = (ok: number) => ({...DENIED, client: 403, otherClient: 403, miner: ok, otherMiner: 403, admin: 403})
const ADMIN_ONLY = (ok: number) => ({...DENIED, client: 403, otherClient: 403, miner: 403, otherMiner: 403, admin: ok})

/** Every operation that needs a key: a fixture and the status each caller gets, as the contract and issue 2 document it. */
const SECURED: Record<string, {fixture: Fixture; expected: Record<Caller, number>}[]> = {
  submitJob: [{fixture: async () => ({method: 'POST', path: '/v1/jobs', body: {prompt: name('new')}}), expected: CLIENTS_ONLY(201)}],
  listJobs: [{fixture: async () => ({method: 'GET', path: '/v1/jobs'}), expected: {...DENIED, client: 200, otherClient: 200, miner: 403, otherMiner: 403, admin: 200}}],
  getJob: [
    // Someone else's job is "not found", exactly like one that does not exist.
    {fixture: async () => ({method: 'GET', path: `/v1/jobs/${await pendingJob()}`}), expected: {...DENIED, client: 200, otherClient: 404, miner: 404, otherMiner: 404, admin: 200}},
    // The miner whose rig holds the job sees it too.
    {fixture: async () => ({method: 'GET', path: `/v1/jobs/${await runningJob()}`}), expected: {...DENIED, client: 200, otherClient: 404, miner: 200, otherMiner: 404, admin: 200}},
  ],
  cancelJob: [{fixture: async () => ({method: 'POST', path: `/v1/jobs/${await pendingJob()}/cancel`}), expected: {...DENIED, client: 200, otherClient: 404, miner: 403, otherMiner: 403, admin: 200}}],
  getAvailableJob: [{fixture: async () => ({method: 'GET', path: '/v1/jobs/available?miner_id=rig-a'}), expected: MINER_OWNS_RIG(200)}],
  claimNextJob: [{fixture: async () => ({method: 'POST', path: '/v1/miners/claim-next', body: {miner_id: 'rig-a'}}), expected: MINER_OWNS_RIG(200)}],
  claimJob: [{fixture: async () => ({method: 'POST', path: `/v1/jobs/${await pendingJob()}/claim`, body: {miner_id: 'rig-a'}}), expected: MINER_OWNS_RIG(200)}],
  completeJob: [{fixture: async () => ({method: 'POST', path: `/v1/jobs/${await runningJob()}/complete`, body: {miner_id: 'rig-a', result: 'r'}}), expected: MINER_OWNS_RIG(200)}],
  appendJobOutput: [{fixture: async () => ({method: 'POST', path: `/v1/jobs/${await runningJob()}/output`, body: {miner_id: 'rig-a', offset: 0, text: 'x'}}), expected: MINER_OWNS_RIG(200)}],
  // Who may follow a job's output is who may get the job; an ended job's stream ends at once.
  streamJobOutput: [
    {
      fixture: async () => {
        const jobId = await runningJob()
        await complete(server, jobId, 'r', 'rig-a')
        return {method: 'GET', path: `/v1/jobs/${jobId}/stream`}
      },
      expected: {...DENIED, client: 200, otherClient: 404, miner: 200, otherMiner: 404, admin: 200},
    },
  ],
  // A request the contract refuses (n: 2), so that a caller who passes the key and role checks is answered at once.
  createChatCompletion: [
    {fixture: async () => ({method: 'POST', path: '/v1/chat/completions', body: {model: 'llama3.2', n: 2, messages: [{role: 'user', content: 'hi'}]}}), expected: CLIENTS_ONLY(400)},
  ],
  listModels: [{fixture: async () => ({method: 'GET', path: '/v1/models'}), expected: {...DENIED, client: 200, otherClient: 200, miner: 200, otherMiner: 200, admin: 200}}],
  failJob: [{fixture: async () => ({method: 'POST', path: `/v1/jobs/${await runningJob()}/fail`, body: {miner_id: 'rig-a', error: 'e'}}), expected: MINER_OWNS_RIG(200)}],
  registerMiner: [{fixture: async () => ({method: 'POST', path: '/v1/miners/register', body: {miner_id: 'rig-a', capabilities: ['llama3.2']}}), expected: MINER_OWNS_RIG(201)}],
  listReceipts: [{fixture: async () => ({method: 'GET', path: '/v1/receipts'}), expected: {...DENIED, client: 200, otherClient: 200, miner: 200, otherMiner: 200, admin: 200}}],
  getReceipt: [
    {
      fixture: async () => {
        const jobId = await runningJob()
        return {method: 'GET', path: `/v1/receipts/${(await complete(server, jobId, 'r', 'rig-a')).receipt_id}`}
      },
      // Its client, the principal of its provider, and admin.
      expected: {...DENIED, client: 200, otherClient: 404, miner: 200, otherMiner: 404, admin: 200},
    },
  ],
  createApiKey: [{fixture: async () => ({method: 'POST', path: '/v1/admin/keys', body: {role: 'client', name: name('made')}}), expected: ADMIN_ONLY(201)}],
  listApiKeys: [{fixture: async () => ({method: 'GET', path: '/v1/admin/keys'}), expected: ADMIN_ONLY(200)}],
  revokeApiKey: [
    {
      fixture: async () => {
        const keyName = name('doomed')
        assert.equal((await server.request('/v1/admin/keys', {key: server.adminKey, body: {role: 'client', name: keyName}})).status, 201)
        return {method: 'DELETE', path: `/v1/admin/keys/${keyName}`}
      },
      expected: ADMIN_ONLY(200),
    },
  ],
}

describe('authorisation matrix', () => {
  it('covers every operation of the contract', () => {
    for (const op of loadContract().operations.values()) {
      if (op.roles) assert.ok(SECURED[op.operationId], `${op.operationId} needs a row in the matrix`)
    }
  })

  for (const [operationId, rows] of Object.entries(SECURED)) {
    it(`${operationId}: ${CALLERS.length} callers`, async () => {
      for (const {fixture, expected} of rows) {
        for (const caller of CALLERS) {
          const call = await fixture()
          const res = await server.request(call.path, {key: keys[caller], method: call.method, body: call.body})
          assert.equal(res.status, expected[caller], `${caller} on ${call.method} ${call.path}: ${JSON.stringify(res.body)}`)
          // The OpenAI-compatible routes answer errors in OpenAI's shape.
          const shape = call.path === '/v1/models' || call.path.startsWith('/v1/chat/') ? ['error'] : ['detail', 'error_code']
          if (res.status >= 400) assert.deepEqual(Object.keys(res.body as object).sort(), shape)
        }
      }
    })
  }

  it('public operations answer every caller alike, whatever key it sends', async () => {
    const samples: Record<string, string> = {height: '0', asset: 'index.css'}
    let checked = 0
    for (const op of loadContract().operations.values()) {
      if (op.roles) continue
      const path = op.path.replace(/\{([^}]+)\}/g, (_, param: string) => samples[param] ?? 'x')
      const anonymous = await server.request(path, {method: op.method})
      assert.ok(anonymous.status !== 401 && anonymous.status !== 403 && anonymous.status < 500, `${op.operationId}: ${anonymous.status}`)
      for (const caller of CALLERS) assert.equal((await server.request(path, {key: keys[caller], method: op.method})).status, anonymous.status, `${caller} on ${path}`)
      checked++
    }
    assert.ok(checked >= 9)
  })
})

describe('one client never sees another’s jobs or their existence', () => {
  it('another client’s job is indistinguishable from one that does not exist', async () => {
    const jobId = await pendingJob()
    const unknown = `job_${'0'.repeat(26)}`
    for (const [method, suffix] of [['GET', ''], ['POST', '/cancel']]) {
      const theirs = await server.request(`/v1/jobs/${jobId}${suffix}`, {key: keys.otherClient, method})
      const missing = await server.request(`/v1/jobs/${unknown}${suffix}`, {key: keys.otherClient, method})
      assert.equal(theirs.status, 404)
      assert.deepEqual(JSON.parse(JSON.stringify(theirs.body).replaceAll(jobId, 'ID')), JSON.parse(JSON.stringify(missing.body).replaceAll(unknown, 'ID')))
    }
    assert.equal((await server.request<JobBody>(`/v1/jobs/${jobId}`, {key: keys.client})).body.status, 'pending', 'the cancel by another client did nothing')
  })

  it('lists and filters show only the caller’s own jobs and receipts', async () => {
    const jobId = await runningJob()
    const receipt = await complete(server, jobId, 'r', 'rig-a')
    const mine = await submit(server, {prompt: name('b-own')}, keys.otherClient)
    for (const query of ['', '?status=completed', '?status=pending', '?limit=100']) {
      const listed = (await server.request<JobBody[]>(`/v1/jobs${query}`, {key: keys.otherClient})).body
      assert.ok(listed.every((job) => job.client === 'client-b'), `/v1/jobs${query} showed another client's job`)
    }
    assert.ok((await server.request<JobBody[]>('/v1/jobs?limit=100', {key: keys.otherClient})).body.some((job) => job.job_id === mine.job_id))
    for (const query of ['', '?client=client', `?provider=rig-a`, '?limit=100']) {
      const receipts = (await server.request<ReceiptBody[]>(`/v1/receipts${query}`, {key: keys.otherClient})).body
      assert.deepEqual(receipts, [], `/v1/receipts${query} showed another client's receipt`)
    }
    assert.equal((await server.request(`/v1/receipts/${receipt.receipt_id}`, {key: keys.otherClient})).status, 404)
    // Another miner principal does not see what rig-a provided either.
    assert.deepEqual((await server.request<ReceiptBody[]>('/v1/receipts?provider=rig-a', {key: keys.otherMiner})).body, [])
  })

  it('an Idempotency-Key another client used tells nothing: no 409, no replay of their job', async () => {
    for (const prompt of ['secret prompt', 'another prompt']) {
      const key = name('shared-idempotency-key')
      const theirs = await server.request<JobBody>('/v1/jobs', {key: keys.client, body: {prompt: 'secret prompt'}, headers: {'Idempotency-Key': key}})
      assert.equal(theirs.status, 201)
      const res = await server.request<JobBody>('/v1/jobs', {key: keys.otherClient, body: {prompt}, headers: {'Idempotency-Key': key}})
      assert.ok(res.status === 201, `${res.status} ${JSON.stringify(res.body)}`)
      if (prompt === 'secret prompt') assert.equal(res.headers.get('idempotent-replayed'), null)
      assert.notEqual(res.body.job_id, theirs.body.job_id)
      assert.equal(res.body.client, 'client-b')
    }
  })
})
