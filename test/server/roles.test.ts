import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {loadContract} from '../../src/server/http/contract.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {assertError, register, submit} from './fixtures.js'

type Caller = 'admin' | 'client' | 'miner'
const PUBLIC = 'public'

// Who may call what, as issue 2 says it. The test also checks the contract declares the same.
const MATRIX: Record<string, Caller[] | typeof PUBLIC> = {
  getHealth: PUBLIC,
  getOpenApi: PUBLIC,
  getDocs: PUBLIC,
  getDocsAsset: PUBLIC,
  listSigningKeys: PUBLIC,
  listBlocks: PUBLIC,
  getBlock: PUBLIC,
  listTransactions: PUBLIC,
  listExplorerReceipts: PUBLIC,
  getStats: PUBLIC,
  submitJob: ['client'],
  listJobs: ['client', 'admin'],
  getJob: ['client', 'miner', 'admin'],
  cancelJob: ['client', 'admin'],
  getAvailableJob: ['miner'],
  claimJob: ['miner'],
  claimNextJob: ['miner'],
  completeJob: ['miner'],
  failJob: ['miner'],
  registerMiner: ['miner'],
  appendJobOutput: ['miner'],
  streamJobOutput: ['client', 'miner', 'admin'],
  createChatCompletion: ['client'],
  listModels: ['client', 'miner', 'admin'],
  listReceipts: ['client', 'miner', 'admin'],
  getReceipt: ['client', 'miner', 'admin'],
  createApiKey: ['admin'],
  listApiKeys: ['admin'],
  revokeApiKey: ['admin'],
}

let server: TestServer
let jobId: string

// One request per operation that passes validation when the role may call it (bodies that fail the
// schema would also show that auth passed, but a real call is the stronger check).
function requestFor(operationId: string): {path: string; method: string; body?: unknown} {
  const requests: Record<string, {path: string; method: string; body?: unknown}> = {
    getHealth: {method: 'GET', path: '/health'},
    getOpenApi: {method: 'GET', path: '/openapi.json'},
    getDocs: {method: 'GET', path: '/docs'},
    getDocsAsset: {method: 'GET', path: '/docs/swagger-ui.css'},
    listSigningKeys: {method: 'GET', path: '/v1/keys'},
    listBlocks: {method: 'GET', path: '/explorer/blocks'},
    getBlock: {method: 'GET', path: '/explorer/blocks/0'},
    listTransactions: {method: 'GET', path: '/explorer/transactions'},
    listExplorerReceipts: {method: 'GET', path: '/explorer/receipts'},
    getStats: {method: 'GET', path: '/explorer/stats'},
    submitJob: {method: 'POST', path: '/v1/jobs', body: {prompt: 'matrix'}},
    listJobs: {method: 'GET', path: '/v1/jobs'},
    getJob: {method: 'GET', path: `/v1/jobs/${jobId}`},
    cancelJob: {method: 'POST', path: '/v1/jobs/job_unknown/cancel'},
    getAvailableJob: {method: 'GET', path: '/v1/jobs/available?miner_id=matrix-rig'},
    claimJob: {method: 'POST', path: '/v1/jobs/job_unknown/claim', body: {miner_id: 'matrix-rig'}},
    claimNextJob: {method: 'POST', path: '/v1/miners/claim-next', body: {miner_id: 'matrix-rig'}},
    completeJob: {method: 'POST', path: '/v1/jobs/job_unknown/complete', body: {miner_id: 'matrix-rig', result: 'r'}},
    failJob: {method: 'POST', path: '/v1/jobs/job_unknown/fail', body: {miner_id: 'matrix-rig', error: 'e'}},
    registerMiner: {method: 'POST', path: '/v1/miners/register', body: {miner_id: 'matrix-rig', capabilities: ['llama3.2']}},
    appendJobOutput: {method: 'POST', path: '/v1/jobs/job_unknown/output', body: {miner_id: 'matrix-rig', offset: 0, text: 't'}},
    // An unknown job (404): a known one's stream stays open while the job waits.
    streamJobOutput: {method: 'GET', path: '/v1/jobs/job_unknown/stream'},
    // No messages (400 once the key passed): a valid request would wait for a miner.
    createChatCompletion: {method: 'POST', path: '/v1/chat/completions', body: {model: 'llama3.2'}},
    listModels: {method: 'GET', path: '/v1/models'},
    listReceipts: {method: 'GET', path: '/v1/receipts'},
    getReceipt: {method: 'GET', path: '/v1/receipts/rcpt_unknown'},
    createApiKey: {method: 'POST', path: '/v1/admin/keys', body: {role: 'admin', name: 'bad name!'}},
    listApiKeys: {method: 'GET', path: '/v1/admin/keys'},
    revokeApiKey: {method: 'DELETE', path: '/v1/admin/keys/nobody'},
  }
  return requests[operationId]
}

