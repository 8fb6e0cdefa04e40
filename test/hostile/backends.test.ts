// A miner survives a hostile inference backend as it survives a hostile coordinator: an Ollama or
// OpenAI-compatible server that never answers, sends headers and then nothing, or drips its answer
// costs the job its --job-timeout (under forced garbage collections) and the miner carries on; one
// that answers without end is refused once it passes --backend-max-answer-mib, streamed or not (one
// streamed line without end too), so it cannot fill the miner's memory; a long error answer is cut, not
// lost; a redirect is not followed (the prompt and the bearer key go to the
// server named and nowhere else). `aitbc miner run --once` runs in-process against a real coordinator;
// the backends are small servers of the test's own that speak just enough of each protocol.
import assert from 'node:assert/strict'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {collectGarbage} from '../helpers/gc-pressure.js'
import {runCommand} from '../helpers/run-command.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {getJob, submitJob} from '../miner/worker-helpers.js'
import {type Behaviour, jsonAnswer, pour, startHostileServer} from './hostile-server.js'

type Kind = 'ollama' | 'openai'

/** The models call answers properly (the miner checks its backend before taking jobs); `generate` is the attack. */
function backend(kind: Kind, model: string, generate: Behaviour): (request: {path: string}) => Behaviour {
  return (request) => {
    if (request.path === '/api/tags') return jsonAnswer(200, {models: [{name: model}]})
    if (request.path === '/v1/models') return jsonAnswer(200, {object: 'list', data: [{id: model, object: 'model'}]})
    return generate
  }
}

const isGenerate = (kind: Kind, pathname: string) => (kind === 'ollama' ? /^\/api\/(generate|chat)$/ : /^\/v1\/chat\/completions$/).test(pathname)

/** What an endless answer repeats, after its opening, in each protocol and mode. */
function endless(kind: Kind, streamed: boolean): {head: string; piece: string} {
  const text = 'x'.repeat(1000)
  if (kind === 'ollama') return streamed ? {head: '', piece: `${JSON.stringify({response: text, done: false})}\n`} : {head: '{"response": "', piece: text}
  return streamed ? {head: '', piece: `data: ${JSON.stringify({choices: [{delta: {content: text}}]})}\n\n`} : {head: '{"choices": [{"message": {"content": "', piece: text}
}

let coordinator: TestServer
before(async () => {
  coordinator = await startTestServer()
})
after(() => coordinator.close())

let runs = 0

/** Submits a job for a model of its own, runs `miner run --once` on `kind` at `url`; the run and the job after it. */
async function mine(kind: Kind, model: string, url: string, flags: string[]) {
  const jobId = await submitJob(coordinator, 'tell me a story', model)
  const stateDir = mkdtempSync(path.join(tmpdir(), 'aitbc-hostile-backend-'))
  const started = performance.now()
  const run = await runCommand(['miner', 'run', '--once', '--miner-id', `hostile-${++runs}`, '--backend', kind, '--backend-url', url, '--model', model, '--state-dir', stateDir, ...flags], {
    env: {AITBC_URL: coordinator.url, AITBC_API_KEY: coordinator.minerKey},
  })
  const seconds = (performance.now() - started) / 1000
  return {run, seconds, job: await getJob(coordinator, jobId)}
}

describe('a backend that does not answer costs the job its --job-timeout, under garbage collection', {concurrency: 4}, () => {
  let stopCollecting: () => void
  before(() => void (stopCollecting = collectGarbage()))
  after(() => stopCollecting())

  for (const kind of ['ollama', 'openai'] as const) {
    for (const behaviour of ['silent', 'headers-only', 'drip'] as const) {
      for (const streamed of [false, true]) {
        it(`${kind}, ${streamed ? 'streamed' : 'not streamed'}, ${behaviour}: the job fails after 1 s and the miner exits 0`, {timeout: 60_000}, async () => {
          const model = `m-${kind}-${behaviour}-${streamed}`
          const server = await startHostileServer(backend(kind, model, behaviour))
          try {
            const {run, seconds, job} = await mine(kind, model, server.url, ['--job-timeout', '1', streamed ? '--stream' : '--no-stream'])
            assert.equal(run.code, 0, run.stderr)
            assert.match(job.error ?? '', /the backend did not finish within 1 s/)
            // Start-up (register, the models check) and delivery on a loaded machine, well under a hang.
            assert.ok(seconds < 15, `the miner took ${seconds} s`)
            assert.ok(server.seen.some((request) => isGenerate(kind, request.path)), 'the backend was never asked to generate')
          } finally {
            await server.close()
          }
        })
      }
    }
  }
})

