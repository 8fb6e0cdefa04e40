import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {parse} from 'yaml'

import {REPO_ROOT} from '../helpers/cli.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {assertError} from './fixtures.js'

let server: TestServer
before(async () => (server = await startTestServer({config: {bodyLimitBytes: 1024}})))
after(() => server.close())

describe('system endpoints', () => {
  it('GET /health answers ok and the package version', async () => {
    const version = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version
    const res = await server.request('/health')
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type')!, /application\/json/)
    assert.deepEqual(res.body, {status: 'ok', version})
    assert.equal((await fetch(`${server.url}/health`, {method: 'HEAD'})).status, 200)
  })

  it('GET /openapi.json is the contract as JSON', async () => {
    const contract = parse(readFileSync(path.join(REPO_ROOT, 'openapi/aitbc.yaml'), 'utf8'))
    assert.deepEqual((await server.request('/openapi.json')).body, contract)
  })

  it('GET /docs is the interactive documentation page (test/ecosystem has the browser test)', async () => {
    const res = await server.request<string>('/docs')
    assert.match(res.headers.get('content-type')!, /text\/html/)
    assert.match(res.body, /<script src="\/docs\/swagger-ui-bundle\.js">/)
  })
})

describe('errors', () => {
  it('an unknown route is 404 JSON', async () => {
    assertError(await server.request('/v2/nothing'), 404, 'not_found', /GET \/v2\/nothing/)
    assertError(await server.request('/v1/jobs/a/b/c', {key: server.clientKey}), 404, 'not_found')
  })

  it('a known path with the wrong method is 405 JSON with Allow', async () => {
    const res = await server.request('/v1/jobs', {method: 'PUT', key: server.clientKey})
    assertError(res, 405, 'method_not_allowed')
    assert.deepEqual(res.headers.get('allow')!.split(', ').sort(), ['GET', 'HEAD', 'OPTIONS', 'POST'])
    assertError(await server.request('/health', {method: 'POST'}), 405, 'method_not_allowed')
    assertError(await server.request('/v1/jobs/job_1', {method: 'DELETE'}), 405, 'method_not_allowed')
    const options = await fetch(`${server.url}/v1/jobs/job_1/claim`, {method: 'OPTIONS'})
    assert.equal(options.status, 204)
    assert.equal(options.headers.get('allow'), 'OPTIONS, POST')
  })

  it('a body over the limit is 413, declared or streamed', async () => {
    const big = JSON.stringify({prompt: 'x'.repeat(2000)})
    assertError(await server.request('/v1/jobs', {key: server.clientKey, method: 'POST', body: big}), 413, 'payload_too_large', /1024 bytes/)
    // Without Content-Length (chunked), the limit is enforced while reading.
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big))
        controller.close()
      },
    })
    const res = await fetch(`${server.url}/v1/jobs`, {
      method: 'POST',
      headers: {'X-Api-Key': server.clientKey, 'Content-Type': 'application/json'},
      body: stream,
      duplex: 'half',
    } as RequestInit)
    assert.equal(res.status, 413)
    assert.equal(((await res.json()) as {error_code: string}).error_code, 'payload_too_large')
    const jobs = (await server.request<unknown[]>('/v1/jobs', {key: server.clientKey})).body
    assert.equal(jobs.length, 0)
  })

  it('bad input is never a 500', async () => {
    const bodies = ['null', '"text"', '123', '{"prompt": null}', '{"prompt": "x", "params": []}', '{"prompt": "x", "model": {}}', '\u0000', '{"__proto__": {"x": 1}, "prompt": "p"}']
    for (const body of bodies) {
      const res = await server.request('/v1/jobs', {key: server.clientKey, method: 'POST', body})
      assert.ok(res.status === 400, `${body}: ${res.status} ${JSON.stringify(res.body)}`)
    }
    const paths = ['/v1/jobs/%E0%A4%A', '/explorer/blocks/-1', '/explorer/blocks/1e3', '/v1/receipts/%00', '/explorer/blocks?before=x']
    for (const path of paths) {
      const res = await server.request(path, {key: server.adminKey})
      assert.ok(res.status >= 400 && res.status < 500, `${path}: ${res.status}`)
    }
    assert.deepEqual(server.logs, [])
  })
})

describe('a store that cannot write', () => {
  it('answers writes with 503 service_unavailable, /health says why, and the server still shuts down', async (t) => {
    const broken = await startTestServer()
    t.after(() => broken.close())
    // Closed behind the server's back: every write is refused from here on.
    await broken.app.coordinator.store.close()
    const res = await broken.request('/v1/jobs', {key: broken.clientKey, method: 'POST', body: {prompt: 'x'}})
    assertError(res, 503, 'service_unavailable', /cannot write its data \(the store is closed\)/)
    assert.equal(res.headers.get('retry-after'), '5')
    assertError(await broken.request('/v1/jobs', {key: broken.clientKey, method: 'POST', body: {prompt: 'y'}}), 503, 'service_unavailable')
    // /health tells the truth (it said `ok` here before).
    const health = await broken.request<{status: string; reason: string}>('/health')
    assert.equal(health.status, 503)
    assert.equal(health.body.status, 'unavailable')
    assert.match(health.body.reason, /the store is closed/)
  })
})
