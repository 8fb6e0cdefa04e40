// The seed document's flow as a new user types it with curl: every call with an `X-Api-Key` header,
// JSON bodies sent by `curl -d` (which labels them application/x-www-form-urlencoded unless told).
import assert from 'node:assert/strict'
import {after, before, it} from 'node:test'

import {verifyReceipt} from '../../src/protocol/receipt.js'
import {startTestServer, type TestServer} from '../helpers/server.js'

let server: TestServer
before(async () => (server = await startTestServer()))
after(() => server.close())

/** What `curl -s [-X METHOD] -H "X-Api-Key: KEY" [-H "Content-Type: application/json"] [-d DATA] URL` sends. */
async function curl(path: string, options: {key?: string; data?: string; method?: string; json?: boolean} = {}) {
  const headers: Record<string, string> = {'User-Agent': 'curl/8.5.0', Accept: '*/*'}
  if (options.key) headers['X-Api-Key'] = options.key
  if (options.data !== undefined) headers['Content-Type'] = options.json ? 'application/json' : 'application/x-www-form-urlencoded'
  const res = await fetch(`${server.url}${path}`, {method: options.method ?? (options.data === undefined ? 'GET' : 'POST'), headers, body: options.data})
  return {status: res.status, body: JSON.parse(await res.text())}
}

it('health, submit, mine, complete, receipts and explorer, as curl does them', async () => {
  assert.deepEqual((await curl('/health')).body.status, 'ok')

  const submitted = await curl('/v1/jobs', {key: server.clientKey, json: true, data: '{"prompt": "What is 2+2?", "model": "llama3.2", "params": {"max_tokens": 64}}'})
  assert.equal(submitted.status, 201)
  const jobId = submitted.body.job_id
  // Without -H "Content-Type: application/json" the body is still read as JSON.
  const plain = await curl('/v1/jobs', {key: server.clientKey, data: '{"prompt": "Hello"}'})
  assert.equal(plain.status, 201)

  assert.equal((await curl(`/v1/jobs/${jobId}`, {key: server.clientKey})).body.status, 'pending')
  assert.equal((await curl('/v1/jobs?status=pending&limit=10', {key: server.clientKey})).body.length, 2)

  const registered = await curl('/v1/miners/register', {key: server.minerKey, data: '{"miner_id": "gpu-01", "capabilities": ["llama3.2"], "gpu_info": {"name": "RTX 4090", "memory": "24GB"}}'})
  assert.equal(registered.status, 201)
  const available = await curl('/v1/jobs/available?miner_id=gpu-01', {key: server.minerKey})
  assert.equal(available.body.job_id, jobId)
  assert.equal((await curl(`/v1/jobs/${jobId}/claim`, {key: server.minerKey, data: '{"miner_id": "gpu-01"}'})).status, 200)
  const completed = await curl(`/v1/jobs/${jobId}/complete`, {key: server.minerKey, data: '{"miner_id": "gpu-01", "result": "4"}'})
  assert.equal(completed.status, 200)
  assert.equal(verifyReceipt(completed.body, server.trustedKeyIds), undefined)

  const receipts = await curl('/v1/receipts', {key: server.clientKey})
  assert.equal(receipts.body[0].receipt_id, completed.body.receipt_id)
  assert.equal((await curl(`/v1/receipts/${completed.body.receipt_id}`, {key: server.clientKey})).body.job_id, jobId)

  assert.equal((await curl(`/v1/jobs/${plain.body.job_id}/cancel`, {key: server.clientKey, method: 'POST'})).body.status, 'cancelled')

  const stats = await curl('/explorer/stats')
  assert.deepEqual(stats.body, {total_jobs: 2, active_miners: 1, total_receipts: 1, block_height: stats.body.block_height})
  assert.ok(Array.isArray((await curl('/explorer/blocks')).body))
  assert.ok((await curl('/explorer/transactions')).body.length >= 6)
  assert.equal((await curl('/explorer/receipts')).body.length, 1)
  assert.equal((await curl('/v1/keys')).body[0].key_id, server.keyId)
})

it('a call without the key says what is missing', async () => {
  const res = await curl('/v1/jobs', {data: '{"prompt": "x"}'})
  assert.equal(res.status, 401)
  assert.deepEqual(res.body, {detail: 'missing X-Api-Key header', error_code: 'unauthorized'})
})
