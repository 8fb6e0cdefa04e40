// `aitbc jobs ...` against the real coordinator: what each command prints for people and under --json,
// and every exit code a client meets (2 usage, 3 not found, 4 auth, 5 conflict, 7 failed, 8 timeout).
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import type {Job} from '../../src/client/client.js'
import {aitbc, assertExit, json, startAitbc} from './aitbc.js'
import {Coordinator, until} from './coordinator.js'
import {startFlakyProxy} from './flaky-proxy.js'

/** Multi-line, non-ASCII, blank lines, no final newline: stdout must carry exactly this. */
const RESULT = 'Silicon dreams hum\n  ünïcode ✓ — 「ok」\n\nlast line, no newline'
const JOB_ID = /^(job_\S+)\n$/

describe('aitbc jobs', {concurrency: 4}, () => {
  let coord: Coordinator
  before(async () => {
    // One attempt, so a miner's failure report ends the job as failed.
    coord = await Coordinator.start({config: {maxAttempts: 1}})
    await coord.register('m1')
  })
  after(() => coord.close())

  /** Waits for the "Submitted job_..." note of a `jobs submit --wait` run and returns the id. */
  async function submittedId(run: ReturnType<typeof startAitbc>): Promise<string> {
    return (await run.waitFor(/Submitted (job_\S+?);/, 'stderr'))[1]
  }

  it('submit prints the id alone on stdout, a note on stderr, and sends the flags as params', async () => {
    const args = ['jobs', 'submit', 'Write a haiku', '--model', 'llama3.2', '--max-tokens', '64', '--temperature', '0.2', '--top-p', '0.5']
    const result = await aitbc(args, {env: coord.env()})
    assertExit(result, 0)
    const [, jobId] = JOB_ID.exec(result.stdout) ?? assert.fail(`stdout is not one job id: ${result.stdout}`)
    assert.match(result.stderr, new RegExp(`Submitted ${jobId} \\(pending\\)`))
    const job = await coord.job(jobId)
    assert.equal(job.prompt, 'Write a haiku')
    assert.deepEqual(job.params, {max_tokens: 64, temperature: 0.2, top_p: 0.5})

    const asJson = await aitbc(['jobs', 'submit', 'Say hi', '--json'], {env: coord.env()})
    assertExit(asJson, 0)
    const submitted = json<Job>(asJson)
    assert.equal(submitted.status, 'pending')
    assert.equal(submitted.prompt, 'Say hi')
    assert.deepEqual(submitted.params, {max_tokens: 256, temperature: 0.7, top_p: 0.9})
  })

  it('submit reads the prompt from stdin, byte for byte, for "-" and for a pipe without argument', async () => {
    const prompt = 'line one\n  line two ✓\n'
    for (const args of [['jobs', 'submit', '-'], ['jobs', 'submit']]) {
      const result = await aitbc(args, {env: coord.env(), input: prompt})
      assertExit(result, 0)
      assert.equal((await coord.job(JOB_ID.exec(result.stdout)![1])).prompt, prompt)
    }
  })

  it('a prompt larger than the body limit is refused naming the prompt limit (exit 2), not only the body limit', async () => {
    // Defaults: a 1 MiB body, a 512 KiB prompt. 3 MiB is refused before the coordinator reads it.
    const result = await aitbc(['jobs', 'submit', '-'], {env: coord.env(), input: 'x'.repeat(3 * 1024 * 1024)})
    assertExit(result, 2)
    assert.match(result.stderr, /a prompt may be at most 524288 bytes \(--max-prompt-bytes\)/)
    assert.match(result.stderr, /limit of 1048576 bytes \(--body-limit\)/)
  })

  it('submit --wait prints exactly the result and nothing else on stdout', async () => {
    const run = startAitbc(['jobs', 'submit', '--wait', '-'], {env: coord.env(), input: 'Write a poem\n'})
    const jobId = await submittedId(run)
    await coord.claim(jobId, 'm1')
    await coord.complete(jobId, 'm1', RESULT)
    const result = await run.result
    assertExit(result, 0)
    assert.equal(result.stdout, RESULT)
  })

  it('submit --wait --json prints the final job with its result', async () => {
    // A prompt of its own: the first test leaves a pending "Say hi", which this one must not pick up.
    const run = startAitbc(['jobs', 'submit', '--wait', '--json', 'Say hi, then wait'], {env: coord.env()})
    const {job_id: jobId} = await waitForPendingJob(coord, 'Say hi, then wait', run)
    await coord.claim(jobId, 'm1')
    await coord.complete(jobId, 'm1', RESULT)
    const result = await run.result
    assertExit(result, 0)
    const job = json<Job>(result)
    assert.equal(job.job_id, jobId)
    assert.equal(job.status, 'completed')
    assert.equal(job.result, RESULT)
  })

  it('submit --wait exits 7 when the job fails, naming the state and the error', async () => {
    const run = startAitbc(['jobs', 'submit', '--wait', 'Fail me'], {env: coord.env()})
    const jobId = await submittedId(run)
    await coord.claim(jobId, 'm1')
    await coord.fail(jobId, 'm1', 'CUDA out of memory')
    const result = await run.result
    assertExit(result, 7)
    assert.equal(result.stdout, '')
    assert.match(result.stderr, new RegExp(`Job ${jobId} ended failed: CUDA out of memory`))
  })

  it('submit --wait --json exits 7 with the failed job as the document', async () => {
    const run = startAitbc(['jobs', 'submit', '--wait', '--json', 'Fail me as JSON'], {env: coord.env()})
    const {job_id: jobId} = await waitForPendingJob(coord, 'Fail me as JSON', run)
    await coord.claim(jobId, 'm1')
    await coord.fail(jobId, 'm1', 'backend crashed')
    const result = await run.result
    assertExit(result, 7)
    const job = json<Job>(result)
    assert.deepEqual([job.job_id, job.status, job.error], [jobId, 'failed', 'backend crashed'])
  })

  it('submit --wait exits 7 when the job is cancelled', async () => {
    const run = startAitbc(['jobs', 'submit', '--wait', 'Cancel me'], {env: coord.env()})
    const jobId = await submittedId(run)
    await coord.cancel(jobId)
    const result = await run.result
    assertExit(result, 7)
    assert.equal(result.stdout, '')
    assert.match(result.stderr, new RegExp(`Job ${jobId} ended cancelled`))
  })

  it('submit --wait --timeout exits 8, naming the job and how to keep watching', async () => {
    const result = await aitbc(['jobs', 'submit', '--wait', '--timeout', '0.5', 'Nobody serves this', '--model', 'no-such-model'], {env: coord.env()})
    assertExit(result, 8)
    assert.equal(result.stdout, '')
    const [, jobId] = /Timed out after 0\.5 s waiting for job (job_\S+) \(still pending\)/.exec(result.stderr) ?? assert.fail(result.stderr)
    assert.match(result.stderr, new RegExp(`aitbc jobs watch ${jobId}`))
    assert.equal((await coord.job(jobId)).status, 'pending')
  })

  it('submit sends an Idempotency-Key, so a lost answer is retried without a second job', async () => {
    let lost = 0
    const proxy = await startFlakyProxy(coord.server.url, (request) => request.method === 'POST' && request.path === '/v1/jobs' && lost++ === 0)
    try {
      const prompt = `idempotent ${Date.now()}`
      const result = await aitbc(['jobs', 'submit', prompt], {env: {...coord.env(), AITBC_URL: proxy.url}})
      assertExit(result, 0)
      const posts = proxy.seen.filter((request) => request.method === 'POST')
      assert.equal(posts.length, 2, 'the submit was retried once')
      const keys = posts.map((request) => request.headers['idempotency-key'])
      assert.match(String(keys[0]), /^[0-9a-f-]{36}$/)
      assert.equal(keys[0], keys[1])
      const jobs = (await coord.server.request<Job[]>('/v1/jobs?limit=100', {key: coord.server.clientKey})).body
      assert.deepEqual(jobs.filter((job) => job.prompt === prompt).map((job) => job.job_id), [JOB_ID.exec(result.stdout)![1]])

      // Each invocation has its own key: the same prompt again is a new job.
      const again = await aitbc(['jobs', 'submit', prompt], {env: {...coord.env(), AITBC_URL: proxy.url}})
      assert.notEqual(proxy.seen.at(-1)!.headers['idempotency-key'], keys[0])
      assert.notEqual(again.stdout, result.stdout)
    } finally {
      await proxy.close()
    }
  })

  it('a lost answer to a request that is not safe to repeat is not retried', async () => {
    const job = await coord.submit('cancel once')
    const proxy = await startFlakyProxy(coord.server.url, (request) => request.path.endsWith('/cancel'))
    try {
      const result = await aitbc(['jobs', 'cancel', job.job_id, '--yes'], {env: {...coord.env(), AITBC_URL: proxy.url}})
      assertExit(result, 1)
      assert.equal(proxy.seen.length, 1)
    } finally {
      await proxy.close()
    }
  })

  it('watch --json prints one line per state change, the last the final job; exit 0', async () => {
    const job = await coord.submit('watch me')
    const run = startAitbc(['jobs', 'watch', job.job_id, '--json'], {env: coord.env()})
    await run.waitFor(/"status":"pending"/)
    await coord.claim(job.job_id, 'm1')
    await run.waitFor(/"status":"running"/)
    await coord.complete(job.job_id, 'm1', RESULT)
    const result = await run.result
    assertExit(result, 0)
    const lines = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Job)
    assert.deepEqual(lines.map((line) => line.status), ['pending', 'running', 'completed'])
    assert.equal(lines[2].result, RESULT)
    assert.match(result.stderr, /^$/)
  })

  it('watch without a terminal prints each state change on stderr as it happens (not at the end)', {timeout: 30_000}, async () => {
    const job = await coord.submit('watch me in a pipe')
    const run = startAitbc(['jobs', 'watch', job.job_id], {env: coord.env()})
    await run.waitFor(new RegExp(`^${job.job_id} pending\n`), 'stderr')
    await coord.claim(job.job_id, 'm1')
    await run.waitFor(/running on m1\n/, 'stderr')
    assert.ok(!run.ended())
    await coord.complete(job.job_id, 'm1', RESULT)
    const result = await run.result
    assertExit(result, 0)
    assert.equal(result.stderr, `${job.job_id} pending\n${job.job_id} running on m1\n${job.job_id} completed\n`)
    assert.equal(result.stdout, '')
  })

  it('watch exits 7 for a job that failed (the final job is the last JSON line) and names it for people', async () => {
    const job = await coord.submit('doomed')
    await coord.claim(job.job_id, 'm1')
    await coord.fail(job.job_id, 'm1', 'segfault')
    const asJson = await aitbc(['jobs', 'watch', job.job_id, '--json'], {env: coord.env()})
    assertExit(asJson, 7)
    assert.deepEqual(asJson.stdout.trimEnd().split('\n').map((line) => (JSON.parse(line) as Job).status), ['failed'])
    const plain = await aitbc(['jobs', 'watch', job.job_id], {env: coord.env()})
    assertExit(plain, 7)
    assert.equal(plain.stdout, '')
    assert.match(plain.stderr, /ended failed: segfault/)
  })

  it('watch exits 8 on --timeout (a JSON line under --json) and 3 for an unknown job', async () => {
    const job = await coord.submit('slow')
    const timedOut = await aitbc(['jobs', 'watch', job.job_id, '--timeout', '0.3', '--json'], {env: coord.env()})
    assertExit(timedOut, 8)
    const lines = timedOut.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as {status?: string; error?: {code: string}})
    assert.deepEqual([lines[0].status, lines.at(-1)!.error?.code], ['pending', 'timeout'])
    assertExit(await aitbc(['jobs', 'watch', 'job_does_not_exist'], {env: coord.env()}), 3)
  })

  it('result prints exact bytes when completed; 2 while pending; 7 when failed or cancelled; 3 unknown', async () => {
    const {job} = await coord.completedJob('for result', RESULT, 'm1')
    const done = await aitbc(['jobs', 'result', job.job_id], {env: coord.env()})
    assertExit(done, 0)
    assert.equal(done.stdout, RESULT)
    assert.equal(json<Job>(await aitbc(['jobs', 'result', job.job_id, '--json'], {env: coord.env()})).result, RESULT)

    const pending = await coord.submit('not yet')
    const early = await aitbc(['jobs', 'result', pending.job_id], {env: coord.env()})
    assertExit(early, 2)
    assert.match(early.stderr, new RegExp(`${pending.job_id} is pending and has no result yet[\\s\\S]*aitbc jobs watch ${pending.job_id}`))

    await coord.cancel(pending.job_id)
    const cancelled = await aitbc(['jobs', 'result', pending.job_id], {env: coord.env()})
    assertExit(cancelled, 7)
    assert.equal(cancelled.stdout, '')
    assert.match(cancelled.stderr, /ended cancelled/)

    assertExit(await aitbc(['jobs', 'result', 'job_nope'], {env: coord.env()}), 3)
  })

  it('get shows the job as key/value lines, --json the job object; 3 for an unknown job', async () => {
    const {job, receipt} = await coord.completedJob('show me', RESULT, 'm1')
    const plain = await aitbc(['jobs', 'get', job.job_id], {env: coord.env()})
    assertExit(plain, 0)
    for (const line of [`job +${job.job_id}`, 'status +completed', 'miner +m1', `receipt +${receipt.receipt_id}`, 'prompt +show me {2}\\(7 chars\\)']) {
      assert.match(plain.stdout, new RegExp(`^${line}$`, 'm'))
    }
    const asJson = json<Job>(await aitbc(['jobs', 'get', job.job_id, '--json'], {env: coord.env()}))
    assert.deepEqual(asJson, await coord.job(job.job_id))
    const missing = await aitbc(['jobs', 'get', 'job_nope', '--json'], {env: coord.env()})
    assertExit(missing, 3)
    assert.equal(json<{error: {exit_code: number; status: number}}>(missing).error.status, 404)
  })

  it('cancel --yes proceeds without a terminal (no prompt); 5 once the job has ended; 3 for an unknown job', async () => {
    const job = await coord.submit('cancel me')
    const result = await aitbc(['jobs', 'cancel', job.job_id, '--json', '--yes'], {env: coord.env()})
    assertExit(result, 0)
    assert.equal(json<Job>(result).status, 'cancelled')
    const again = await aitbc(['jobs', 'cancel', job.job_id, '--yes'], {env: coord.env()})
    assertExit(again, 5)
    assert.match(again.stderr, /^Error: /)
    assertExit(await aitbc(['jobs', 'cancel', 'job_nope', '--yes'], {env: coord.env()}), 3)
  })

  it('exits 4 without a key, with a wrong key, and with a key whose role may not do it', async () => {
    for (const env of [coord.env('none'), {...coord.env(), AITBC_API_KEY: 'aitbc_wrong'}, coord.env('miner')]) {
      const result = await aitbc(['jobs', 'submit', 'hi'], {env})
      assertExit(result, 4)
      assert.equal(result.stdout, '')
    }
    // Without any key: what to set, not the header the server missed.
    const keyless = await aitbc(['jobs', 'list'], {env: coord.env('none')})
    assertExit(keyless, 4)
    assert.match(keyless.stderr, /^Error: No API key: set AITBC_API_KEY or run `aitbc login`\.\n/)
    // A key of the wrong role: in words a user knows, with the article right.
    const admin = await aitbc(['jobs', 'submit', 'hi'], {env: coord.env('admin')})
    assert.match(admin.stderr, /^Error: an admin key may not call POST \/v1\/jobs; it needs a client key\n/)
  })
})

/** The pending job with this prompt, once the CLI run has submitted it (for --json runs, which print no note). */
function waitForPendingJob(coord: Coordinator, prompt: string, run: ReturnType<typeof startAitbc>): Promise<Job> {
  return until(`a pending job "${prompt}"`, async () => {
    if (run.ended()) assert.fail(`the run ended first: ${run.stdout()} ${run.stderr()}`)
    const jobs = (await coord.server.request<Job[]>('/v1/jobs?status=pending&limit=100', {key: coord.server.clientKey})).body
    return jobs.find((candidate) => candidate.prompt === prompt)
  })
}
