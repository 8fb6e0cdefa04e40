// The OpenAI-compatible gateway driven by the official `openai` npm package (5.x, runs on Node 20),
// pointed at a real coordinator with a client key as its API key, against a streaming miner on each
// backend kind: fake Ollama and OpenAI servers that stream in their real formats, and a command.
import assert from 'node:assert/strict'
import {once} from 'node:events'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import OpenAI from 'openai'

import {sha256Hex} from '../../src/protocol/encoding.js'
import {verifyReceipt, type Receipt} from '../../src/protocol/receipt.js'
import {CommandBackend} from '../../src/miner/backends/command.js'
import type {InferenceBackend} from '../../src/miner/backends/backend.js'
import {OllamaBackend} from '../../src/miner/backends/ollama.js'
import {OpenAiBackend} from '../../src/miner/backends/openai.js'
import {type FakeBackend, startFakeOllama, startFakeOpenAi} from '../helpers/fake-backends.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {type RunningMiner, startMiner} from '../miner/worker-helpers.js'

const STREAM = {intervalMs: 20, maxBytes: 64 * 1024}

interface Kind {
  name: string
  model: string
  /** A fake backend the test can pace, or none (the command). */
  fake?: FakeBackend
  backend: InferenceBackend
}

/** Opens a gate the fake waits on, so a test sees the first token arrive while the job still runs. */
function gate(): {wait: () => Promise<void>; open: () => void} {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return {
    wait: () => opened,
    open: () => {
      open()
      writeFileSync(COMMAND_GATE, '')
    },
  }
}

let server: TestServer
let ollama: FakeBackend
let openai: FakeBackend
let client: OpenAI

before(async () => {
  server = await startTestServer()
  ollama = await startFakeOllama(['llama3.2:latest'])
  openai = await startFakeOpenAi(['qwen2.5-7b-instruct'])
  client = new OpenAI({baseURL: `${server.url}/v1`, apiKey: server.clientKey, maxRetries: 0, timeout: 20_000})
})

after(async () => {
  await ollama.close()
  await openai.close()
  await server.close()
  rmSync(path.dirname(COMMAND_GATE), {recursive: true, force: true})
})

// The command reads the rendered chat on stdin and answers in two pieces, the second once the gate file
// exists (the test holds it closed until it has seen the first piece; no sleep to outlast).
const COMMAND_GATE = path.join(mkdtempSync(path.join(tmpdir(), 'aitbc-gateway-')), 'open')
writeFileSync(COMMAND_GATE, '')
const COMMAND = `cat > /dev/null; printf 'hello from'; while [ ! -e '${COMMAND_GATE}' ]; do sleep 0.01; done; printf ' the command'`

const kinds = (): Kind[] => [
  {name: 'ollama', model: 'llama3.2', fake: ollama, backend: new OllamaBackend(ollama.url)},
  {name: 'openai', model: 'qwen2.5-7b-instruct', fake: openai, backend: new OpenAiBackend(openai.url)},
  {name: 'command', model: 'shell-model', backend: new CommandBackend(COMMAND)},
]

async function receiptOf(id: string): Promise<Receipt> {
  const response = await server.request<Receipt>(`/v1/receipts/${id}`, {key: server.clientKey})
  assert.equal(response.status, 200)
  return response.body
}

