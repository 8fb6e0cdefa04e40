// A job for a model no miner has served recently is queued with a warning in the submit answer (an
// extension field), which `aitbc jobs submit` prints on stderr; a served model gets none.
import assert from 'node:assert/strict'
import {after, before, test} from 'node:test'

import {runCli} from '../helpers/cli.js'
import {startTestServer, type TestServer} from '../helpers/server.js'

let server: TestServer
before(async () => {
  server = await startTestServer({config: {activeMinerSeconds: 120}})
  const registered = await server.request('/v1/miners/register', {key: server.minerKey, body: {miner_id: 'rig', capabilities: ['llama3.2']}})
  assert.equal(registered.status, 201)
})
after(() => server.close())

test('the submit answer warns about a model no miner serves, and not about one a miner serves', async () => {
  const typo = await server.request<{status: string; warning?: string}>('/v1/jobs', {key: server.clientKey, body: {prompt: 'hi', model: 'llama3.3'}})
  assert.equal(typo.status, 201)
  assert.equal(typo.body.status, 'pending')
  assert.equal(typo.body.warning, 'no miner serving llama3.3 has been seen in the last 120 s; the job waits until one comes')
  const served = await server.request<{warning?: string}>('/v1/jobs', {key: server.clientKey, body: {prompt: 'hi', model: 'llama3.2'}})
  assert.equal(served.status, 201)
  assert.equal(served.body.warning, undefined)
  const fetched = await server.request<{warning?: string; job_id: string}>(`/v1/jobs/${(typo.body as unknown as {job_id: string}).job_id}`, {key: server.clientKey})
  assert.equal(fetched.body.warning, undefined, 'not stored with the job')
})

test('a miner registering later for the model: no warning from then on', async () => {
  await server.request('/v1/miners/register', {key: server.minerKey, body: {miner_id: 'rig-2', capabilities: ['fresh-model']}})
  const answer = await server.request<{warning?: string}>('/v1/jobs', {key: server.clientKey, body: {prompt: 'hi', model: 'fresh-model'}})
  assert.equal(answer.body.warning, undefined)
})

test('aitbc jobs submit prints the warning on stderr; stdout keeps the job id alone', async () => {
  const result = await runCli(['jobs', 'submit', '--model', 'lama3.2', 'Say hi'], {env: {AITBC_URL: server.url, AITBC_API_KEY: server.clientKey}})
  assert.equal(result.code, 0, result.stderr)
  assert.match(result.stdout, /^job_\w+\n$/)
  assert.match(result.stderr, /^Warning: no miner serving lama3\.2 has been seen in the last 120 s; the job waits until one comes\.$/m)
})
