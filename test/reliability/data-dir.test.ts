// The data directory under `aitbc serve`: every store file, truncated or corrupted, stops the start with
// a message naming it and the file left byte for byte as it was (each file and damage through the
// coordinator's start in this process, each damage once through the whole command, in this process too,
// for its exit code); a signing key others can read is refused with the chmod that fixes it (in this
// process; test/server/serve-cli.test.ts refuses one through the command); no file holds a
// raw API key, and every file is private to its owner.
import assert from 'node:assert/strict'
import {chmod, cp, mkdtemp, readFile, readdir, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {initDataDir} from '../../src/server/data-dir.js'
import {startServer} from '../../src/server/run-server.js'
import {STORE_FILES} from '../../src/server/store/lowdb-store.js'
import {requestJson} from '../helpers/server.js'
import {assertBuilt, refusedRun, startServe} from '../server/serve-process.js'

let root: string
/** A data directory with history in every file, written by a real `aitbc serve` and stopped cleanly. */
let pristine: string
let keys: {admin_key: string; client_key: string; miner_key: string}
let createdKey: string
let serveOutput: string
let n = 0

before(async () => {
  assertBuilt()
  root = await mkdtemp(path.join(tmpdir(), 'aitbc-datadir-'))
  pristine = path.join(root, 'pristine')
  // Made in this process (`serve init` through the binary is tested in test/server/serve-cli.test.ts):
  // a process start saved; the files are the same.
  keys = await initDataDir(pristine)
  const serve = await startServe(['--data-dir', pristine, '--port', '0', '--block-interval', '0.1'], 30_000)
  const call = (pathname: string, key: string, body?: unknown) => requestJson<Record<string, string>>(serve.url, pathname, {key, body})
  createdKey = (await call('/v1/admin/keys', keys.admin_key, {role: 'client', name: 'second-client'})).body.api_key
  await call('/v1/miners/register', keys.miner_key, {miner_id: 'rig', capabilities: ['llama3.2']})
  for (const prompt of ['one', 'two']) {
    const job = (await call('/v1/jobs', keys.client_key, {prompt})).body
    await call(`/v1/jobs/${job.job_id}/claim`, keys.miner_key, {miner_id: 'rig'})
    assert.equal((await requestJson(serve.url, `/v1/jobs/${job.job_id}/complete`, {key: keys.miner_key, body: {miner_id: 'rig', result: 'r'}})).status, 200)
  }
  await call('/v1/jobs', createdKey, {prompt: 'three'})
  serve.child.kill('SIGTERM')
  assert.equal(await serve.exited, 0, serve.stderr())
  serveOutput = serve.stdout() + serve.stderr()
})
after(() => root && rm(root, {recursive: true, force: true}))

async function copyOfPristine(): Promise<string> {
  const dir = path.join(root, `copy${n++}`)
  await cp(pristine, dir, {recursive: true})
  return dir
}

async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const names = await readdir(dir)
  return new Map(await Promise.all(names.map(async (name) => [name, await readFile(path.join(dir, name))] as const)))
}

/** Runs `aitbc serve` on `dir` (the whole command, in this process) and expects it to refuse: exit 1 without listening. Returns stderr. */
async function refusal(dir: string): Promise<string> {
  const run = await refusedRun(['serve', '--data-dir', dir, '--port', '0'])
  assert.equal(run.code, 1, run.stderr)
  return run.stderr
}

/** The coordinator's start (what `aitbc serve` runs) in this process must refuse `dir`; returns its message. */
async function refusalInProcess(dir: string): Promise<string> {
  let running
  try {
    running = await startServer({dataDir: dir, host: '127.0.0.1', port: 0, log: () => undefined})
  } catch (error) {
    return (error as Error).message
  }
  await running.close()
  return assert.fail(`the coordinator started on ${dir}`)
}

const DAMAGE: Record<string, (bytes: Buffer) => Buffer> = {
  'truncated to half': (bytes) => bytes.subarray(0, Math.floor(bytes.length / 2)),
  'cut by one byte': (bytes) => bytes.subarray(0, bytes.length - 1),
  // Same length: a line broken in two in the middle of the file.
  'corrupted in the middle': (bytes) => {
    const out = Buffer.from(bytes)
    out.write('\n\u0000#\n', Math.floor(bytes.length / 2), 'latin1')
    return out
  },
}

describe('a damaged store file stops `aitbc serve`, and nothing is changed', {concurrency: 4}, () => {
  for (const file of Object.values(STORE_FILES)) {
    for (const [what, damage] of Object.entries(DAMAGE)) {
      // The commit log's older lines are not data: only its end is read, so corruption in its middle is
      // harmless; and a last line cut short is what a crash while writing it leaves (torn-flush.test.ts).
      if (file === STORE_FILES.commits && what !== 'truncated to half') continue
      // Each damage once through the whole command (its exit code and stderr), every file through the start.
      const throughCommand = file === STORE_FILES.jobs
      it(`${file} ${what}${throughCommand ? ' (aitbc serve)' : ''}`, async () => {
        const dir = await copyOfPristine()
        const target = path.join(dir, file)
        await writeFile(target, damage(await readFile(target)))
        const before = await snapshot(dir)
        const stderr = throughCommand ? await refusal(dir) : await refusalInProcess(dir)
        assert.ok(stderr.includes(dir), `the message names the data: ${stderr}`)
        assert.match(stderr, /Nothing was changed|was not changed|truncated|changed or replaced/, stderr)
        assert.deepEqual(await snapshot(dir), before, 'every file is byte for byte as it was')
      })
    }
  }
})

describe('the signing key', {concurrency: true}, () => {
  for (const mode of [0o640, 0o604, 0o644, 0o660, 0o606]) {
    it(`mode ${mode.toString(8).padStart(4, '0')} is refused with the chmod that fixes it, which works`, async () => {
      const dir = await copyOfPristine()
      const keyFile = path.join(dir, 'signing-key.pem')
      await chmod(keyFile, mode)
      const message = await refusalInProcess(dir)
      assert.ok(message.endsWith(`run: chmod 600 ${keyFile}`), message)
      await chmod(keyFile, 0o600)
      const running = await startServer({dataDir: dir, host: '127.0.0.1', port: 0, log: () => undefined})
      await running.close()
    })
  }
})

describe('what the data directory holds', () => {
  it('no raw API key in any file, nor in what `aitbc serve` printed', async () => {
    const files = await snapshot(pristine)
    assert.ok(files.size >= Object.keys(STORE_FILES).length)
    for (const key of [keys.admin_key, keys.client_key, keys.miner_key, createdKey]) {
      const secret = key.replace(/^aitbc_/, '')
      for (const [name, bytes] of files) {
        assert.ok(!bytes.includes(secret), `${name} holds an API key`)
        assert.ok(!bytes.includes(Buffer.from(secret, 'base64url')), `${name} holds the bytes of an API key`)
      }
      assert.ok(!serveOutput.includes(secret), 'serve printed an API key')
    }
  })

  it('every file is private to its owner', async () => {
    for (const name of await readdir(pristine)) {
      const mode = (await stat(path.join(pristine, name))).mode & 0o777
      assert.equal(mode & 0o077, 0, `${name} has mode ${mode.toString(8)}`)
    }
    assert.equal((await stat(pristine)).mode & 0o077, 0)
  })
})