for (const index of [0, 1, 2]) {
  describe(`through the openai SDK, a miner on the ${['ollama', 'openai', 'command'][index]} backend`, () => {
    let kind: Kind
    let miner: RunningMiner

    before(async () => {
      kind = kinds()[index]
      miner = await startMiner(server, kind.backend, {minerId: `miner-${kind.name}`, models: [kind.model], stream: STREAM})
    })

    after(async () => {
      miner.worker.stop()
      await miner.done
    })

    test('a plain chat completion is a job with usage, ids and a receipt that verifies', async () => {
      const messages = [
        {role: 'system' as const, content: 'You are terse.'},
        {role: 'user' as const, content: 'Say hello'},
      ]
      const {data: completion, response} = await client.chat.completions.create({model: kind.model, messages, max_tokens: 64}).withResponse()
      const text = completion.choices[0].message.content ?? ''
      if (kind.name === 'command') assert.equal(text, 'hello from the command')
      else assert.match(text, /says: Say hello/)
      assert.equal(completion.object, 'chat.completion')
      assert.equal(completion.choices[0].finish_reason, 'stop')
      const ids = (completion as unknown as {aitbc: {job_id: string; receipt_id: string}}).aitbc
      assert.equal(response.headers.get('x-aitbc-job-id'), ids.job_id)
      assert.equal(response.headers.get('x-aitbc-receipt-id'), ids.receipt_id)
      const receipt = await receiptOf(ids.receipt_id)
      assert.equal(verifyReceipt(receipt, server.trustedKeyIds), undefined)
      assert.equal(receipt.job_id, ids.job_id)
      assert.equal(receipt.result_sha256, sha256Hex(text))
      assert.equal(completion.usage?.completion_tokens, receipt.units)
      assert.ok((completion.usage?.prompt_tokens ?? 0) > 0)
      // The job keeps the messages; its prompt is their rendering, which the receipt hashes.
      const job = (await server.request<{prompt: string; messages: unknown}>(`/v1/jobs/${ids.job_id}`, {key: server.clientKey})).body
      assert.deepEqual(job.messages, messages)
      assert.equal(job.prompt, 'system: You are terse.\n\nuser: Say hello\n\nassistant:')
      assert.equal(receipt.prompt_sha256, sha256Hex(job.prompt))
      if (kind.fake) {
        const sent = kind.fake.requests.at(-1)!
        assert.equal(sent.path, kind.name === 'ollama' ? '/api/chat' : '/v1/chat/completions')
        assert.deepEqual((sent.body as {messages: unknown}).messages, messages)
        assert.equal((sent.body as {stream: boolean}).stream, true)
      }
    })

    test('a streamed chat completion shows tokens while the job runs, then ends with the ids and [DONE]', async () => {
      const held = gate()
      if (kind.fake) kind.fake.pace = (at) => (at === 1 ? held.wait() : Promise.resolve())
      else rmSync(COMMAND_GATE)
      try {
        const stream = await client.chat.completions.create({
          model: kind.model,
          messages: [{role: 'user', content: 'stream these words please'}],
          stream: true,
          stream_options: {include_usage: true},
        })
        let text = ''
        let firstWhileRunning: boolean | undefined
        let last: OpenAI.Chat.Completions.ChatCompletionChunk | undefined
        let usage: OpenAI.CompletionUsage | undefined
        for await (const chunk of stream) {
          const piece = chunk.choices[0]?.delta?.content
          if (piece && firstWhileRunning === undefined) {
            const jobId = (await server.request<{status: string}>('/v1/jobs?limit=1', {key: server.clientKey})).body as unknown as Array<{status: string}>
            firstWhileRunning = jobId[0].status === 'running'
            held.open()
          }
          if (piece) text += piece
          if (chunk.choices[0]?.finish_reason) last = chunk
          if (chunk.usage) usage = chunk.usage
        }
        assert.equal(firstWhileRunning, true, 'the first token came while the job was still running')
        if (kind.name === 'command') assert.equal(text, 'hello from the command')
        else assert.match(text, /says: stream these words please$/)
        assert.equal(last?.choices[0].finish_reason, 'stop')
        const ids = (last as unknown as {aitbc: {job_id: string; receipt_id: string}}).aitbc
        const receipt = await receiptOf(ids.receipt_id)
        assert.equal(receipt.result_sha256, sha256Hex(text))
        assert.equal(usage?.completion_tokens, receipt.units)
      } finally {
        held.open()
        if (kind.fake) kind.fake.pace = undefined
      }
    })
  })
}

