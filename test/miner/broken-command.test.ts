// A miner whose command backend is broken must not fail the queue: a command that does not exist stops
// it at start, and one that stops being found pauses it until a test prompt runs again.
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {setTimeout as delay} from 'node:timers/promises'
import {after, before, describe, test} from 'node:test'

import {CommandBackend} from '../../src/miner/backends/command.js'
import {runCli} from '../helpers/cli.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {getJob, jobEvents, startMiner, submitJob, until} from './worker-helpers.js'

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'aitbc-broken-'))

describe('a broken command backend', () => {
  let server: TestServer
  before(async () => (server = await startTestServer()))
  after(() => server.close())

  test('a command that is not installed: the miner refuses to start (exit 2) and no queued job is touched', async () => {
    const ids = [await submitJob(server, 'a', 'typo-model'), await submitJob(server, 'b', 'typo-model'), await submitJob(server, 'c', 'typo-model')]
    const args = ['miner', 'run', '--miner-id', 'typo-miner', '--command', 'ollamaa-not-installed run llama3.2', '--model', 'typo-model', '--state-dir', tempDir()]
    const result = await runCli(args, {env: {AITBC_URL: server.url, AITBC_API_KEY: server.minerKey}, timeoutMs: 20_000})
    assert.equal(result.code, 2, result.stderr)
    assert.match(result.stderr, /the command ollamaa-not-installed was not found/)
    for (const id of ids) {
      const job = await getJob(server, id)
      assert.equal(job.status, 'pending')
      assert.equal(job.attempts, 0)
    }
  })

  test('a script that is not executable is caught at start too', async () => {
    const script = path.join(tempDir(), 'model.sh')
    writeFileSync(script, '#!/bin/sh\ncat\n', {mode: 0o600})
    const miner = await startMiner(server, new CommandBackend(`${script} --fast`), {minerId: 'noexec-miner', models: ['noexec-model']})
    await assert.rejects(miner.done, /model\.sh is not executable/)
  })

  test('a command that stops being found: one job fails (back in the queue, for another miner), the miner pauses, and works again once it runs', async () => {
    const dir = tempDir()
    const fixed = path.join(dir, 'fixed')
    // `if` is shell syntax, so the start-up check passes; the inner command is missing until `fixed` exists.
    const command = `if [ -f ${fixed} ]; then cat; else missing-model-binary-i17; fi`
    const ids = [await submitJob(server, 'one', 'pause-model'), await submitJob(server, 'two', 'pause-model'), await submitJob(server, 'three', 'pause-model')]
    const miner = await startMiner(server, new CommandBackend(command), {minerId: 'pause-miner', models: ['pause-model'], maxJobs: 4})
    try {
      await until('the backend warning', () => miner.events.some((event) => event.type === 'warning' && /taking no jobs until it answers/.test(event.message)))
      // Several probe rounds at the test's fast backoff; none may take a job.
      await delay(600)
      const jobs = await Promise.all(ids.map((id) => getJob(server, id)))
      assert.deepEqual(jobs.map((job) => job.status), ['pending', 'pending', 'pending'], 'no job failed for good')
      assert.equal(jobs.reduce((sum, job) => sum + job.attempts, 0), 1, 'one claim, then the miner paused')
      assert.match(jobEvents(miner.events)[0].error ?? '', /exited with code 127 \(a command it runs was not found\)/)
      const failedOnce = ids.filter((_, i) => jobs[i].attempts === 1)
      writeFileSync(fixed, '')
      // A miner is not given a job it failed again (issue 13): that one waits for another miner.
      const others = ids.filter((id) => !failedOnce.includes(id))
      await until('the other jobs to complete', async () => (await Promise.all(others.map((id) => getJob(server, id)))).every((job) => job.status === 'completed'))
      assert.deepEqual((await Promise.all(failedOnce.map((id) => getJob(server, id)))).map((job) => job.status), ['pending'])
      assert.ok(miner.events.some((event) => event.type === 'notice' && event.message === 'the command backend answers again'))
      assert.equal(miner.events.filter((event) => event.type === 'warning').length, 1, 'one warning for the whole outage')
    } finally {
      miner.worker.abandon()
      await miner.done.catch(() => undefined)
    }
  })
})
