// The miner's work loop against the real coordinator (in this process) and fake inference servers.
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {after, before, describe, test} from 'node:test'

import type {Receipt} from '../../src/client/client.js'
import {CommandBackend} from '../../src/miner/backends/command.js'
import {OllamaBackend} from '../../src/miner/backends/ollama.js'
import {OpenAiBackend} from '../../src/miner/backends/openai.js'
import {startServer} from '../../src/server/run-server.js'
import {type FakeBackend, startFakeOllama, startFakeOpenAi} from '../helpers/fake-backends.js'
import {requestJson, startTestServer, TEST_CONFIG, type TestServer} from '../helpers/server.js'
import {gate, getJob, jobEvents, startMiner, submitJob, until} from './worker-helpers.js'

describe('miner worker', () => {
  let server: TestServer
  let ollama: FakeBackend
  before(async () => {
    server = await startTestServer()
    ollama = await startFakeOllama(['llama3.2:latest'])
  })
  after(async () => {
    await ollama.close()
    await server.close()
  })

  test('ollama: registers the listed models, runs jobs and delivers results with eval_count as units', async () => {
    const ids = [await submitJob(server, 'first prompt', 'llama3.2', {max_tokens: 100, temperature: 0.1, top_p: 0.5}), await submitJob(server, 'second')]
    const miner = await startMiner(server, new OllamaBackend(ollama.url), {minerId: 'ollama-miner', maxJobs: 2})
    const summary = await miner.done
    assert.deepEqual({jobs: summary.jobs, completed: summary.completed, undelivered: summary.undelivered}, {jobs: 2, completed: 2, undelivered: 0})
    const registered = miner.events.find((event) => event.type === 'registered')
    assert.deepEqual(registered && 'capabilities' in registered ? registered.capabilities.sort() : [], ['llama3.2', 'llama3.2:latest'])
    const first = await getJob(server, ids[0])
    assert.equal(first.status, 'completed')
    assert.equal(first.result, 'llama3.2 says: first prompt')
    const generate = ollama.requests.find((request) => request.path === '/api/generate' && (request.body as {prompt: string}).prompt === 'first prompt')
    assert.deepEqual((generate?.body as {options: unknown}).options, {num_predict: 100, temperature: 0.1, top_p: 0.5})
    const receipt = (await requestJson<Receipt>(server.url, `/v1/receipts/${first.receipt_id}`, {key: server.adminKey})).body
    assert.equal(receipt.units, 4, 'the units Ollama reported (eval_count)')
    assert.equal(receipt.provider, 'ollama-miner')
    const reports = jobEvents(miner.events)
    assert.deepEqual(reports.map((report) => report.outcome), ['completed', 'completed'])
    assert.equal(reports.find((report) => report.job_id === ids[0])?.units, 4)
  })

  test('openai: delivers the chat completion with usage.completion_tokens as units', async () => {
    const openai = await startFakeOpenAi(['qwen2.5-7b-instruct'])
    try {
      const id = await submitJob(server, 'hello openai', 'qwen2.5-7b-instruct')
      const miner = await startMiner(server, new OpenAiBackend(`${openai.url}/v1`), {minerId: 'openai-miner', maxJobs: 1})
      await miner.done
      const job = await getJob(server, id)
      assert.equal(job.result, 'qwen2.5-7b-instruct says: hello openai')
      const receipt = (await requestJson<Receipt>(server.url, `/v1/receipts/${job.receipt_id}`, {key: server.adminKey})).body
      assert.equal(receipt.units, 4)
    } finally {
      await openai.close()
    }
  })

  test('a job the backend fails is reported with the fail endpoint and goes back to the queue', async () => {
    const id = await submitJob(server, 'doomed', 'broken-model')
    const miner = await startMiner(server, new CommandBackend('echo "out of memory" >&2; exit 1'), {minerId: 'failing-miner', models: ['broken-model'], maxJobs: 1})
    const summary = await miner.done
    assert.equal(summary.failed, 1)
    const [report] = jobEvents(miner.events)
    assert.equal(report.outcome, 'failed')
    assert.equal(report.requeued, true)
    const job = await getJob(server, id)
    assert.equal(job.status, 'pending')
    assert.equal(job.error, 'the command exited with code 1: out of memory')
    await requestJson(server.url, `/v1/jobs/${id}/cancel`, {key: server.clientKey, method: 'POST'})
  })

  test('--once takes only the jobs waiting now, up to the concurrency, then stops', async () => {
    const ids = [await submitJob(server, 'a', 'once-model'), await submitJob(server, 'b', 'once-model'), await submitJob(server, 'c', 'once-model')]
    const miner = await startMiner(server, new CommandBackend('cat'), {minerId: 'once-miner', models: ['once-model'], once: true, concurrency: 2})
    assert.equal((await miner.done).completed, 2)
    const jobs = await Promise.all(ids.map((id) => getJob(server, id)))
    assert.deepEqual(jobs.map((job) => job.status).sort(), ['completed', 'completed', 'pending'])
    const empty = await startMiner(server, new CommandBackend('cat'), {minerId: 'once-miner-2', models: ['nobody-submits-this'], once: true})
    assert.equal((await empty.done).jobs, 0, 'nothing waiting: it stops at once')
    const left = jobs.find((job) => job.status === 'pending')!
    await requestJson(server.url, `/v1/jobs/${left.job_id}/cancel`, {key: server.clientKey, method: 'POST'})
  })

  test('runs up to --concurrency jobs at the same time', async () => {
    const fake = await startFakeOllama(['parallel'])
    const started: string[] = []
    const release = gate()
    fake.generator = async ({prompt}) => {
      started.push(prompt)
      await release.opened
      return {text: prompt, tokens: 1}
    }
    try {
      for (const prompt of ['p1', 'p2', 'p3']) await submitJob(server, prompt, 'parallel')
      const miner = await startMiner(server, new OllamaBackend(fake.url), {minerId: 'parallel-miner', concurrency: 3, maxJobs: 3})
      await until('three jobs running at once', () => started.length === 3)
      release.open()
      assert.equal((await miner.done).completed, 3)
    } finally {
      release.open()
      await fake.close()
    }
  })

  test('stop(): takes no more jobs, finishes the running one, and reports it', async () => {
    const fake = await startFakeOllama(['slow'])
    const release = gate()
    let calls = 0
    fake.generator = async ({prompt}) => {
      calls++
      await release.opened
      return {text: `done: ${prompt}`, tokens: 2}
    }
    try {
      const running = await submitJob(server, 'running', 'slow')
      const miner = await startMiner(server, new OllamaBackend(fake.url), {minerId: 'stopping-miner'})
      await until('the job to start', () => calls === 1)
      const waiting = await submitJob(server, 'waiting', 'slow')
      miner.worker.stop()
      release.open()
      const summary = await miner.done
      assert.deepEqual({jobs: summary.jobs, completed: summary.completed, abandoned: summary.abandoned}, {jobs: 1, completed: 1, abandoned: false})
      assert.equal((await getJob(server, running)).result, 'done: running')
      assert.equal((await getJob(server, waiting)).status, 'pending')
      await requestJson(server.url, `/v1/jobs/${waiting}/cancel`, {key: server.clientKey, method: 'POST'})
    } finally {
      release.open()
      await fake.close()
    }
  })

  test('abandon(): stops the running job and reports it failed, so it goes back to the queue', async () => {
    const id = await submitJob(server, 'long job', 'sleepy')
    const started = path.join(mkdtempSync(path.join(tmpdir(), 'aitbc-abandon-')), 'started')
    const miner = await startMiner(server, new CommandBackend(`touch ${started}; sleep 30`), {minerId: 'abandoning-miner', models: ['sleepy']})
    // Running on the miner, not only claimed: a claim whose answer is still on its way is given back on stop.
    await until('the job to run on the miner', () => existsSync(started))
    miner.worker.stop()
    miner.worker.abandon()
    const summary = await miner.done
    assert.equal(summary.abandoned, true)
    const job = await getJob(server, id)
    assert.equal(job.status, 'pending')
    assert.equal(job.error, 'the miner was stopped before the job finished')
    await requestJson(server.url, `/v1/jobs/${id}/cancel`, {key: server.clientKey, method: 'POST'})
  })

  test('a job cancelled while it runs: the result is dropped, with the reason', async () => {
    const release = gate()
    const fake = await startFakeOllama(['cancellable'])
    fake.generator = async () => {
      await release.opened
      return {text: 'too late', tokens: 2}
    }
    try {
      const id = await submitJob(server, 'cancel me', 'cancellable')
      const miner = await startMiner(server, new OllamaBackend(fake.url), {minerId: 'cancelled-miner', maxJobs: 1})
      await until('the job to run on the miner', () => fake.requests.some((request) => request.path === '/api/generate'))
      assert.equal((await requestJson(server.url, `/v1/jobs/${id}/cancel`, {key: server.clientKey, method: 'POST'})).status, 200)
      release.open()
      const summary = await miner.done
      assert.equal(summary.dropped, 1)
      const [report] = jobEvents(miner.events)
      assert.equal(report.outcome, 'dropped')
      assert.match(report.error ?? '', /no longer had the job running for this miner \(it is cancelled\)/)
    } finally {
      release.open()
      await fake.close()
    }
  })

  test('the heartbeat re-registers, picking up models the backend gained', async () => {
    const fake = await startFakeOllama(['base-model'])
    try {
      const miner = await startMiner(server, new OllamaBackend(fake.url), {minerId: 'beating-miner', heartbeatMs: 30})
      await until('registration', () => miner.events.some((event) => event.type === 'registered'))
      fake.models.push('new-model')
      await until('the new model to be registered', async () => (await server.app.coordinator.store.getMiner('beating-miner'))?.capabilities.includes('new-model'))
      miner.worker.stop()
      await miner.done
    } finally {
      await fake.close()
    }
  })

  test('a refused key stops the miner with the coordinator\'s error', async () => {
    const miner = await startMiner({url: server.url, minerKey: 'aitbc_not_a_key'}, new CommandBackend('cat'), {models: ['x']})
    await assert.rejects(miner.done, (error: Error & {status?: number}) => error.status === 401)
  })

  test('the backend down at start: the miner waits for it, then works', async () => {
    const first = await startFakeOllama(['late-model'])
    const port = Number(new URL(first.url).port)
    await first.close()
    const id = await submitJob(server, 'patience', 'late-model')
    const miner = await startMiner(server, new OllamaBackend(first.url), {minerId: 'patient-miner', maxJobs: 1})
    await until('a warning about the backend', () => miner.events.some((event) => event.type === 'warning' && /did not answer/.test(event.message)))
    const again = await startFakeOllama(['late-model'], {port})
    try {
      await miner.done
      assert.equal((await getJob(server, id)).status, 'completed')
    } finally {
      await again.close()
    }
  })
})