describe('the gateway, outside a completion', () => {
  test('GET /v1/models lists the models live miners serve, with a Bearer key', async () => {
    const fake = await startFakeOpenAi(['listed-model'])
    const miner = await startMiner(server, new OpenAiBackend(fake.url), {minerId: 'miner-listed', models: ['listed-model']})
    try {
      const until = Date.now() + 10_000
      let ids: string[] = []
      while (!ids.includes('listed-model') && Date.now() < until) ids = (await client.models.list()).data.map((model) => model.id)
      assert.ok(ids.includes('listed-model'), `listed: ${ids.join(', ')}`)
    } finally {
      miner.worker.stop()
      await miner.done
      await fake.close()
    }
  })

  test('errors come in OpenAI shape with the right status: a bad key, a bad request, a miner key', async () => {
    const stranger = new OpenAI({baseURL: `${server.url}/v1`, apiKey: 'not-a-key', maxRetries: 0})
    await assert.rejects(stranger.chat.completions.create({model: 'llama3.2', messages: [{role: 'user', content: 'hi'}]}), (error: unknown) => {
      assert.ok(error instanceof OpenAI.AuthenticationError)
      assert.equal(error.status, 401)
      assert.equal(error.type, 'authentication_error')
      return true
    })
    await assert.rejects(client.chat.completions.create({model: 'llama3.2', messages: []}), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError)
      assert.equal(error.type, 'invalid_request_error')
      assert.match(error.message, /messages/)
      return true
    })
    const miner = new OpenAI({baseURL: `${server.url}/v1`, apiKey: server.minerKey, maxRetries: 0})
    await assert.rejects(miner.chat.completions.create({model: 'llama3.2', messages: [{role: 'user', content: 'hi'}]}), OpenAI.PermissionDeniedError)
  })

  test('--gateway-timeout answers 504 (the job goes on); the admission caps apply: a 429 and a 413 in OpenAI shape', async () => {
    const capped = await startTestServer({config: {maxPendingPerClient: 1, bodyLimitBytes: 4096, gatewayTimeoutSeconds: 1}})
    try {
      const sdk = new OpenAI({baseURL: `${capped.url}/v1`, apiKey: capped.clientKey, maxRetries: 0})
      await assert.rejects(sdk.chat.completions.create({model: 'nobody-serves-this', messages: [{role: 'user', content: 'waits'}]}), (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError)
        assert.equal(error.status, 504)
        assert.match(error.message, /did not end within 1 s \(--gateway-timeout\); it goes on/)
        return true
      })
      await assert.rejects(sdk.chat.completions.create({model: 'nobody-serves-this', messages: [{role: 'user', content: 'hi'}]}), (error: unknown) => {
        assert.ok(error instanceof OpenAI.RateLimitError)
        assert.equal(error.type, 'rate_limit_error')
        assert.match(error.message, /--max-pending-per-client/)
        return true
      })
      await assert.rejects(sdk.chat.completions.create({model: 'm', messages: [{role: 'user', content: 'x'.repeat(8000)}]}), (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError)
        assert.equal(error.status, 413)
        return true
      })
    } finally {
      await capped.close()
    }
  })

  test('a client that goes away cancels its job while no miner has taken it; a running job goes on', async () => {
    const jobs = server.app.coordinator.jobs
    // Resolves once the gateway has acted on a client that went away (the cancel written, or not needed).
    let acted!: (job: {job_id: string; status: string}) => void
    const original = jobs.cancelUnstarted.bind(jobs)
    jobs.cancelUnstarted = async (...args) => {
      const job = await original(...args)
      acted(job)
      return job
    }
    const leave = async (model: string, beforeLeaving: (jobId: string) => Promise<void>) => {
      const handled = new Promise<{job_id: string; status: string}>((resolve) => (acted = resolve))
      const controller = new AbortController()
      const asked = fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {Authorization: `Bearer ${server.clientKey}`, 'Content-Type': 'application/json'},
        body: JSON.stringify({model, messages: [{role: 'user', content: `for ${model}`}]}),
        signal: controller.signal,
      }).catch(() => undefined)
      let jobId: string | undefined
      for (const started = Date.now(); !jobId; ) {
        assert.ok(Date.now() - started < 20_000, 'the job never appeared')
        const listed = await server.request<{job_id: string; model: string}[]>('/v1/jobs?status=pending&limit=100', {key: server.clientKey})
        jobId = listed.body.find((job) => job.model === model)?.job_id
        if (!jobId) await new Promise((resolve) => setTimeout(resolve, 20))
      }
      await beforeLeaving(jobId)
      controller.abort()
      await asked
      return handled
    }
    try {
      const unstarted = await leave('nobody-serves-this-either', async () => undefined)
      assert.equal(unstarted.status, 'cancelled')
      const types = (await server.request<{type: string; data: {job_id?: string; by?: string}}[]>('/explorer/transactions?limit=100')).body
      assert.ok(types.some((tx) => tx.type === 'job_cancelled' && tx.data.job_id === unstarted.job_id && tx.data.by === 'client'), 'the cancel is on the ledger')

      // Gone while its job was being submitted, before the gateway listened for the connection's end.
      const submit = jobs.submit.bind(jobs)
      const handled = new Promise<{job_id: string; status: string}>((resolve) => (acted = resolve))
      const {hostname, port} = new URL(server.url)
      const socket = net.connect(Number(port), hostname)
      socket.on('error', () => undefined)
      jobs.submit = async (...args) => {
        const submitted = await submit(...args)
        socket.destroy()
        await once(socket, 'close')
        // Two turns of the event loop: the coordinator reads the end of the connection in the first.
        for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve))
        return submitted
      }
      try {
        const body = JSON.stringify({model: 'nobody-serves-this-either', messages: [{role: 'user', content: 'gone at once'}]})
        socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.clientKey}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
        assert.equal((await handled).status, 'cancelled')
      } finally {
        jobs.submit = submit
      }

      const registered = await server.request('/v1/miners/register', {key: server.minerKey, method: 'POST', body: {miner_id: 'gateway-taker', capabilities: ['taken-model']}})
      assert.equal(registered.status, 201)
      const running = await leave('taken-model', async (jobId) => {
        const claimed = await server.request(`/v1/jobs/${jobId}/claim`, {key: server.minerKey, method: 'POST', body: {miner_id: 'gateway-taker'}})
        assert.equal(claimed.status, 200)
      })
      assert.equal(running.status, 'running', 'a miner has it: it goes on')
      const done = await server.request(`/v1/jobs/${running.job_id}/complete`, {key: server.minerKey, method: 'POST', body: {miner_id: 'gateway-taker', result: 'for nobody'}})
      assert.equal(done.status, 200)
    } finally {
      jobs.cancelUnstarted = original
    }
  })
})
