// The client flow as a user runs it, every step a process of the built CLI: `aitbc serve` on a free
// port, `echo PROMPT | aitbc jobs submit --wait -` waiting in a pipeline, and a scripted miner driving
// `aitbc miner register/poll/claim/complete` the way a shell script would. stdout of the submit must
// be exactly the result the miner handed in.
import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {type CliResult, runCli, spawnCli} from '../helpers/cli.js'
import {assertBuilt, type ServeProcess, startServe} from '../server/serve-process.js'

const PROMPT = 'Write a haiku about GPUs.\nKeep it short.\n'
/** What the scripted miner "generates": multi-line, non-ASCII, no final newline. */
const RESULT = 'Silicon rivers —\n  tensors hum in the dark ✓\n\nwarm fans sing “done”'

interface Keys {
  client_key: string
  miner_key: string
}

function assertOk(result: CliResult, what: string): void {
  assert.equal(result.code, 0, `${what} exited ${result.code}:\n${result.stdout}\n${result.stderr}`)
  assert.ok(!result.stdout.includes('\u001B'), `${what} printed an escape byte on stdout`)
}

describe('client flow end to end (built CLI, real coordinator process)', () => {
  let dir: string
  let serve: ServeProcess & {url: string}
  let keys: Keys

  before(async () => {
    assertBuilt()
    dir = await mkdtemp(path.join(tmpdir(), 'aitbc-e2e-client-'))
    const dataDir = path.join(dir, 'data')
    const init = await runCli(['serve', 'init', '--data-dir', dataDir, '--json'])
    assertOk(init, 'serve init')
    keys = JSON.parse(init.stdout) as Keys
    serve = await startServe(['--port', '0', '--data-dir', dataDir])
  })

  after(async () => {
    serve?.child.kill('SIGTERM')
    await serve?.exited
    await rm(dir, {recursive: true, force: true})
  })

  it('echo PROMPT | aitbc jobs submit --wait - prints exactly what the miner returned', async () => {
    const clientEnv = {AITBC_URL: serve.url, AITBC_API_KEY: keys.client_key}
    const minerEnv = {AITBC_URL: serve.url, AITBC_API_KEY: keys.miner_key, AITBC_MINER_ID: 'e2e-gpu-1'}
    const submit = spawnCli(['jobs', 'submit', '--wait', '-'], {env: clientEnv, input: PROMPT, timeoutMs: 60_000})

    // The scripted miner.
    assertOk(await runCli(['miner', 'register', '--model', 'llama3.2'], {env: minerEnv}), 'miner register')
    let jobId = ''
    for (let tries = 0; jobId === '' && tries < 10; tries++) {
      const poll = await runCli(['miner', 'poll', '--wait', '5'], {env: minerEnv})
      assertOk(poll, 'miner poll')
      jobId = poll.stdout.trim()
    }
    assert.match(jobId, /^job_\S+$/, 'the miner found the submitted job')
    const claim = await runCli(['miner', 'claim', jobId], {env: minerEnv})
    assertOk(claim, 'miner claim')
    assert.equal(claim.stdout, PROMPT, 'the miner got the prompt byte for byte')
    const complete = await runCli(['miner', 'complete', jobId, '--result', '-'], {env: minerEnv, input: RESULT})
    assertOk(complete, 'miner complete')
    const receiptId = complete.stdout.trim()

    const submitted = await submit.result
    assertOk(submitted, 'jobs submit --wait')
    assert.equal(submitted.stdout, RESULT)
    assert.match(submitted.stderr, new RegExp(`Submitted ${jobId}`))

    // What was paid for is what was printed: the result again, and the signed receipt's hash of it.
    const again = await runCli(['jobs', 'result', jobId], {env: clientEnv})
    assertOk(again, 'jobs result')
    assert.equal(again.stdout, RESULT)
    const receipt = await runCli(['receipts', 'get', receiptId, '--json'], {env: clientEnv})
    assertOk(receipt, 'receipts get')
    const {job_id: receiptJob, result_sha256: resultHash} = JSON.parse(receipt.stdout) as {job_id: string; result_sha256: string}
    assert.equal(receiptJob, jobId)
    assert.equal(resultHash, createHash('sha256').update(RESULT).digest('hex'))
  })
})
