// `aitbc miner run` as a user runs it: the built CLI as a subprocess against the real coordinator.
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import type {Receipt} from '../../src/client/client.js'
import {runCli as runBuiltCli} from '../helpers/cli.js'
import {runCommand as runCli} from '../helpers/run-command.js'
import {requestJson, startTestServer, type TestServer} from '../helpers/server.js'
import {jsonLines, startCli} from './cli-process.js'
import {getJob, submitJob, until} from './worker-helpers.js'

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'aitbc-run-'))

describe('aitbc miner run', () => {
  let server: TestServer
  let env: Record<string, string>
  before(async () => {
    server = await startTestServer()
    env = {AITBC_URL: server.url, AITBC_API_KEY: server.minerKey}
  })
  after(() => server.close())

  const minerArgs = (minerId: string, command: string, model: string, ...more: string[]) => [
    'miner', 'run', '--miner-id', minerId, '--backend', 'command', '--command', command, '--model', model, '--state-dir', tempDir(), ...more,
  ]

  test('one line per job on stderr: id, model, tokens, seconds; nothing on stdout', async () => {
    const id = await submitJob(server, 'one two three', 'line-model')
    const result = await runCli(minerArgs('line-miner', 'cat', 'line-model', '--once'), {env})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, '')
    assert.match(result.stderr, /^miner line-miner registered at http:\/\/127\.0\.0\.1:\d+: line-model on command cat/m)
    assert.match(result.stderr, new RegExp(`^job ${id} line-model completed: \\d+ tokens in \\d+\\.\\d s \\(receipt rcpt_\\w+\\)$`, 'm'))
    assert.match(result.stderr, /^miner line-miner stopped after 1 job: 1 completed, 0 failed, 0 dropped$/m)
    assert.equal((await getJob(server, id)).result, 'one two three')
  })

  test('--json: JSON Lines on stdout, one per event, the job with its receipt', async () => {
    const id = await submitJob(server, 'json please', 'json-model')
    const result = await runCli([...minerArgs('json-miner', 'cat', 'json-model', '--max-jobs', '1'), '--json'], {env})
    assert.equal(result.code, 0, result.stderr)
    const events = jsonLines(result.stdout)
    assert.deepEqual(events.map((event) => event.event), ['registered', 'job', 'stopped'])
    const job = events[1]
    assert.equal(job.job_id, id)
    assert.equal(job.model, 'json-model')
    assert.equal(job.outcome, 'completed')
    assert.equal(typeof job.seconds, 'number')
    const receipt = (await requestJson<Receipt>(server.url, `/v1/receipts/${job.receipt_id}`, {key: server.adminKey})).body
    assert.equal(job.units, receipt.units)
    assert.equal(events[2].completed, 1)
  })

  test('usage errors name the flag to pass', async () => {
    const noCommand = await runCli(['miner', 'run', '--backend', 'command', '--model', 'x'], {env})
    assert.equal(noCommand.code, 2)
    assert.match(noCommand.stderr, /--backend command needs --command/)
    const noModel = await runCli(['miner', 'run', '--command', 'cat'], {env})
    assert.equal(noModel.code, 2)
    assert.match(noModel.stderr, /needs --model/)
    const noKey = await runCli(['miner', 'run', '--command', 'cat', '--model', 'x', '--url', server.url])
    assert.equal(noKey.code, 2)
    assert.match(noKey.stderr, /No API key.*\n.*AITBC_API_KEY/)
    const badId = await runCli(['miner', 'run', '--miner-id', '-bad id', '--command', 'cat', '--model', 'x'], {env})
    assert.equal(badId.code, 2)
    assert.match(badId.stderr, /Invalid miner id/)
  })

  test('a client key is refused: exit 4 with the coordinator\'s reason', async () => {
    const result = await runCli(minerArgs('wrong-key-miner', 'cat', 'm', '--once'), {env: {...env, AITBC_API_KEY: server.clientKey}})
    assert.equal(result.code, 4)
    assert.match(result.stderr, /miner key/)
  })

  test('first SIGTERM: takes no more jobs, finishes the running one, exits 0', async () => {
    const dir = tempDir()
    const go = path.join(dir, 'go')
    const started = path.join(dir, 'started')
    const id = await submitJob(server, 'finish me', 'graceful-model')
    // The job runs until the test creates the file `go`. Running on the coordinator is not enough: the
    // claim's answer may still be on its way (a miner stopped then gives the job back).
    const miner = startCli(minerArgs('graceful-miner', `touch ${started}; while [ ! -f ${go} ]; do sleep 0.02; done; cat`, 'graceful-model'), env)
    await until('the job to run on the miner', () => existsSync(started))
    miner.child.kill('SIGTERM')
    await miner.waitFor(/stopping: taking no more jobs, finishing the running ones/)
    const later = await submitJob(server, 'not for this miner', 'graceful-model')
    writeFileSync(go, '')
    assert.equal(await miner.exited, 0, miner.stderr())
    assert.equal((await getJob(server, id)).result, 'finish me')
    assert.equal((await getJob(server, later)).status, 'pending')
    await requestJson(server.url, `/v1/jobs/${later}/cancel`, {key: server.clientKey, method: 'POST'})
  })

  test('second SIGINT: the running job is reported failed and goes back to the queue; exit 130', async () => {
    const id = await submitJob(server, 'abandon me', 'abandon-model')
    const started = path.join(tempDir(), 'started')
    const miner = startCli(minerArgs('abandon-miner', `touch ${started}; sleep 20`, 'abandon-model'), env)
    await until('the job to run on the miner', () => existsSync(started))
    miner.child.kill('SIGINT')
    await miner.waitFor(/stopping/)
    miner.child.kill('SIGINT')
    assert.equal(await miner.exited, 130)
    assert.match(miner.stderr(), /job \S+ abandon-model failed after .*: the miner was stopped before the job finished \(back in the queue\)/)
    assert.match(miner.stderr(), /Stopped before the running jobs finished/)
    const job = await getJob(server, id)
    assert.equal(job.status, 'pending')
    await requestJson(server.url, `/v1/jobs/${id}/cancel`, {key: server.clientKey, method: 'POST'})
  })

  test('a miner killed mid-job: the job is requeued when its lease ends and another miner completes it', async () => {
    const server = await startTestServer({config: {leaseSeconds: 1.5}})
    after(() => server.close())
    const env = {AITBC_URL: server.url, AITBC_API_KEY: server.minerKey}
    const id = await submitJob(server, 'survive the crash', 'crash-model')
    const doomed = startCli(minerArgs('doomed-miner', 'sleep 5', 'crash-model'), env)
    await until('the job to run on the doomed miner', async () => (await getJob(server, id)).miner_id === 'doomed-miner')
    doomed.child.kill('SIGKILL')
    await doomed.exited
    await until('the lease to end', async () => (await getJob(server, id)).status === 'pending')
    // A process of its own, as the doomed miner was: it must deliver within the 1.5 s lease.
    const rescuer = await runBuiltCli(minerArgs('rescue-miner', 'cat', 'crash-model', '--max-jobs', '1'), {env})
    assert.equal(rescuer.code, 0, rescuer.stderr)
    const job = await getJob(server, id)
    assert.equal(job.status, 'completed')
    assert.equal(job.miner_id, 'rescue-miner')
    assert.equal(job.result, 'survive the crash')
    assert.equal(job.attempts, 2)
    const receipts = (await requestJson<Receipt[]>(server.url, '/v1/receipts?limit=100', {key: server.adminKey})).body
    assert.equal(receipts.filter((receipt) => receipt.job_id === id).length, 1)
  })
})
