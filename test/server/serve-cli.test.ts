// `aitbc serve init` and `aitbc serve`: the commands in this process where only their output, exit code
// and files are checked (runCommand: oclif's parsing and the base command's error path, as the binary's),
// and the built CLI in a child process where the process is the point: a coordinator other code talks
// to, signals, and the modes of the files the real binary makes under its own umask. The data
// directories the `serve` tests start from are made in-process (initDataDir, what `serve init` runs).
// Bad flag values: test/server/serve-start.test.ts.
import assert from 'node:assert/strict'
import {chmod, mkdtemp, readFile, readdir, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {REPO_ROOT} from '../helpers/cli.js'
import {runCommand} from '../helpers/run-command.js'
import {requestJson} from '../helpers/server.js'
import {initDataDir, keepNewFilesPrivate} from '../../src/server/data-dir.js'
import {SIGNING_KEY_FILE} from '../../src/server/signing-key.js'
import {STORE_FILES} from '../../src/server/store/lowdb-store.js'
import {assertBuilt, refusedRun, startServe} from './serve-process.js'

let root: string
let n = 0
const newDir = () => path.join(root, `dir${n++}`)

before(async () => {
  assertBuilt()
  root = await mkdtemp(path.join(tmpdir(), 'aitbc-serve-'))
})
after(() => rm(root, {recursive: true, force: true}))

const init = (dir: string) => initDataDir(dir)
const mode = async (file: string) => (await stat(file)).mode & 0o777

describe('aitbc serve init', {concurrency: true}, () => {
  it('--json prints exactly one object with the keys; the signing key is 0600', async () => {
    const dir = newDir()
    const run = await runCommand(['serve', 'init', '--data-dir', dir, '--json'])
    assert.equal(run.code, 0, run.stderr)
    const result = JSON.parse(run.stdout.trim())
    for (const field of ['admin_key', 'client_key', 'miner_key']) assert.match(result[field], /^aitbc_/)
    assert.match(result.key_id, /^[A-Za-z0-9_-]{43}$/)
    assert.match(result.public_key, /^[0-9a-f]{64}$/)
    assert.equal(await mode(path.join(dir, SIGNING_KEY_FILE)), 0o600)
    // The keys are stored hashed only.
    const stored = (await Promise.all((await readdir(dir)).map((name) => readFile(path.join(dir, name), 'utf8')))).join('\n')
    assert.ok(!stored.includes(result.admin_key) && !stored.includes(result.client_key))
  })

  it('prints the keys for people, and refuses an initialised directory without touching it', async () => {
    const dir = newDir()
    const first = await runCommand(['serve', 'init', '--data-dir', dir])
    assert.equal(first.code, 0, first.stderr)
    assert.match(first.stdout, /admin\s+aitbc_/)
    assert.match(first.stdout, /shown once/)
    const before = await readFile(path.join(dir, 'coordinator.json'), 'utf8')
    const again = await runCommand(['serve', 'init', '--data-dir', dir])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /already initialised/)
    assert.equal(await readFile(path.join(dir, 'coordinator.json'), 'utf8'), before)
  })
})

describe('a run leaves its process as it found it: umask and signal handlers', () => {
  const SIGNALS = ['SIGINT', 'SIGTERM'] as const
  /** Runs `run` under a umask of its own and returns what was left: the umask and the handlers added or removed. */
  async function leftBehind(run: () => Promise<void>): Promise<{umask: string; handlers: number[]}> {
    const handlers = SIGNALS.map((signal) => process.listeners(signal).length)
    const umask = process.umask(0o027)
    let after: number
    try {
      await run()
    } finally {
      after = process.umask(umask)
    }
    return {umask: after.toString(8), handlers: SIGNALS.map((signal, i) => process.listeners(signal).length - handlers[i])}
  }
  const asFound = {umask: '27', handlers: [0, 0]}

  it('serve init, after success and after a refusal', async () => {
    const dir = newDir()
    assert.deepEqual(await leftBehind(async () => assert.equal((await runCommand(['serve', 'init', '--data-dir', dir])).code, 0)), asFound)
    assert.deepEqual(await leftBehind(async () => assert.equal((await runCommand(['serve', 'init', '--data-dir', dir])).code, 1)), asFound)
  })

  it('runs that overlap (tests run commands at once): the umask comes back once the last is out, whatever the order', async () => {
    for (const order of [[0, 1], [1, 0]]) {
      assert.deepEqual(
        await leftBehind(async () => {
          const restore = [keepNewFilesPrivate(), keepNewFilesPrivate()]
          for (const i of order) restore[i]()
        }),
        asFound,
      )
    }
  })

  it('serve, after a refusal and after a stop by SIGTERM', async () => {
    const dir = newDir()
    await init(dir)
    await chmod(path.join(dir, SIGNING_KEY_FILE), 0o640)
    assert.deepEqual(await leftBehind(async () => assert.equal((await refusedRun(['serve', '--data-dir', dir, '--port', '0'])).code, 1)), asFound)
    await chmod(path.join(dir, SIGNING_KEY_FILE), 0o600)
    assert.deepEqual(
      await leftBehind(async () => {
        let listening!: () => void
        const started = new Promise<void>((resolve) => (listening = resolve))
        const running = runCommand(['serve', '--data-dir', dir, '--port', '0'], {onOutput: (stream, text) => text.startsWith('listening on') && listening()})
        await Promise.race([started, running])
        // The signal goes to this process: only while serve's own handler is there to take it.
        assert.ok(process.listeners('SIGTERM').length > 0, 'serve handles SIGTERM while it runs')
        process.kill(process.pid, 'SIGTERM')
        const result = await running
        assert.equal(result.code, 0, result.stderr)
        assert.match(result.stderr, /SIGTERM: finishing requests/)
      }),
      asFound,
    )
  })
})

