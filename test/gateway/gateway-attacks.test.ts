// The OpenAI-compatible gateway under abuse, through the official `openai` SDK where it can say it and
// raw HTTP where it cannot: malformed chats are refused in OpenAI's shape before any job exists; a
// streamed answer whose client goes away mid-stream leaves the job running and nothing held; followers
// at different speeds; a miner that streams then fails; a miner whose result is not what it streamed
// (the result is the authority). The miner is driven over HTTP, so each step happens when the test says.
import assert from 'node:assert/strict'
import {request as httpRequest} from 'node:http'
import {after, before, describe, test} from 'node:test'

import OpenAI from 'openai'

import {sha256Hex} from '../../src/protocol/encoding.js'
import {startTestServer, type TestServer} from '../helpers/server.js'

const MODEL = 'attack-model'
const MINER = 'attack-miner'

let server: TestServer
let client: OpenAI

before(async () => {
  server = await startTestServer({config: {maxAttempts: 1}})
  client = new OpenAI({baseURL: `${server.url}/v1`, apiKey: server.clientKey, maxRetries: 0, timeout: 30_000})
  const registered = await server.request('/v1/miners/register', {key: server.minerKey, method: 'POST', body: {miner_id: MINER, capabilities: [MODEL]}})
  assert.equal(registered.status, 201)
})

after(() => server.close())

const jobCount = async () => (await server.app.coordinator.store.listJobs({limit: 1_000_000, offset: 0})).length