/** The OpenAI-compatible routes answer errors in OpenAI's shape (`{error: {message, code}}`). */
function refused(operationId: string, res: {status: number; body: unknown}, status: number, code: string, message: RegExp): void {
  if (!OPENAI_SHAPED.has(operationId)) return assertError(res, status, code, message)
  assert.equal(res.status, status, JSON.stringify(res.body))
  const {error} = res.body as {error: {message: string; code: string}}
  assert.equal(error.code, code)
  assert.match(error.message, message)
}
const OPENAI_SHAPED = new Set(['createChatCompletion', 'listModels'])

before(async () => {
  server = await startTestServer()
  await register(server, 'matrix-rig', ['llama3.2'])
  jobId = (await submit(server)).job_id
})
after(() => server.close())

describe('role matrix', () => {
  it('the contract declares exactly these roles', () => {
    const contract = loadContract()
    assert.deepEqual([...contract.operations.keys()].sort(), Object.keys(MATRIX).sort())
    for (const [id, roles] of Object.entries(MATRIX)) {
      assert.deepEqual(contract.operations.get(id)!.roles ?? PUBLIC, roles === PUBLIC ? PUBLIC : roles, id)
    }
  })

  for (const [operationId, allowed] of Object.entries(MATRIX)) {
    it(`${operationId}: ${allowed === PUBLIC ? 'public' : allowed.join(', ')}`, async () => {
      const {path, method, body} = requestFor(operationId)
      const keyOf: Record<Caller, string> = {admin: server.adminKey, client: server.clientKey, miner: server.minerKey}
      const noKey = await server.request(path, {method, body})
      if (allowed === PUBLIC) {
        assert.ok(noKey.status < 400, `${operationId} without a key: ${noKey.status}`)
        return
      }
      refused(operationId, noKey, 401, 'unauthorized', /missing X-Api-Key/)
      for (const caller of ['admin', 'client', 'miner'] as const) {
        const res = await server.request(path, {method, body, key: keyOf[caller]})
        if (allowed.includes(caller)) assert.ok(res.status !== 401 && res.status !== 403, `${caller} on ${operationId}: ${res.status} ${JSON.stringify(res.body)}`)
        else refused(operationId, res, 403, 'forbidden', new RegExp(`^an? ${caller} key may not call ${method} /`))
      }
    })
  }
})

describe('API keys', () => {
  it('a wrong key is 401, and nothing leaks a key', async () => {
    assertError(await server.request('/v1/jobs', {key: 'aitbc_not-a-real-key'}), 401, 'unauthorized', /invalid API key/)
    assertError(await server.request('/v1/jobs', {key: server.clientKey.slice(0, -1)}), 401, 'unauthorized')
    const res = await server.request('/v1/jobs', {key: 'nope'})
    assert.equal(res.headers.get('www-authenticate'), 'ApiKey header="X-Api-Key"')
    const texts = await Promise.all(
      ['/v1/admin/keys', '/v1/jobs', '/explorer/transactions?limit=100', '/explorer/receipts'].map(async (path) =>
        JSON.stringify((await server.request(path, {key: server.adminKey})).body),
      ),
    )
    for (const key of [server.adminKey, server.clientKey, server.minerKey]) {
      assert.ok(!texts.some((text) => text.includes(key)))
      assert.ok(!server.logs.some((line) => line.includes(key)))
    }
    assert.ok(!texts[0].includes('key_hash'))
  })
})
