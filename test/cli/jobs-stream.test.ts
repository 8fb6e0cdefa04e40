// `jobs submit --wait` and `jobs watch --stream` print a job's output as the miner generates it (on a
// terminal by default, in a pipe only when asked), and stdout still ends with exactly the result.
import assert from 'node:assert/strict'
import {after, afterEach, before, describe, test} from 'node:test'

import {OllamaBackend} from '../../src/miner/backends/ollama.js'
import {type FakeBackend, startFakeOllama} from '../helpers/fake-backends.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {getJob, type RunningMiner, startMiner, submitJob, until} from '../miner/worker-helpers.js'
import {aitbc, startAitbc} from './aitbc.js'

let server: TestServer
let ollama: FakeBackend
let miner: RunningMiner
/** Holds the fake's stream after its first token until the test lets it go. */
let release: () => void = () => undefined

before(async () => {
  server = await startTestServer()
  ollama = await startFakeOllama(['llama3.2:latest'])
  miner = await startMiner(server, new OllamaBackend(ollama.url), {models: ['llama3.2'], stream: {intervalMs: 20, maxBytes: 65536}})
})

afterEach(() => {
  release()
  ollama.pace = undefined
})

after(async () => {
  miner.worker.stop()
  await miner.done
  await ollama.close()
  await server.close()
})

function holdAfterFirstToken(): void {
  const held = new Promise<void>((resolve) => (release = resolve))
  ollama.pace = (index) => (index === 1 ? held : Promise.resolve())
}

const env = () => ({AITBC_URL: server.url, AITBC_API_KEY: server.clientKey})

describe('jobs submit --wait', () => {
  test('on a terminal, tokens appear while the job runs, and the result ends with one newline', async () => {
    holdAfterFirstToken()
    const run = startAitbc(['jobs', 'submit', '--wait', 'count to three'], {env: env(), tty: {stdout: true}})
    await run.waitFor(/llama3\.2/)
    const id = (await run.waitFor(/Submitted (job_\S+);/, 'stderr'))[1]
    assert.equal((await getJob(server, id)).status, 'running', 'output was shown before the job ended')
    release()
    const result = await run.result
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, 'llama3.2 says: count to three\n')
  })

  test('in a pipe without --stream, stdout is exactly the result, byte for byte', async () => {
    const result = await aitbc(['jobs', 'submit', '--wait', 'pipe me'], {env: env()})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, 'llama3.2 says: pipe me')
  })

  test('in a pipe with --stream, the output comes as it is generated and adds up to exactly the result', async () => {
    holdAfterFirstToken()
    const run = startAitbc(['jobs', 'submit', '--wait', '--stream', 'stream to a pipe'], {env: env()})
    await run.waitFor(/^llama3\.2/)
    assert.equal(run.ended(), false)
    release()
    const result = await run.result
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, 'llama3.2 says: stream to a pipe')
  })
})

describe('jobs watch --stream', () => {
  test('a late follower gets what was generated so far, then the rest, then exactly the result', async () => {
    holdAfterFirstToken()
    const id = await submitJob(server, 'watch this later', 'llama3.2')
    // The first token has reached the coordinator before the watcher starts (the fake holds the rest).
    await until('the first token at the coordinator', () => server.app.streams.read(id, 0, 100) === 'llama3.2')
    const run = startAitbc(['jobs', 'watch', '--stream', id], {env: env()})
    // What was generated before it followed, and no more (the fake still holds the rest).
    await until('the watcher to print the first token', () => run.stdout() === 'llama3.2' || run.ended())
    assert.equal(run.stdout(), 'llama3.2')
    release()
    const result = await run.result
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, 'llama3.2 says: watch this later')
    assert.match(result.stderr, /completed/)
  })
})