const miner = {
  claim: (id: string) => server.request(`/v1/jobs/${id}/claim`, {key: server.minerKey, method: 'POST', body: {miner_id: MINER}}),
  append: (id: string, offset: number, text: string) => server.request(`/v1/jobs/${id}/output`, {key: server.minerKey, method: 'POST', body: {miner_id: MINER, offset, text}}),
  complete: (id: string, result: string) => server.request(`/v1/jobs/${id}/complete`, {key: server.minerKey, method: 'POST', body: {miner_id: MINER, result}}),
  fail: (id: string, error: string) => server.request(`/v1/jobs/${id}/fail`, {key: server.minerKey, method: 'POST', body: {miner_id: MINER, error}}),
}

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (const started = Date.now(); !(await check()); ) {
    assert.ok(Date.now() - started < 20_000, `timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** A streamed chat completion through the SDK, read chunk by chunk as the test asks; its job claimed. */
async function streamedChat(content: string) {
  const {data: stream, response} = await client.chat.completions.create({model: MODEL, stream: true, messages: [{role: 'user', content}]}).withResponse()
  const jobId = response.headers.get('x-aitbc-job-id')!
  assert.match(jobId, /^job_/)
  assert.equal((await miner.claim(jobId)).status, 200)
  const chunks = stream[Symbol.asyncIterator]()
  let text = ''
  /** Reads until the streamed text is `expected` long; returns it. */
  const readText = async (length: number) => {
    while (text.length < length) {
      const next = await chunks.next()
      assert.ok(!next.done, `the stream ended after ${JSON.stringify(text)}`)
      text += next.value.choices[0]?.delta?.content ?? ''
    }
    return text
  }
  /** Reads to the end: what it gave, and the error the SDK threw, if any. */
  const rest = async () => {
    const last: OpenAI.Chat.Completions.ChatCompletionChunk[] = []
    try {
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
        text += next.value.choices[0]?.delta?.content ?? ''
        last.push(next.value)
      }
      return {text, last, error: undefined}
    } catch (error) {
      return {text, last, error: error as InstanceType<typeof OpenAI.APIError>}
    }
  }
  return {jobId, stream, readText, rest}
}

describe('malformed chats are refused in OpenAI shape, and no job is made', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['10,000 messages', {model: MODEL, messages: Array.from({length: 10_000}, () => ({role: 'user', content: 'hi'}))}, /messages must NOT have more than 1024 items/],
    ['messages an object', {model: MODEL, messages: {role: 'user', content: 'hi'}}, /messages/],
    ['a message a string', {model: MODEL, messages: ['hi']}, /messages\.0 must be object/],
    ['content a number', {model: MODEL, messages: [{role: 'user', content: 42}]}, /messages\.0\.content must be a string/],
    ['content an image part', {model: MODEL, messages: [{role: 'user', content: [{type: 'image_url', image_url: {url: 'http://x/y.png'}}]}]}, /messages\.0\.content\.0 is a part of type "image_url"; only text parts/],
    ['content parts with a null', {model: MODEL, messages: [{role: 'user', content: [null]}]}, /messages\.0\.content\.0 is not a part/],
    ['role missing', {model: MODEL, messages: [{content: 'hi'}]}, /role/],
    ['role a number', {model: MODEL, messages: [{role: 7, content: 'hi'}]}, /role/],
    ['model missing', {messages: [{role: 'user', content: 'hi'}]}, /model/],
    ['model a number', {model: 5, messages: [{role: 'user', content: 'hi'}]}, /model/],
    ['stream a string', {model: MODEL, stream: 'yes', messages: [{role: 'user', content: 'hi'}]}, /stream/],
    ['n of 2', {model: MODEL, n: 2, messages: [{role: 'user', content: 'hi'}]}, /\bn\b/],
    ['max_tokens negative', {model: MODEL, max_tokens: -1, messages: [{role: 'user', content: 'hi'}]}, /max_tokens/],
    ['temperature a string', {model: MODEL, temperature: 'hot', messages: [{role: 'user', content: 'hi'}]}, /temperature/],
  ]
  for (const [name, body, says] of cases) {
    test(name, async () => {
      const before = await jobCount()
      const answer = await server.request<{error?: {message: string; type: string; param: unknown; code: unknown}}>('/v1/chat/completions', {
        key: server.clientKey,
        method: 'POST',
        body,
      })
      assert.equal(answer.status, 400, JSON.stringify(answer.body).slice(0, 300))
      assert.deepEqual(Object.keys(answer.body), ['error'])
      assert.equal(answer.body.error?.type, 'invalid_request_error')
      assert.match(answer.body.error?.message ?? '', says)
      assert.equal(await jobCount(), before, 'a refused chat made a job')
    })
  }

  test('content past the body limit is a 413 in OpenAI shape, through the SDK', async () => {
    const before = await jobCount()
    await assert.rejects(client.chat.completions.create({model: MODEL, messages: [{role: 'user', content: 'x'.repeat(2 * 1024 * 1024)}]}), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError)
      assert.equal(error.status, 413)
      assert.equal(error.type, 'invalid_request_error')
      return true
    })
    assert.equal(await jobCount(), before)
  })
})

describe('a streamed chat whose miner misbehaves or whose client leaves', () => {
  test('a client that goes away mid-stream: the job runs on to its receipt, and the coordinator holds nothing for it', async () => {
    const chat = await streamedChat('leave early')
    assert.equal((await miner.append(chat.jobId, 0, 'first ')).status, 200)
    assert.equal(await chat.readText(6), 'first ')
    chat.stream.controller.abort()
    await until('the gateway to stop following', () => server.app.streams.followers(chat.jobId) === 0)
    // The miner goes on streaming (nobody reads it) and completes; the job is not cancelled.
    assert.equal((await miner.append(chat.jobId, 6, 'second ')).status, 200)
    assert.equal((await miner.complete(chat.jobId, 'first second third')).status, 200)
    const job = (await server.request<{status: string; receipt_id?: string}>(`/v1/jobs/${chat.jobId}`, {key: server.clientKey})).body
    assert.equal(job.status, 'completed')
    assert.ok(job.receipt_id)
    assert.equal(server.app.streams.bytes, 0, 'the streamed output is freed once the job has ended')
  })

  test('two followers at different speeds: the fast one is not held back, the slow one gets everything', async () => {
    const chat = await streamedChat('two readers')
    // The second follower is a raw SSE connection that does not read until the end.
    const {hostname, port} = new URL(server.url)
    const slow = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const request = httpRequest({hostname, port, path: `/v1/jobs/${chat.jobId}/stream`, headers: {'X-Api-Key': server.clientKey}}, resolve)
      request.on('error', reject)
      request.end()
    })
    slow.pause()
    await until('both to follow', () => server.app.streams.followers(chat.jobId) === 2)
    // Each word is checked on the fast one before the next is generated; the slow one's socket buffers
    // would take far more than a few hundred words to fill, so fifty prove what two hundred did.
    const words = Array.from({length: 50}, (_, i) => `word${i} `)
    let offset = 0
    for (const [index, word] of words.entries()) {
      assert.equal((await miner.append(chat.jobId, offset, word)).status, 200)
      offset += word.length
      // The fast one has each word before the next is generated, whatever the slow one does.
      assert.equal(await chat.readText(offset), words.slice(0, index + 1).join(''))
    }
    assert.equal((await miner.complete(chat.jobId, words.join(''))).status, 200)
    const fast = await chat.rest()
    assert.equal(fast.error, undefined)
    assert.equal(fast.text, words.join(''))
    let received = ''
    slow.setEncoding('utf8')
    slow.on('data', (chunk: string) => (received += chunk))
    slow.resume()
    await new Promise((resolve) => slow.once('end', resolve))
    const output = [...received.matchAll(/^event: output\ndata: (.*)$/gm)].map((match) => (JSON.parse(match[1]) as {text: string}).text).join('')
    assert.equal(output, words.join(''))
    assert.match(received, /event: end\ndata: \{"job_id":"[^"]+","status":"completed"/)
  })

  test('a miner that streams, then fails: the stream ends in an error the SDK throws, naming the job and why', async () => {
    const chat = await streamedChat('then fail')
    assert.equal((await miner.append(chat.jobId, 0, 'partial ')).status, 200)
    assert.equal(await chat.readText(8), 'partial ')
    assert.equal((await miner.fail(chat.jobId, 'the GPU fell off the bus')).status, 200)
    const {error} = await chat.rest()
    assert.ok(error instanceof OpenAI.APIError, `the stream ended without an error: ${String(error)}`)
    assert.match(error.message, new RegExp(`job ${chat.jobId} failed: the GPU fell off the bus`))
    assert.equal(error.code, 'job_failed')
    assert.equal(server.app.streams.bytes, 0)
  })

  for (const [name, streamed, result] of [
    ['longer than', 'the whole result and then some more ', 'the whole result'],
    ['different from', 'a preview that went one way ', 'a result that went another'],
  ] as const) {
    test(`a miner streams output ${name} its result: the result is the authority`, async () => {
      // A plain request waits for the result and never sees the preview.
      const plain = client.chat.completions.create({model: MODEL, messages: [{role: 'user', content: `plain ${name}`}]}).withResponse()
      let plainJob = ''
      await until('the plain job to be pending', async () => {
        const jobs = (await server.request<Array<{job_id: string; status: string; prompt: string}>>('/v1/jobs?status=pending&limit=100', {key: server.clientKey})).body
        plainJob = jobs.find((job) => job.prompt.includes(`plain ${name}`))?.job_id ?? ''
        return plainJob !== ''
      })
      assert.equal((await miner.claim(plainJob)).status, 200)
      assert.equal((await miner.append(plainJob, 0, streamed)).status, 200)
      assert.equal((await miner.complete(plainJob, result)).status, 200)
      const {data: completion} = await plain
      assert.equal(completion.choices[0].message.content, result)

      // A stream cannot take back what it sent: it ends in an error that says where the result is.
      const chat = await streamedChat(`streamed ${name}`)
      assert.equal((await miner.append(chat.jobId, 0, streamed)).status, 200)
      assert.equal(await chat.readText(streamed.length), streamed)
      assert.equal((await miner.complete(chat.jobId, result)).status, 200)
      const {error} = await chat.rest()
      assert.ok(error instanceof OpenAI.APIError, 'the stream ended as if its text were the result')
      assert.equal(error.code, 'stream_reset')
      assert.match(error.message, new RegExp(`GET /v1/jobs/${chat.jobId}`))
      const receipt = (await server.request<{result_sha256: string}>(`/v1/receipts/${(await server.request<{receipt_id: string}>(`/v1/jobs/${chat.jobId}`, {key: server.clientKey})).body.receipt_id}`, {key: server.clientKey})).body
      assert.equal(receipt.result_sha256, sha256Hex(result))
    })
  }
})
