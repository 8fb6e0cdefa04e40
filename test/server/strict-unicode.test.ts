import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {startTestServer, type TestServer} from '../helpers/server.js'
import {claim, register, submit} from './fixtures.js'

// JSON.stringify writes a lone surrogate as the escape \udXXX, exactly what a hostile client sends.
const LONE = '\ud800-lone'

let server: TestServer
before(async () => {
  server = await startTestServer()
})
after(() => server.close())

async function refused(pathname: string, body: unknown, key: string, field: string): Promise<void> {
  const res = await server.request<{detail: string}>(pathname, {key, method: 'POST', body})
  assert.equal(res.status, 400, `${pathname} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`)
  assert.match(res.body.detail, new RegExp(`${field.replace(/[.[\]]/g, '\\$&')} .*lone surrogate`))
}

describe('strings with lone surrogates are refused with 400', () => {
  it('in a prompt, a model name and a params key; nothing is created', async () => {
    const before = (await server.request<unknown[]>('/v1/jobs', {key: server.adminKey})).body.length
    await refused('/v1/jobs', {prompt: `a${LONE}`}, server.clientKey, 'body field prompt')
    await refused('/v1/jobs', {prompt: 'hi', model: LONE}, server.clientKey, 'body field model')
    await refused('/v1/jobs', {prompt: 'hi', params: {[LONE]: 1}}, server.clientKey, 'body field params')
    assert.equal((await server.request<unknown[]>('/v1/jobs', {key: server.adminKey})).body.length, before)
  })

  it('in a miner capability, a result and an error', async () => {
    await refused('/v1/miners/register', {miner_id: 'miner-u', capabilities: ['llama3.2', LONE]}, server.minerKey, 'body field capabilities[1]')
    await register(server, 'miner-u')
    const job = await submit(server, {prompt: 'Say hello'})
    await claim(server, job.job_id, 'miner-u')
    await refused(`/v1/jobs/${job.job_id}/complete`, {miner_id: 'miner-u', result: `Hello ${LONE}`}, server.minerKey, 'body field result')
    await refused(`/v1/jobs/${job.job_id}/fail`, {miner_id: 'miner-u', error: LONE}, server.minerKey, 'body field error')
    const res = await server.request<{status: string}>(`/v1/jobs/${job.job_id}`, {key: server.clientKey})
    assert.equal(res.body.status, 'running')
  })

  it('a body that is not UTF-8 is refused, not read with U+FFFD in place of its bytes', async () => {
    const body = Buffer.concat([Buffer.from('{"prompt":"a'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('b"}')])
    const res = await fetch(new URL('/v1/jobs', server.url), {method: 'POST', headers: {'X-Api-Key': server.clientKey, 'Content-Type': 'application/json'}, body})
    assert.equal(res.status, 400)
    assert.match(((await res.json()) as {detail: string}).detail, /not valid UTF-8/)
  })

  it('well-formed text outside the BMP and U+FFFD itself are accepted', async () => {
    const job = await submit(server, {prompt: 'emoji 😀 and \ufffd'})
    assert.equal(job.status, 'pending')
  })
})