describe('aitbc serve', {concurrency: true}, () => {
  it('initialises a new directory, prints "listening on" first, serves, and exits 0 on SIGTERM', async () => {
    const dir = newDir()
    const serve = await startServe(['--data-dir', dir, '--port', '0', '--block-interval', '0.2'])
    const lines = serve.stdout().split('\n')
    assert.match(lines[0], /^listening on http:\/\/127\.0\.0\.1:\d+$/)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const clientKey = /client\s+(aitbc_\S+)/.exec(serve.stdout())?.[1]
    assert.ok(clientKey, serve.stdout())
    assert.deepEqual((await requestJson(serve.url, '/health')).body, {status: 'ok', version: (await packageVersion())})
    const job = await requestJson<{job_id: string}>(serve.url, '/v1/jobs', {key: clientKey, body: {prompt: 'hi'}})
    assert.equal(job.status, 201)
    serve.child.kill('SIGTERM')
    assert.equal(await serve.exited, 0)
    // What the real binary made and wrote under its own umask is private (the one check of it end to end).
    for (const name of [SIGNING_KEY_FILE, ...Object.values(STORE_FILES)]) assert.equal(await mode(path.join(dir, name)), 0o600, name)
    // Started again on the same directory: no keys printed, the job is there.
    const again = await startServe(['--data-dir', dir, '--port', '0'])
    try {
      assert.doesNotMatch(again.stdout(), /aitbc_/)
      assert.equal((await requestJson(again.url, `/v1/jobs/${job.body.job_id}`, {key: clientKey})).status, 200)
    } finally {
      again.child.kill('SIGINT')
      assert.equal(await again.exited, 0)
    }
  })

  it('a 2xx write survives SIGKILL right after the response', async () => {
    const dir = newDir()
    const keys = await init(dir)
    const serve = await startServe(['--data-dir', dir, '--port', '0'])
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      ids.push((await requestJson<{job_id: string}>(serve.url, '/v1/jobs', {key: keys.client_key, body: {prompt: `p${i}`}})).body.job_id)
    }
    serve.child.kill('SIGKILL')
    await serve.exited
    const again = await startServe(['--data-dir', dir, '--port', '0'])
    try {
      const listed = (await requestJson<{job_id: string}[]>(again.url, '/v1/jobs', {key: keys.client_key})).body.map((job) => job.job_id)
      assert.deepEqual(listed, ids.reverse())
    } finally {
      again.child.kill('SIGTERM')
      await again.exited
    }
  })

  it('SIGTERM answers a waiting long poll and still exits 0', async () => {
    const dir = newDir()
    const keys = await init(dir)
    const serve = await startServe(['--data-dir', dir, '--port', '0'])
    await requestJson(serve.url, '/v1/miners/register', {key: keys.miner_key, body: {miner_id: 'm', capabilities: ['x']}})
    const poll = requestJson(serve.url, '/v1/jobs/available?miner_id=m&wait=30', {key: keys.miner_key})
    await new Promise((resolve) => setTimeout(resolve, 200))
    const started = Date.now()
    serve.child.kill('SIGTERM')
    assert.equal((await poll).body, null)
    assert.equal(await serve.exited, 0)
    assert.ok(Date.now() - started < 5000)
  })
})

describe('aitbc serve refuses', {concurrency: true}, () => {
  it('refuses corrupt data with a message naming the file, and changes nothing', async () => {
    const dir = newDir()
    await init(dir)
    const jobs = path.join(dir, 'jobs.jsonl')
    await writeFile(jobs, '{"job_id": "job_1", "status": "pending"}\n{broken\n')
    const before = await readFile(jobs, 'utf8')
    const run = await refusedRun(['serve', '--data-dir', dir, '--port', '0'])
    assert.equal(run.code, 1)
    // Bytes the commit log does not account for are refused before any line is read (commit-log.ts).
    assert.match(run.stderr, /jobs\.jsonl is 49 bytes, more than the 0 bytes commits\.jsonl accounts for/)
    assert.doesNotMatch(run.stdout, /listening/)
    assert.equal(await readFile(jobs, 'utf8'), before)
  })

  it('refuses a signing key readable by others, naming the chmod to run', async () => {
    const dir = newDir()
    await init(dir)
    const keyFile = path.join(dir, 'signing-key.pem')
    await chmod(keyFile, 0o640)
    const run = await refusedRun(['serve', '--data-dir', dir, '--port', '0'])
    assert.equal(run.code, 1)
    assert.ok(run.stderr.includes(`run: chmod 600 ${keyFile}\n`), run.stderr)
  })
})

async function packageVersion(): Promise<string> {
  return JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')).version
}
