// The coordinator refuses control characters in the names it stores and shows to others (model names,
// miner ids, GPU names, key names) with 400 naming the field; free text (prompt, result, error) keeps them.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {startTestServer, type TestServer} from '../helpers/server.js'

const ESCAPES = ['\u001B]0;pwned\u0007', '\u001B[2J', 'a\nb', '\u009B31m', '\u0000', '\u007F']

describe('control characters in stored names', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(() => server.close())

  for (const escape of ESCAPES) {
    it(`a model name with ${JSON.stringify(escape)} is refused with 400`, async () => {
      const submit = await server.request<{detail: string}>('/v1/jobs', {key: server.clientKey, body: {prompt: 'hi', model: `llama${escape}`}})
      assert.equal(submit.status, 400)
      assert.equal(submit.body.detail, 'body field model must not contain control characters')
      const register = await server.request<{detail: string}>('/v1/miners/register', {key: server.minerKey, body: {miner_id: 'm-1', capabilities: ['ok', `bad${escape}`]}})
      assert.equal(register.status, 400)
      assert.equal(register.body.detail, 'body field capabilities.1 must not contain control characters')
    })
  }

  it('a GPU name, a miner id and a key name with an escape are refused with 400', async () => {
    const gpu = await server.request('/v1/miners/register', {key: server.minerKey, body: {miner_id: 'm-2', capabilities: ['x'], gpu_info: {name: 'RTX\u001B[2J'}}})
    assert.equal(gpu.status, 400)
    const miner = await server.request('/v1/miners/register', {key: server.minerKey, body: {miner_id: 'm\u001B[2J', capabilities: ['x']}})
    assert.equal(miner.status, 400)
    const key = await server.request('/v1/admin/keys', {key: server.adminKey, body: {role: 'client', name: 'eve\u0007'}})
    assert.equal(key.status, 400)
  })

  it('a prompt, a result and an error keep their control characters', async () => {
    const prompt = 'line one\n\tline two \u001B[1mbold\u001B[0m'
    const submit = await server.request<{job_id: string; prompt: string}>('/v1/jobs', {key: server.clientKey, body: {prompt, model: 'free-text-model'}})
    assert.equal(submit.status, 201)
    assert.equal(submit.body.prompt, prompt)
    assert.equal((await server.request('/v1/miners/register', {key: server.minerKey, body: {miner_id: 'm-3', capabilities: ['free-text-model']}})).status, 201)
    const jobId = submit.body.job_id
    assert.equal((await server.request(`/v1/jobs/${jobId}/claim`, {key: server.minerKey, body: {miner_id: 'm-3'}})).status, 200)
    const failed = await server.request<{error: string}>(`/v1/jobs/${jobId}/fail`, {key: server.minerKey, body: {miner_id: 'm-3', error: 'CUDA\u001B[31m error\n'}})
    assert.equal(failed.status, 200)
    assert.equal(failed.body.error, 'CUDA\u001B[31m error\n')
  })
})
