// A job's time limit fires whatever the garbage collector does. The miner used to combine its signals
// with AbortSignal.any, which on Node 20 stops firing once garbage collection has run (issue 15): a
// job on a hung backend then ran past --job-timeout for as long as the backend took. `aitbc miner run`
// runs in-process with full collections 250 ms apart.
import assert from 'node:assert/strict'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {collectGarbage} from '../helpers/gc-pressure.js'
import {runCommand} from '../helpers/run-command.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {getJob, submitJob} from './worker-helpers.js'

let server: TestServer

before(async () => {
  server = await startTestServer()
})

after(() => server.close())

test('--job-timeout ends a job whose command hangs, under garbage collection', async (t) => {
  t.after(collectGarbage())
  const id = await submitJob(server, 'hang please', 'm')
  const stateDir = mkdtempSync(path.join(tmpdir(), 'aitbc-gc-'))
  const started = performance.now()
  const miner = await runCommand(['miner', 'run', '--once', '--miner-id', 'gc-miner', '--command', 'sleep 40', '--model', 'm', '--job-timeout', '1', '--state-dir', stateDir], {
    env: {AITBC_URL: server.url, AITBC_API_KEY: server.minerKey},
  })
  const seconds = (performance.now() - started) / 1000
  assert.equal(miner.code, 0, miner.stderr)
  assert.ok(seconds < 20, `the miner took ${seconds} s; the job's 1 s limit did not fire`)
  assert.match(miner.stderr, /did not finish within 1 s/)
  const job = await getJob(server, id)
  assert.match(job.error ?? '', /did not finish within 1 s/)
})