describe('miner worker with the coordinator going away', () => {
  test('a result finished while the coordinator is down is kept on disk, and a restarted miner delivers it', async () => {
    const first = await startTestServer()
    const port = Number(new URL(first.url).port)
    const id = await submitJob(first, 'keep me safe', 'steady')
    const release = gate()
    const fake = await startFakeOllama(['steady'])
    fake.generator = async () => {
      await release.opened
      return {text: 'the precious result', tokens: 3}
    }
    let second: Awaited<ReturnType<typeof startServer>> | undefined
    try {
      const miner = await startMiner(first, new OllamaBackend(fake.url), {minerId: 'durable-miner'})
      await until('the job to run on the miner', () => fake.requests.some((request) => request.path === '/api/generate'))
      await first.stop()
      release.open()
      await until('the result to be saved', () => existsSync(miner.stateFile))
      assert.match(readFileSync(miner.stateFile, 'utf8'), /the precious result/)
      miner.worker.stop()
      const summary = await miner.done
      assert.equal(summary.undelivered, 1)
      assert.equal(summary.undelivered_file, miner.stateFile)
      assert.ok(miner.events.some((event) => event.type === 'warning' && /not delivered yet: kept in/.test(event.message)))

      second = await startServer({dataDir: first.dataDir, host: '127.0.0.1', port, config: TEST_CONFIG, log: () => {}})
      const restarted = await startMiner(first, new OllamaBackend(fake.url), {minerId: 'durable-miner', stateFile: miner.stateFile, once: true})
      const after = await restarted.done
      assert.equal(after.completed, 1)
      assert.equal(after.undelivered, 0)
      const job = await getJob(first, id)
      assert.equal(job.status, 'completed')
      assert.equal(job.result, 'the precious result')
      assert.equal(existsSync(miner.stateFile), false, 'nothing left to deliver: the file is gone')
    } finally {
      release.open()
      await fake.close()
      await second?.close()
      await first.close()
    }
  })
})