describe('an endless answer is refused at --backend-max-answer-mib', {concurrency: 4}, () => {
  /** What a server without the limit would pour into the miner before it gave up. */
  const POURED = 100 * 1024 * 1024
  for (const kind of ['ollama', 'openai'] as const) {
    for (const streamed of [false, true]) {
      it(`${kind}, ${streamed ? 'streamed' : 'not streamed'}: refused past 1 MiB while it streams in, the job failed saying so`, async () => {
        const model = `big-${kind}-${streamed}`
        const written = {bytes: 0}
        const {head, piece} = endless(kind, streamed)
        const contentType = streamed ? (kind === 'ollama' ? 'application/x-ndjson' : 'text/event-stream') : 'application/json'
        const server = await startHostileServer(backend(kind, model, (_req, res) => void (res.writeHead(200, {'content-type': contentType}), pour(res, head, piece, POURED, written))))
        try {
          const {run, job} = await mine(kind, model, server.url, ['--backend-max-answer-mib', '1', '--job-timeout', '60', streamed ? '--stream' : '--no-stream'])
          assert.equal(run.code, 0, run.stderr)
          assert.match(job.error ?? '', /sent more than 1 MiB \(--backend-max-answer-mib raises the limit\)/)
          // Refused on the way in: what was written is the limit plus what the sockets held, not the lot.
          assert.ok(written.bytes < POURED / 2, `the backend wrote ${written.bytes} bytes before the miner stopped reading`)
        } finally {
          await server.close()
        }
      })
    }
  }

  for (const kind of ['ollama', 'openai'] as const) {
    it(`${kind}, streamed: one line without end is refused past 1 MiB too, naming the flag`, async () => {
      const model = `long-line-${kind}`
      const written = {bytes: 0}
      const head = kind === 'ollama' ? '{"response": "' : 'data: {"choices": [{"delta": {"content": "'
      const contentType = kind === 'ollama' ? 'application/x-ndjson' : 'text/event-stream'
      const server = await startHostileServer(backend(kind, model, (_req, res) => void (res.writeHead(200, {'content-type': contentType}), pour(res, head, 'x'.repeat(1000), POURED, written))))
      try {
        const {run, job} = await mine(kind, model, server.url, ['--backend-max-answer-mib', '1', '--job-timeout', '60', '--stream'])
        assert.equal(run.code, 0, run.stderr)
        assert.match(job.error ?? '', /sent more than 1 MiB \(--backend-max-answer-mib raises the limit\)/)
        assert.ok(written.bytes < POURED / 2, `the backend wrote ${written.bytes} bytes before the miner stopped reading`)
      } finally {
        await server.close()
      }
    })
  }

  it('a streamed request\'s error answer longer than the 64 KiB read of it is cut, not lost: the job\'s error has its start', async () => {
    const model = 'long-error'
    const server = await startHostileServer(backend('ollama', model, (_req, res) => void res.writeHead(500, {'content-type': 'text/plain'}).end(`model exploded: ${'x'.repeat(200_000)}`)))
    try {
      const {run, job} = await mine('ollama', model, server.url, ['--stream'])
      assert.equal(run.code, 0, run.stderr)
      assert.match(job.error ?? '', /answered 500: model exploded: x+/)
    } finally {
      await server.close()
    }
  })

  it('the command backend: output past the limit stops the command', async () => {
    const model = 'big-command'
    const jobId = await submitJob(coordinator, 'p', model)
    const stateDir = mkdtempSync(path.join(tmpdir(), 'aitbc-hostile-backend-'))
    const run = await runCommand(['miner', 'run', '--once', '--miner-id', 'hostile-command', '--command', 'yes', '--model', model, '--backend-max-answer-mib', '0.5', '--state-dir', stateDir], {
      env: {AITBC_URL: coordinator.url, AITBC_API_KEY: coordinator.minerKey},
    })
    assert.equal(run.code, 0, run.stderr)
    assert.match((await getJob(coordinator, jobId)).error ?? '', /the command sent more than 524288 bytes \(--backend-max-answer-mib raises the limit\)/)
  })

  it('miner doctor: a models list past the limit fails the backend check, naming the flag', async () => {
    const written = {bytes: 0}
    const server = await startHostileServer(() => (_req, res) => void (res.writeHead(200, {'content-type': 'application/json'}), pour(res, '{"models": [', '{"name": "m"},', POURED, written)))
    try {
      const result = await runCommand(['miner', 'doctor', '--miner-id', 'doc', '--backend', 'ollama', '--backend-url', server.url, '--backend-max-answer-mib', '1'], {
        env: {AITBC_URL: coordinator.url, AITBC_API_KEY: coordinator.minerKey},
      })
      assert.equal(result.code, 1, result.stdout)
      assert.match(result.stdout, /FAIL +backend +ollama at http:\/\/127\.0\.0\.1:\d+ sent more than 1 MiB \(--backend-max-answer-mib raises the limit\)/)
      assert.ok(written.bytes < POURED / 2, `the backend wrote ${written.bytes} bytes`)
    } finally {
      await server.close()
    }
  })
})

describe('a backend redirect is not followed', () => {
  it('openai with a bearer key: a 307 to another origin fails the job; the other origin never hears of it', async () => {
    const model = 'redirected'
    const elsewhere = await startHostileServer(() => jsonAnswer(200, {choices: [{message: {content: 'stolen'}}]}))
    const target = `${elsewhere.url}/v1/chat/completions`
    const server = await startHostileServer(backend('openai', model, (_req, res) => void res.writeHead(307, {location: target}).end()))
    try {
      const {run, job} = await mine('openai', model, server.url, ['--backend-api-key', 'sk-backend-secret', '--no-stream'])
      assert.equal(run.code, 0, run.stderr)
      assert.ok(job.error?.includes(`redirected to ${target} (HTTP 307); the miner follows no redirects`), job.error)
      assert.equal(elsewhere.seen.length, 0, 'the other origin was sent the job')
    } finally {
      await server.close()
      await elsewhere.close()
    }
  })
})
