// One writer per data directory (the lock in src/server/data-dir-lock.ts). A second `aitbc serve` or
// `serve init` on a directory in use refuses at once, naming the directory and the holder's pid, and
// writes nothing; a holder killed with SIGKILL leaves no lock behind; reading the files of a running
// coordinator (`aitbc receipts verify DIR/receipts.jsonl`) still works. The directories are made, and the
// coordinators that are not the point run, in this process.
import assert from 'node:assert/strict'
import {mkdtemp, readFile, readdir, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, it} from 'node:test'

import {initDataDir} from '../../src/server/data-dir.js'
import {startServer} from '../../src/server/run-server.js'
import {runCommand} from '../helpers/run-command.js'
import {requestJson, startTestServer} from '../helpers/server.js'
import {assertBuilt, refusedRun, startServe} from '../server/serve-process.js'

let root: string
before(async () => {
  assertBuilt()
  root = await mkdtemp(path.join(tmpdir(), 'aitbc-one-writer-'))
})
after(() => root && rm(root, {recursive: true, force: true}))

async function snapshot(dir: string): Promise<Map<string, string>> {
  const names = (await readdir(dir)).sort()
  return new Map(await Promise.all(names.map(async (name) => [name, (await readFile(path.join(dir, name))).toString('base64')] as const)))
}

async function initialised(name: string): Promise<{dir: string; keys: Record<string, string>}> {
  const dir = path.join(root, name)
  return {dir, keys: {...(await initDataDir(dir))}}
}

it('a second serve (and serve init) on a directory in use refuses at once, names the holder, writes nothing', async () => {
  const {dir, keys} = await initialised('busy')
  // No block sealing while the directory is compared: only the refused processes could change it.
  const first = await startServe(['--data-dir', dir, '--port', '0', '--block-interval', '3600'])
  try {
    const submitted = await requestJson<{job_id: string}>(first.url, '/v1/jobs', {key: keys.client_key, body: {prompt: 'held'}})
    assert.equal(submitted.status, 201)
    const before = await snapshot(dir)
    for (const args of [['serve', '--data-dir', dir, '--port', '0'], ['serve', 'init', '--data-dir', dir]]) {
      // In this process: the refusal is the command's; the holder is a real process, named by its pid.
      const second = await refusedRun(args)
      assert.equal(second.code, 1, `${args.join(' ')}: ${second.stderr}`)
      assert.match(second.stderr, new RegExp(`${dir.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is in use by process ${first.pid}\\b`))
    }
    assert.deepEqual(await snapshot(dir), before, 'the refused processes changed the data directory')
    // The first goes on as if nothing happened.
    assert.equal((await requestJson(first.url, `/v1/jobs/${submitted.body.job_id}`, {key: keys.client_key})).status, 200)
  } finally {
    first.signal('SIGTERM')
    await first.exited
  }
})

it('a coordinator killed with SIGKILL leaves no lock: the next start on its directory succeeds at once', async () => {
  const {dir, keys} = await initialised('killed')
  const first = await startServe(['--data-dir', dir, '--port', '0'])
  const submitted = await requestJson<{job_id: string}>(first.url, '/v1/jobs', {key: keys.client_key, body: {prompt: 'before the kill'}})
  assert.equal(submitted.status, 201)
  first.signal('SIGKILL')
  await first.exited
  const second = await startServer({dataDir: dir, host: '127.0.0.1', port: 0, log: () => undefined})
  try {
    const job = await requestJson<{prompt: string}>(second.url, `/v1/jobs/${submitted.body.job_id}`, {key: keys.client_key})
    assert.equal(job.body.prompt, 'before the kill')
  } finally {
    await second.close()
  }
})

it('the files of a running coordinator can still be read: receipts verify on its receipts.jsonl', async () => {
  const server = await startTestServer()
  try {
    const call = (pathname: string, key: string, body?: unknown) => server.request<Record<string, string>>(pathname, {key, body})
    await call('/v1/miners/register', server.minerKey, {miner_id: 'rig', capabilities: ['llama3.2']})
    const job = (await call('/v1/jobs', server.clientKey, {prompt: 'p'})).body
    await call(`/v1/jobs/${job.job_id}/claim`, server.minerKey, {miner_id: 'rig'})
    assert.equal((await call(`/v1/jobs/${job.job_id}/complete`, server.minerKey, {miner_id: 'rig', result: 'r'})).status, 200)
    const verify = await runCommand(['receipts', 'verify', path.join(server.dataDir, 'receipts.jsonl'), '--key', server.publicKey])
    assert.equal(verify.code, 0, verify.stdout + verify.stderr)
    assert.match(verify.stdout, /\bok\b/)
  } finally {
    await server.close()
  }
})
