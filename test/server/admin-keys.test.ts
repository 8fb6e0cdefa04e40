import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {startTestServer, type TestServer} from '../helpers/server.js'
import {assertError, submit} from './fixtures.js'

let server: TestServer
before(async () => (server = await startTestServer()))
after(() => server.close())

interface KeyInfo {
  name: string
  role: string
  created_at: string
  revoked_at?: string
  api_key?: string
}

describe('admin key management', () => {
  it('serve init created one key per role, named after it; the list shows no secrets', async () => {
    const res = await server.request<KeyInfo[]>('/v1/admin/keys', {key: server.adminKey})
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.map((k) => [k.name, k.role]), [['admin', 'admin'], ['client', 'client'], ['miner', 'miner']])
    for (const key of res.body) assert.deepEqual(Object.keys(key).sort(), ['created_at', 'name', 'role'])
  })

  it('creates a key shown once, usable at once, and refuses a name twice', async () => {
    const res = await server.request<KeyInfo>('/v1/admin/keys', {key: server.adminKey, method: 'POST', body: {role: 'client', name: 'carol'}})
    assert.equal(res.status, 201)
    assert.equal(res.body.name, 'carol')
    assert.equal(res.body.role, 'client')
    assert.match(res.body.api_key!, /^aitbc_[A-Za-z0-9_-]{43}$/)
    const job = await submit(server, {prompt: 'from carol'}, res.body.api_key)
    assert.equal(job.client, 'carol')
    const listed = (await server.request<KeyInfo[]>('/v1/admin/keys', {key: server.adminKey})).body.find((k) => k.name === 'carol')
    assert.equal(listed?.api_key, undefined)
    assertError(await server.request('/v1/admin/keys', {key: server.adminKey, method: 'POST', body: {role: 'miner', name: 'carol'}}), 409, 'conflict', /already exists/)
  })

  it('validates role and name', async () => {
    const send = (body: unknown) => server.request('/v1/admin/keys', {key: server.adminKey, method: 'POST', body})
    assertError(await send({role: 'root', name: 'x'}), 400, 'validation_failed', /role must be one of: admin, client, miner/)
    // What is allowed, in words: never the regular expression.
    const refused = await send({role: 'client', name: 'has space'})
    assertError(refused, 400, 'validation_failed', /^body field name must be 1 to 64 letters, digits, "\.", "_" or "-", starting with a letter or digit$/)
    assert.doesNotMatch(JSON.stringify(refused.body), /\^\[|pattern/)
    assertError(await send({role: 'client'}), 400, 'validation_failed', /name is required/)
  })

  it('revokes a key at once; revoking again returns it; unknown is 404', async () => {
    const created = (await server.request<KeyInfo>('/v1/admin/keys', {key: server.adminKey, method: 'POST', body: {role: 'client', name: 'dave'}})).body
    assert.equal((await server.request('/v1/jobs', {key: created.api_key})).status, 200)
    const revoked = await server.request<KeyInfo>('/v1/admin/keys/dave', {key: server.adminKey, method: 'DELETE'})
    assert.equal(revoked.status, 200)
    assert.ok(revoked.body.revoked_at)
    assertError(await server.request('/v1/jobs', {key: created.api_key}), 401, 'unauthorized', /revoked/)
    const again = await server.request<KeyInfo>('/v1/admin/keys/dave', {key: server.adminKey, method: 'DELETE'})
    assert.equal(again.body.revoked_at, revoked.body.revoked_at)
    assertError(await server.request('/v1/admin/keys/nobody', {key: server.adminKey, method: 'DELETE'}), 404, 'not_found')
    assertError(await server.request('/v1/admin/keys/bad%20name', {key: server.adminKey, method: 'DELETE'}), 400, 'validation_failed', /^path parameter name must be 1 to 64 letters/)
    // The name stays taken.
    assertError(await server.request('/v1/admin/keys', {key: server.adminKey, method: 'POST', body: {role: 'client', name: 'dave'}}), 409, 'conflict')
  })

  it('will not revoke the last active admin key', async () => {
    assertError(await server.request('/v1/admin/keys/admin', {key: server.adminKey, method: 'DELETE'}), 409, 'conflict', /last active admin/)
    const second = (await server.request<KeyInfo>('/v1/admin/keys', {key: server.adminKey, method: 'POST', body: {role: 'admin', name: 'admin-2'}})).body
    const res = await server.request<KeyInfo>('/v1/admin/keys/admin', {key: second.api_key, method: 'DELETE'})
    assert.equal(res.status, 200)
    assertError(await server.request('/v1/admin/keys', {key: server.adminKey}), 401, 'unauthorized')
  })
})

describe('GET /v1/keys', () => {
  it('lists the public signing key without an API key', async () => {
    const res = await server.request<{key_id: string; alg: string; public_key: string}[]>('/v1/keys')
    assert.deepEqual(res.body, [{key_id: server.keyId, alg: 'Ed25519', public_key: server.publicKey}])
  })
})
