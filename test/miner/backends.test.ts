import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {setTimeout as delay} from 'node:timers/promises'
import {after, before, describe, test} from 'node:test'

import {freePort} from '../helpers/ports.js'
import {BackendError, type GenerationRequest} from '../../src/miner/backends/backend.js'
import {CommandBackend} from '../../src/miner/backends/command.js'
import {OllamaBackend} from '../../src/miner/backends/ollama.js'
import {OpenAiBackend} from '../../src/miner/backends/openai.js'
import {echoGenerator, type FakeBackend, startFakeOllama, startFakeOpenAi} from '../helpers/fake-backends.js'

const params = {max_tokens: 64, temperature: 0.2, top_p: 0.8}
const request = (model: string, prompt = 'tell me a story'): GenerationRequest => ({jobId: 'job_1', model, prompt, params})
const never = () => new AbortController().signal

/** Text with characters of two, three and four UTF-8 bytes, for streams cut between any two bytes. */
const WIDE_TEXT = 'héllo wörld, € and 😀 then done'

/** Streams a generation from `fake` cut every 3 bytes; the pieces it gave, and what it returned. */
async function streamedCut(fake: FakeBackend, generate: (onText: (piece: string) => void) => Promise<{text: string; units?: number}>) {
  fake.splitBytes = 3
  fake.generator = () => ({text: WIDE_TEXT, tokens: 7})
  try {
    const pieces: string[] = []
    const generation = await generate((piece) => pieces.push(piece))
    assert.equal(generation.text, WIDE_TEXT)
    assert.equal(pieces.join(''), WIDE_TEXT, 'the streamed pieces add up to the text')
    assert.ok(pieces.length > 3, `${pieces.length} pieces`)
    assert.equal(generation.units, 7)
    assert.equal((fake.requests.at(-1)!.body as {stream?: boolean}).stream, true)
  } finally {
    fake.splitBytes = undefined
    fake.generator = echoGenerator
  }
}


