// `aitbc miner doctor`: each check fails with its own message and fix, one test each; all pass -> 0.
import assert from 'node:assert/strict'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'

import {runCli as runBuiltCli} from '../helpers/cli.js'
import {runCommand as runCli} from '../helpers/run-command.js'
import {type FakeBackend, startFakeOllama} from '../helpers/fake-backends.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {freePort} from '../helpers/ports.js'

const CLOCK_OFFSET = path.join(path.dirname(fileURLToPath(import.meta.url)), 'clock-offset.mjs')

describe('aitbc miner doctor', () => {
  let server: TestServer
  let ollama: FakeBackend
  let env: Record<string, string>
  before(async () => {
    server = await startTestServer()
    ollama = await startFakeOllama(['llama3.2:latest'])
    env = {AITBC_URL: server.url, AITBC_API_KEY: server.minerKey, AITBC_BACKEND_URL: ollama.url}
  })
  after(async () => {
    await ollama.close()
    await server.close()
  })

  const doctor = (args: string[], extraEnv: Record<string, string> = {}) =>
    runCli(['miner', 'doctor', '--miner-id', 'doc-1', '--model', 'llama3.2', ...args], {env: {...env, ...extraEnv}})

  const line = (stdout: string, check: string) => stdout.split('\n').find((text) => text.slice(6).startsWith(check)) ?? ''

  test('everything in order: five ok lines, exit 0; --json says so too', async () => {
    const result = await doctor([])
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.deepEqual(result.stdout.trim().split('\n').map((text) => text.slice(0, 4)), ['ok  ', 'ok  ', 'ok  ', 'ok  ', 'ok  '])
    const json = await doctor(['--json'])
    assert.equal(json.code, 0)
    const document = JSON.parse(json.stdout) as {ok: boolean; checks: Array<{check: string; status: string}>}
    assert.equal(document.ok, true)
    assert.deepEqual(document.checks.map((check) => check.check), ['coordinator', 'miner key', 'backend', 'models', 'clock'])
  })

  test('backend: a model listed with its tag alias counts once', async () => {
    const two = await startFakeOllama(['llama3.2:latest', 'qwen2.5:7b'])
    try {
      const result = await doctor(['--backend-url', two.url])
      assert.equal(line(result.stdout, 'backend'), `ok    backend      ollama at ${two.url} answers and lists 2 models`)
    } finally {
      await two.close()
    }
  })

  test('coordinator: not answering', async () => {
    const result = await doctor(['--url', `http://127.0.0.1:${await freePort()}`])
    assert.equal(result.code, 1)
    assert.match(line(result.stdout, 'coordinator'), /^FAIL {2}coordinator {2}cannot reach the coordinator at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED$/)
    assert.match(result.stdout, /fix: Start it \(`aitbc serve`\), or pass its address with --url/)
    assert.match(line(result.stdout, 'miner key'), /^skip {2}miner key {4}not checked: the coordinator did not answer/)
  })

  test('miner key: a client key lacks the miner role', async () => {
    const result = await doctor([], {AITBC_API_KEY: server.clientKey})
    assert.equal(result.code, 1)
    assert.match(line(result.stdout, 'miner key'), /^FAIL {2}miner key {4}the key may not act as miner doc-1: .*miner key/)
    assert.match(result.stdout, /fix: Use a miner key \(`aitbc admin keys create --role miner --name NAME`\)/)
  })

  test('backend: Ollama not answering', async () => {
    const url = `http://127.0.0.1:${await freePort()}`
    const result = await doctor(['--backend-url', url])
    assert.equal(result.code, 1)
    assert.equal(line(result.stdout, 'backend'), `FAIL  backend      ollama at ${url} did not answer: ECONNREFUSED`)
    assert.match(result.stdout, /fix: Start Ollama \(`ollama serve`\), or point --backend-url at it\./)
    assert.match(line(result.stdout, 'models'), /^skip/)
  })

  test('models: one the backend does not have', async () => {
    const result = await doctor(['--model', 'mistral'])
    assert.equal(result.code, 1)
    assert.equal(line(result.stdout, 'models'), `FAIL  models       ollama at ${ollama.url} does not serve mistral (it serves llama3.2:latest, llama3.2)`)
    assert.match(result.stdout, /fix: Pull it: `ollama pull mistral`/)
  })

  test("clock: this machine's clock ten minutes ahead", async () => {
    // A process of its own: its clock is moved by a module loaded before it starts.
    const clockEnv = {...env, NODE_OPTIONS: `--import=${CLOCK_OFFSET}`, AITBC_TEST_CLOCK_OFFSET_MS: String(10 * 60_000)}
    const result = await runBuiltCli(['miner', 'doctor', '--miner-id', 'doc-1', '--model', 'llama3.2'], {env: clockEnv})
    assert.equal(result.code, 1)
    assert.match(line(result.stdout, 'clock'), /^FAIL {2}clock {8}this machine's clock is (599|600|601) s ahead of the coordinator's$/)
    assert.match(result.stdout, /fix: Synchronise it with NTP/)
  })

  test('a command backend is probed with a test prompt', async () => {
    const failing = await runCli(['miner', 'doctor', '--command', 'exit 7', '--model', 'demo'], {env})
    assert.equal(failing.code, 1)
    assert.equal(line(failing.stdout, 'backend'), 'FAIL  backend      `exit 7` failed a test prompt: the command exited with code 7')
    const working = await runCli(['miner', 'doctor', '--command', 'node demo/echo-model.js', '--model', 'demo-echo'], {env})
    assert.equal(working.code, 0, working.stdout)
  })
})
