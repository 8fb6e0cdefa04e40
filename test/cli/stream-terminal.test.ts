// `jobs submit --wait` on a real pseudo-terminal (util-linux `script`), the built binary against a
// coordinator and a streaming miner whose fake Ollama the test holds after its first token: the token
// is on the screen while the job still runs, and Ctrl-C then stops following, not the job. In a pipe the
// same binary leaves stdout exactly the result with --stream (and in-process, without).
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {describe, it} from 'node:test'

import {BIN, cliEnv, tempConfigDir} from '../helpers/cli.js'
import {type RunningProcess, startProcess} from '../helpers/process.js'
import type {TestServer} from '../helpers/server.js'
import {getJob, until} from '../miner/worker-helpers.js'
import {aitbc} from './aitbc.js'
import {useStreamingMiner} from './streaming-miner.js'

const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0

/** `aitbc ARGS` on an 80x24 pty, its stdin open for the keys the test types. */
function onTerminal(server: TestServer, args: string): RunningProcess {
  const env: Record<string, string | undefined> = {...process.env, AITBC_CONFIG_DIR: tempConfigDir(), TERM: 'xterm', AITBC_URL: server.url, AITBC_API_KEY: server.clientKey}
  for (const name of ['CI', 'NO_COLOR', 'AITBC_PROFILE']) delete env[name]
  const command = `stty cols 80 rows 24; exec '${process.execPath}' '${BIN}' ${args}`
  return startProcess('script', ['-qec', command, '/dev/null'], {env: env as NodeJS.ProcessEnv, keepStdinOpen: true, timeoutMs: 30_000, name: `aitbc ${args} (on a pty)`})
}

describe('jobs submit --wait on a terminal, while the miner streams', {skip: !HAS_SCRIPT && 'util-linux `script` is not installed'}, () => {
  const streaming = useStreamingMiner()

  it('shows the first token while the job runs, then the rest, and exits 0', async () => {
    streaming.holdAfterFirstToken()
    const run = onTerminal(streaming.server, "jobs submit --wait 'count to three'")
    // The first token is "llama3.2" (the fake echoes the model, then the prompt).
    await run.waitFor(/llama3\.2(?! says)/)
    const jobId = /(job_[0-9A-Z]+)/.exec(run.stdout())?.[1] ?? assert.fail(run.stdout())
    assert.equal((await getJob(streaming.server, jobId)).status, 'running', 'the token was on the screen before the job ended')
    assert.doesNotMatch(run.stdout(), /says: count to three/)
    streaming.release()
    const {code, stdout: screen} = await run.result
    assert.equal(code, 0, screen)
    // What is left on the screen once the terminal has applied the escapes (the spinner's cursor moves).
    // eslint-disable-next-line no-control-regex
    assert.match(screen.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, ''), /llama3\.2 says: count to three\r\n/)
  })

  it('Ctrl-C while tokens come stops following with exit 130 within 1 s; the job runs on to its end', async () => {
    streaming.holdAfterFirstToken()
    const run = onTerminal(streaming.server, "jobs submit --wait 'keep going without me'")
    await run.waitFor(/llama3\.2(?! says)/)
    const jobId = /(job_[0-9A-Z]+)/.exec(run.stdout())?.[1] ?? assert.fail(run.stdout())
    const pressed = Date.now()
    run.child.stdin!.write('\u0003')
    const {code, stdout: screen} = await run.result
    const afterMs = Date.now() - pressed
    assert.equal(code, 130, screen)
    assert.ok(afterMs < 1000, `exit ${afterMs} ms after Ctrl-C`)
    assert.equal((await getJob(streaming.server, jobId)).status, 'running', 'Ctrl-C stopped the job, not just the following')
    streaming.release()
    const done = await until('the job to complete', async () => {
      const job = await getJob(streaming.server, jobId)
      return job.status === 'completed' ? job : undefined
    })
    assert.equal(done.result, 'llama3.2 says: keep going without me')
  })

  it('in a pipe, stdout is exactly the result, byte for byte, with --stream and without', async () => {
    const env = {AITBC_URL: streaming.server.url, AITBC_API_KEY: streaming.server.clientKey}
    const wide = (how: string) => `wide ${how} é € 😀 characters`
    // The binary in a real pipe with --stream, where tokens are written as they come...
    const run = startProcess(process.execPath, [BIN, 'jobs', 'submit', '--wait', '--stream', wide('streamed')], {env: cliEnv(env), timeoutMs: 30_000, name: 'aitbc jobs submit --wait --stream (in a pipe)'})
    const {code, stdout, stderr} = await run.result
    assert.equal(code, 0, stderr)
    assert.equal(stdout, `llama3.2 says: ${wide('streamed')}`)
    // ...and without, the result written at once: what stdout gets is aitbc's to decide, in this process.
    const plain = await aitbc(['jobs', 'submit', '--wait', wide('plain')], {env})
    assert.equal(plain.code, 0, plain.stderr)
    assert.equal(plain.stdout, `llama3.2 says: ${wide('plain')}`)
  })
})
