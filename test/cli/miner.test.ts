// The miner plumbing commands (`aitbc miner register|poll|claim|complete|fail`) map 1:1 to the API;
// here each one's output for people and scripts, its --json shape, and its error exits.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import type {Job, Miner, Receipt} from '../../src/client/client.js'
import {aitbc, assertExit, json} from './aitbc.js'
import {Coordinator} from './coordinator.js'

describe('aitbc miner plumbing', {concurrency: 4}, () => {
  let coord: Coordinator
  before(async () => {
    coord = await Coordinator.start()
  })
  after(() => coord.close())

  // Each test serves its own model, so `poll` sees only that test's jobs.
  const miner = (args: string[], input?: string) => aitbc(['miner', ...args], {env: coord.env('miner'), input})

  it('register prints the miner, --json the Miner object; a client key gets exit 4', async () => {
    const plain = await miner(['register', '--miner-id', 'reg-1', '--model', 'model-a', '--model', 'model-b', '--gpu-name', 'RTX 4090', '--gpu-memory', '24GB'])
    assertExit(plain, 0)
    assert.match(plain.stdout, /^miner +reg-1$/m)
    assert.match(plain.stdout, /^models +model-a, model-b$/m)
    assert.match(plain.stdout, /^gpu +RTX 4090, 24GB$/m)

    const again = json<Miner>(await miner(['register', '--miner-id', 'reg-1', '--model', 'model-c', '--json']))
    assert.deepEqual([again.miner_id, again.capabilities, again.principal], ['reg-1', ['model-c'], 'miner'])

    const wrongRole = await aitbc(['miner', 'register', '--miner-id', 'reg-2', '--model', 'x'], {env: coord.env('client')})
    assertExit(wrongRole, 4)
  })

  it('poll prints nothing (exit 0) when no job waits, null under --json; 3 for an unregistered miner', async () => {
    await coord.register('idle-1', ['model-idle'])
    const none = await miner(['poll', '--miner-id', 'idle-1'])
    assertExit(none, 0)
    assert.equal(none.stdout, '')
    assert.match(none.stderr, /No job available for idle-1/)
    const asJson = await miner(['poll', '--miner-id', 'idle-1', '--json'])
    assertExit(asJson, 0)
    assert.equal(asJson.stdout.trim(), 'null')

    assertExit(await miner(['poll', '--miner-id', 'never-registered']), 3)
  })

  it('poll prints the id of the oldest job for its models; --wait accepts a long poll; --json the job', async () => {
    await coord.register('poll-1', ['model-poll'])
    const first = await coord.submit('first', {model: 'model-poll'})
    const second = await coord.submit('second', {model: 'model-poll'})
    const offeredAfter = performance.now()
    const plain = await miner(['poll', '--miner-id', 'poll-1', '--wait', '5'])
    const offeredBefore = performance.now()
    assertExit(plain, 0)
    assert.equal(plain.stdout, `${first.job_id}\n`)
    assert.match(plain.stderr, new RegExp(`aitbc miner claim ${first.job_id} --miner-id poll-1`))
    // The first is held for the poll it was offered to (2 s), so the next poll gets the next job; on a
    // machine so busy that the hold lapsed in between, the first again. The offer was made between
    // offeredAfter and offeredBefore: a poll that may have reached the coordinator on either side of
    // the hold's end may get either job.
    const sent = performance.now()
    const job = json<Job>(await miner(['poll', '--miner-id', 'poll-1', '--json']))
    const answered = performance.now()
    const expected = answered - offeredAfter < 2000 ? [second] : sent - offeredBefore > 2000 ? [first] : [first, second]
    const got = expected.find((one) => one.job_id === job.job_id)
    assert.ok(got, `${job.job_id} is not ${expected.map((one) => one.job_id).join(' or ')}`)
    assert.deepEqual([job.prompt, job.status], [got.prompt, 'pending'])
  })

  it('claim prints the prompt exactly; a second claim is a conflict (5); an unknown job 3', async () => {
    await coord.register('claim-1', ['model-claim'])
    await coord.register('claim-2', ['model-claim'])
    const prompt = 'Translate:\n  « bonjour »\n'
    const job = await coord.submit(prompt, {model: 'model-claim'})
    const won = await miner(['claim', job.job_id, '--miner-id', 'claim-1'])
    assertExit(won, 0)
    assert.equal(won.stdout, prompt)
    assert.match(won.stderr, new RegExp(`Claimed ${job.job_id} for claim-1: model model-claim, max_tokens=256`))
    assert.equal((await coord.job(job.job_id)).status, 'running')

    const lost = await miner(['claim', job.job_id, '--miner-id', 'claim-2'])
    assertExit(lost, 5)
    assert.equal(lost.stdout, '')
    assertExit(await miner(['claim', 'job_nope', '--miner-id', 'claim-1']), 3)
  })

  it('claim on a terminal ends the prompt with a newline (the shell prompt starts its own line); in a pipe exactly the prompt', async () => {
    await coord.register('claim-tty', ['model-claim-tty'])
    const job = await coord.submit('no final newline', {model: 'model-claim-tty'})
    const shown = await aitbc(['miner', 'claim', job.job_id, '--miner-id', 'claim-tty'], {env: coord.env('miner'), tty: {stdout: true}})
    assertExit(shown, 0)
    assert.equal(shown.stdout, 'no final newline\n')
  })

  it('claim --json gives the running job with its lease', async () => {
    await coord.register('claim-json', ['model-claim-json'])
    const job = await coord.submit('json claim', {model: 'model-claim-json'})
    const claimed = json<Job>(await miner(['claim', job.job_id, '--miner-id', 'claim-json', '--json']))
    assert.equal(claimed.status, 'running')
    assert.equal(claimed.miner_id, 'claim-json')
    assert.ok(claimed.lease_expires_at)
  })

  it('complete --result - sends stdin byte for byte and prints the receipt id; again is a conflict (5)', async () => {
    await coord.register('done-1', ['model-done'])
    const job = await coord.submit('count', {model: 'model-done', params: {max_tokens: 100}})
    await coord.claim(job.job_id, 'done-1')
    const result = 'one\ntwo\n\n  three ✓'
    const completed = await miner(['complete', job.job_id, '--miner-id', 'done-1', '--result', '-', '--units', '7'], result)
    assertExit(completed, 0)
    const [, receiptId] = /^(rcpt_\S+)\n$/.exec(completed.stdout) ?? assert.fail(completed.stdout)
    const after = await coord.job(job.job_id)
    assert.deepEqual([after.status, after.result, after.receipt_id], ['completed', result, receiptId])
    const receipt = (await coord.server.request<Receipt>(`/v1/receipts/${receiptId}`, {key: coord.server.adminKey})).body
    assert.equal(receipt.units, 7)

    assertExit(await miner(['complete', job.job_id, '--miner-id', 'done-1', '--result', 'again']), 5)
  })

  it('complete --json gives the signed receipt', async () => {
    await coord.register('done-json', ['model-done-json'])
    const job = await coord.submit('json complete', {model: 'model-done-json'})
    await coord.claim(job.job_id, 'done-json')
    const receipt = json<Receipt>(await miner(['complete', job.job_id, '--miner-id', 'done-json', '--result', 'ok', '--json']))
    assert.deepEqual([receipt.job_id, receipt.provider, receipt.model], [job.job_id, 'done-json', 'model-done-json'])
    assert.equal(receipt.signature.alg, 'Ed25519')
  })

  it('fail prints the new status (pending again while attempts remain); --json the job; 5 when not running', async () => {
    await coord.register('fail-1', ['model-fail'])
    await coord.register('fail-2', ['model-fail'])
    const job = await coord.submit('flaky', {model: 'model-fail'})
    await coord.claim(job.job_id, 'fail-1')
    const failed = await miner(['fail', job.job_id, '--miner-id', 'fail-1', '--error', 'out of memory'])
    assertExit(failed, 0)
    assert.equal(failed.stdout, 'pending\n')
    assert.match(failed.stderr, /pending again after 1 attempt/)
    assert.equal((await coord.job(job.job_id)).error, 'out of memory')

    const notRunning = await miner(['fail', job.job_id, '--miner-id', 'fail-1', '--error', 'again', '--json'])
    assertExit(notRunning, 5)
    assert.equal(json<{error: {exit_code: number}}>(notRunning).error.exit_code, 5)

    // A miner is not given a job it failed: the second attempt is another miner's.
    await coord.claim(job.job_id, 'fail-2')
    const asJson = json<Job>(await miner(['fail', job.job_id, '--miner-id', 'fail-2', '--error', 'twice', '--json']))
    assert.deepEqual([asJson.status, asJson.attempts], ['pending', 2])
  })
})
