// A job's time limit fires whatever the garbage collector does. The miner used to combine its signals
// with AbortSignal.any, which on Node 20 stops firing once garbage collection has run (issue 15): a
// job on a hung backend then ran past --job-timeout for as long as the backend took. Run on the real
// binary with a full collection every 50 ms.
import assert from 'node:assert/strict'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {GC_PRESSURE_NODE_OPTIONS} from '../hostile/hostile-server.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {startCli} from './cli-process.js'
import {getJob, submitJob} from './worker-helpers.js'

let server: TestServer

before(async () => {
  server = await startTestServer()
})

after(() => server.close())

test('--job-timeout ends a job whose command hangs, under garbage collection', async () => {
  const id = await submitJob(server, 'hang please', 'm')
  const stateDir = mkdtempSync(path.join(tmpdir(), 'aitbc-gc-'))
  const miner = startCli(
    ['miner', 'run', '--once', '--miner-id', 'gc-miner', '--command', 'sleep 40', '--model', 'm', '--job-timeout', '1', '--state-dir', stateDir],
    {AITBC_URL: server.url, AITBC_API_KEY: server.minerKey, NODE_OPTIONS: GC_PRESSURE_NODE_OPTIONS},
    30_000,
  )
  const started = performance.now()
  assert.equal(await miner.exited, 0, miner.stderr())
  const seconds = (performance.now() - started) / 1000
  assert.ok(seconds < 20, `the miner took ${seconds} s; the job's 1 s limit did not fire`)
  assert.match(miner.stderr(), /did not finish within 1 s/)
  const job = await getJob(server, id)
  assert.match(job.error ?? '', /did not finish within 1 s/)
})
