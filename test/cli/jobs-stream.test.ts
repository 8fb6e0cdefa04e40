// `jobs submit --wait` and `jobs watch --stream` print a job's output as the miner generates it (on a
// terminal by default, in a pipe only when asked), and stdout still ends with exactly the result.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {getJob, submitJob, until} from '../miner/worker-helpers.js'
import {aitbc, startAitbc} from './aitbc.js'
import {useStreamingMiner} from './streaming-miner.js'

const streaming = useStreamingMiner()

const env = () => ({AITBC_URL: streaming.server.url, AITBC_API_KEY: streaming.server.clientKey})

describe('jobs submit --wait', () => {
  test('on a terminal, tokens appear while the job runs, and the result ends with one newline', async () => {
    streaming.holdAfterFirstToken()
    const run = startAitbc(['jobs', 'submit', '--wait', 'count to three'], {env: env(), tty: {stdout: true}})
    await run.waitFor(/llama3\.2/)
    const id = (await run.waitFor(/Submitted (job_\S+);/, 'stderr'))[1]
    assert.equal((await getJob(streaming.server, id)).status, 'running', 'output was shown before the job ended')
    streaming.release()
    const result = await run.result
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, 'llama3.2 says: count to three\n')
  })

  test('in a pipe without --stream, stdout is exactly the result, byte for byte', async () => {
    const result = await aitbc(['jobs', 'submit', '--wait', 'pipe me'], {env: env()})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, 'llama3.2 says: pipe me')
  })

  test('in a pipe with --stream, the output comes as it is generated and adds up to exactly the result', async () => {
    streaming.holdAfterFirstToken()
    const run = startAitbc(['jobs', 'submit', '--wait', '--stream', 'stream to a pipe'], {env: env()})
    await run.waitFor(/^llama3\.2/)
    assert.equal(run.ended(), false)
    streaming.release()
    const result = await run.result
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, 'llama3.2 says: stream to a pipe')
  })
})

describe('jobs watch --stream', () => {
  test('a late follower gets what was generated so far, then the rest, then exactly the result', async () => {
    streaming.holdAfterFirstToken()
    const id = await submitJob(streaming.server, 'watch this later', 'llama3.2')
    // The first token has reached the coordinator before the watcher starts (the fake holds the rest).
    await until('the first token at the coordinator', () => streaming.server.app.streams.read(id, 0, 100) === 'llama3.2')
    const run = startAitbc(['jobs', 'watch', '--stream', id], {env: env()})
    // What was generated before it followed, and no more (the fake still holds the rest).
    await until('the watcher to print the first token', () => run.stdout() === 'llama3.2' || run.ended())
    assert.equal(run.stdout(), 'llama3.2')
    streaming.release()
    const result = await run.result
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, 'llama3.2 says: watch this later')
    assert.match(result.stderr, /completed/)
  })
})