/** Running, not a zombie waiting for its new parent to reap it. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  if (!existsSync('/proc')) return true
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z'
  } catch {
    return false
  }
}

describe('ollama backend', () => {
  let fake: FakeBackend
  before(async () => (fake = await startFakeOllama(['llama3.2:latest', 'mistral:7b'])))
  after(() => fake.close())

  test('lists the models from /api/tags, with "llama3.2" for "llama3.2:latest"', async () => {
    const models = await new OllamaBackend(fake.url).listModels()
    assert.deepEqual(models.sort(), ['llama3.2', 'llama3.2:latest', 'mistral:7b'])
  })

  test('generates with POST /api/generate, stream false and the job params as options; units from eval_count', async () => {
    fake.requests.length = 0
    const result = await new OllamaBackend(`${fake.url}/`).generate(request('llama3.2'), never())
    assert.equal(result.text, 'llama3.2 says: tell me a story')
    assert.equal(result.units, 6)
    const sent = fake.requests.at(-1)!
    assert.equal(sent.path, '/api/generate')
    assert.deepEqual(sent.body, {model: 'llama3.2', prompt: 'tell me a story', stream: false, options: {num_predict: 64, temperature: 0.2, top_p: 0.8}})
  })

  test('a model it does not have is a failed job with Ollama\'s message', async () => {
    await assert.rejects(new OllamaBackend(fake.url).generate(request('phi3'), never()), (error: unknown) => {
      assert.ok(error instanceof BackendError)
      assert.equal(error.kind, 'failed')
      assert.match(error.message, /answered 404: model "phi3" not found/)
      return true
    })
  })

  test('streams /api/generate and /api/chat as NDJSON, read right however the bytes arrive (lines and characters cut)', async () => {
    const backend = new OllamaBackend(fake.url)
    await streamedCut(fake, (onText) => backend.generate({...request('llama3.2'), onText}, never()))
    await streamedCut(fake, (onText) => backend.generate({...request('llama3.2'), messages: [{role: 'user', content: 'hi'}], onText}, never()))
    assert.equal(fake.requests.at(-1)!.path, '/api/chat')
  })

  test('a server that is not there is unavailable', async () => {
    const url = `http://127.0.0.1:${await freePort()}`
    await assert.rejects(new OllamaBackend(url).listModels(), (error: unknown) => {
      assert.ok(error instanceof BackendError)
      assert.equal(error.kind, 'unavailable')
      assert.match(error.message, new RegExp(`ollama at ${url} did not answer: ECONNREFUSED`))
      return true
    })
  })
})

describe('openai backend', () => {
  let fake: FakeBackend
  before(async () => (fake = await startFakeOpenAi(['qwen2.5-7b-instruct'], {apiKey: 'sk-local'})))
  after(() => fake.close())

  test('lists the models from /v1/models, sending the bearer key; the URL may end in /v1', async () => {
    assert.deepEqual(await new OpenAiBackend(`${fake.url}/v1`, 'sk-local').listModels(), ['qwen2.5-7b-instruct'])
    assert.equal(fake.requests.at(-1)!.headers.authorization, 'Bearer sk-local')
  })

  test('generates with POST /v1/chat/completions and the job params; units from usage.completion_tokens', async () => {
    const result = await new OpenAiBackend(fake.url, 'sk-local').generate(request('qwen2.5-7b-instruct', 'hi there'), never())
    assert.equal(result.text, 'qwen2.5-7b-instruct says: hi there')
    assert.equal(result.units, 4)
    const sent = fake.requests.at(-1)!
    assert.equal(sent.path, '/v1/chat/completions')
    assert.deepEqual(sent.body, {
      model: 'qwen2.5-7b-instruct',
      messages: [{role: 'user', content: 'hi there'}],
      max_tokens: 64,
      temperature: 0.2,
      top_p: 0.8,
      stream: false,
    })
  })

  test("a wrong key is a failed call with the server's message", async () => {
    await assert.rejects(new OpenAiBackend(fake.url, 'wrong').listModels(), /answered 401: Incorrect API key provided/)
  })

  test('streams /v1/chat/completions as Server-Sent Events, read right however the bytes arrive (events and characters cut)', async () => {
    const backend = new OpenAiBackend(fake.url, 'sk-local')
    await streamedCut(fake, (onText) => backend.generate({...request('qwen2.5-7b-instruct'), onText}, never()))
  })

  test('an unknown model is a failed job', async () => {
    await assert.rejects(new OpenAiBackend(fake.url, 'sk-local').generate(request('gpt-9'), never()), (error: unknown) => {
      assert.ok(error instanceof BackendError && error.kind === 'failed')
      assert.match(error.message, /The model `gpt-9` does not exist/)
      return true
    })
  })
})

describe('command backend', () => {
  test('gets the prompt on stdin and the job in AITBC_* variables; stdout is the result', async () => {
    const previous = process.env.AITBC_API_KEY
    process.env.AITBC_API_KEY = 'secret-miner-key'
    try {
      const script = 'read -r line; printf "%s|%s|%s|%s|%s|%s|%s" "$line" "$AITBC_JOB_ID" "$AITBC_MODEL" "$AITBC_MAX_TOKENS" "$AITBC_TEMPERATURE" "$AITBC_TOP_P" "${AITBC_API_KEY:-none}"'
      const result = await new CommandBackend(script).generate(request('demo', 'one line'), never())
      assert.equal(result.text, 'one line|job_1|demo|64|0.2|0.8|none')
      assert.equal(result.units, undefined)
    } finally {
      if (previous === undefined) delete process.env.AITBC_API_KEY
      else process.env.AITBC_API_KEY = previous
    }
  })

  test('keeps stdout byte for byte, multi-byte characters included', async () => {
    const result = await new CommandBackend('cat').generate(request('demo', 'héllo wörld ✓\n\n'), never())
    assert.equal(result.text, 'héllo wörld ✓\n\n')
  })

  test('a non-zero exit is a failed job that says why', async () => {
    await assert.rejects(new CommandBackend('echo "model exploded" >&2; exit 3').generate(request('demo'), never()), (error: unknown) => {
      assert.ok(error instanceof BackendError && error.kind === 'failed')
      assert.equal(error.message, 'the command exited with code 3: model exploded')
      return true
    })
  })

  test('a command that ignores its stdin still works', async () => {
    const result = await new CommandBackend('echo fixed').generate(request('demo', 'x'.repeat(1_000_000)), never())
    assert.equal(result.text, 'fixed\n')
  })

  test('aborting kills the whole process group, children included', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aitbc-cmd-'))
    const pidFile = path.join(dir, 'child.pid')
    const controller = new AbortController()
    const running = new CommandBackend(`sleep 30 & echo $! > ${pidFile}; wait`).generate(request('demo'), controller.signal)
    let pid = 0
    for (let i = 0; i < 200 && !pid; i++) {
      await delay(10)
      pid = Number(readFileSync(pidFile, {encoding: 'utf8', flag: 'a+'}).trim())
    }
    assert.ok(pid > 0, 'the command started its child')
    controller.abort(new Error('stop now'))
    await assert.rejects(running, /stop now/)
    let alive = isRunning(pid)
    for (let i = 0; i < 200 && alive; i++) {
      await delay(10)
      alive = isRunning(pid)
    }
    assert.equal(alive, false, 'the sleep started by the command is gone')
  })
  test('checking that a command is found again: a test prompt still running after --probe-timeout counts as found', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aitbc-cmd-'))
    const fixed = path.join(dir, 'fixed')
    // Missing until `fixed` exists; then a model that takes its time.
    const backend = new CommandBackend(`if [ -f ${fixed} ]; then sleep 30; else missing-model-binary-limits; fi`, {probeTimeoutMs: 200})
    await assert.rejects(backend.generate(request('demo'), never()), (error: unknown) => error instanceof BackendError && error.kind === 'unavailable')
    writeFileSync(fixed, '')
    const started = performance.now()
    await backend.check(never())
    const seconds = (performance.now() - started) / 1000
    // 0.2 s and the shell's start, not the default 30 s.
    assert.ok(seconds < 5, `the check took ${seconds} s`)
  })
})