describe('miner worker when an answer is lost on the way', () => {
  test('a completion whose answer never arrived is confirmed, not run or billed twice', async () => {
    const server = await startTestServer()
    let dropped = 0
    // Passes requests to the coordinator, but cuts the connection instead of returning the first answer to a completion.
    const proxy = createServer(async (request, response) => {
      const chunks: Buffer[] = []
      for await (const chunk of request) chunks.push(chunk as Buffer)
      const upstream = await fetch(new URL(request.url ?? '/', server.url), {
        method: request.method,
        headers: Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== 'host' && name !== 'connection') as Array<[string, string]>),
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      })
      const body = Buffer.from(await upstream.arrayBuffer())
      if (request.url?.endsWith('/complete') && dropped++ === 0) return void response.socket?.destroy()
      response.writeHead(upstream.status, {'content-type': upstream.headers.get('content-type') ?? 'application/json'})
      response.end(body)
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    try {
      const id = await submitJob(server, 'count me once', 'lossy')
      const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
      const miner = await startMiner({url, minerKey: server.minerKey}, new CommandBackend('cat'), {minerId: 'lossy-miner', models: ['lossy'], maxJobs: 1})
      const summary = await miner.done
      assert.equal(dropped, 2, 'the first answer was lost, and the miner asked again')
      assert.deepEqual({completed: summary.completed, dropped: summary.dropped, undelivered: summary.undelivered}, {completed: 1, dropped: 0, undelivered: 0})
      const job = await getJob(server, id)
      const [report] = jobEvents(miner.events)
      assert.equal(report.outcome, 'completed')
      assert.equal(report.receipt_id, job.receipt_id)
      const receipts = (await requestJson<Receipt[]>(server.url, '/v1/receipts?limit=100', {key: server.adminKey})).body
      assert.equal(receipts.filter((receipt) => receipt.job_id === id).length, 1)
      assert.equal(report.units, receipts[0].units)
    } finally {
      proxy.closeAllConnections()
      await new Promise((resolve) => proxy.close(resolve))
      await server.close()
    }
  })
})
