// Behaviour on a terminal: confirmations and the prompt question appear only there, and the spinner
// stays on stderr while stdout keeps exact bytes. The prompts and the spinner run as the real binary on
// a real terminal (a pseudo-terminal from util-linux `script`: the real prompter reads the keys); what
// only depends on aitbc's terminal switches (no question under --yes, a last newline) runs in-process.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {BIN, type CliResult, tempConfigDir} from '../helpers/cli.js'
import {runProcess} from '../helpers/process.js'
import {aitbc} from './aitbc.js'
import {Coordinator, until} from './coordinator.js'

const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0
const RESULT = 'first line\nlast line, no newline'
const TERMINAL = {tty: {stdin: true, stdout: true, stderr: true}, env: {CI: undefined}}

/**
 * Runs `aitbc ARGS` (a shell fragment, so it may redirect) with stdin, stdout and stderr on a pty of
 * 80x24 (`script` leaves it 0x0, which no real terminal is).
 */
function inTerminal(args: string, env: Record<string, string>, input = ''): Promise<CliResult> {
  const childEnv: Record<string, string | undefined> = {...process.env, AITBC_CONFIG_DIR: tempConfigDir(), TERM: 'xterm', ...env}
  for (const name of ['CI', 'NO_COLOR', 'AITBC_PROFILE']) delete childEnv[name]
  const command = `stty cols 80 rows 24; '${process.execPath}' '${BIN}' ${args}`
  return runProcess('script', ['-qec', command, '/dev/null'], {env: childEnv as NodeJS.ProcessEnv, input, timeoutMs: 60_000, name: `aitbc ${args} (on a pty)`}).then(({code, stdout}) => ({code, stdout, stderr: ''}))
}

describe('on a terminal', {skip: !HAS_SCRIPT && 'util-linux `script` is not installed', concurrency: 4}, () => {
  let coord: Coordinator
  before(async () => {
    coord = await Coordinator.start()
    await coord.register('tty-miner')
  })
  after(() => coord.close())

  it('jobs cancel asks first: "n" changes nothing (exit 1), "y" cancels', async () => {
    const job = await coord.submit('keep me?')
    const declined = await inTerminal(`jobs cancel ${job.job_id}`, coord.env(), 'n\n')
    assert.equal(declined.code, 1)
    assert.match(declined.stdout, new RegExp(`Cancel ${job.job_id}\\?`))
    assert.match(declined.stdout, /Aborted; nothing was changed/)
    assert.equal((await coord.job(job.job_id)).status, 'pending')

    const accepted = await inTerminal(`jobs cancel ${job.job_id}`, coord.env(), 'y\n')
    assert.equal(accepted.code, 0)
    assert.equal((await coord.job(job.job_id)).status, 'cancelled')
  })

  // What aitbc decides from the terminal switches, not from the real terminal: in this process (a
  // prompt the scripted prompter was not given an answer for fails the run).
  it('jobs cancel --yes does not ask, on a terminal', async () => {
    const job = await coord.submit('cancel me at once')
    const result = await aitbc(['jobs', 'cancel', job.job_id, '--yes'], {...TERMINAL, env: {...coord.env(), ...TERMINAL.env}})
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(result.prompts, [])
    assert.equal((await coord.job(job.job_id)).status, 'cancelled')
  })

  it('jobs submit without a prompt asks for one', async () => {
    const result = await inTerminal('jobs submit', coord.env(), 'asked for\r')
    assert.equal(result.code, 0)
    assert.match(result.stdout, /Prompt:/)
    const [, jobId] = /(job_[0-9A-Z]+)/.exec(result.stdout) ?? assert.fail(result.stdout)
    assert.equal((await coord.job(jobId)).prompt, 'asked for')
  })

  it('submit --wait with stdout redirected: the spinner on the terminal, exact bytes in the file', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'aitbc-tty-')), 'out.txt')
    const running = inTerminal(`jobs submit --wait 'spin for me' > '${out}'`, coord.env())
    const job = await until('the submitted job', async () => {
      const jobs = (await coord.server.request<{job_id: string; prompt: string}[]>('/v1/jobs?status=pending', {key: coord.server.clientKey})).body
      return jobs.find((candidate) => candidate.prompt === 'spin for me')
    })
    await coord.claim(job.job_id, 'tty-miner')
    await coord.complete(job.job_id, 'tty-miner', RESULT)
    const result = await running
    assert.equal(result.code, 0)
    assert.equal(readFileSync(out, 'utf8'), RESULT)
    assert.match(result.stdout, new RegExp(`${job.job_id} (pending|running)`), 'the spinner showed the state on stderr')
  })

  it('jobs result ends a terminal line when the result does not', async () => {
    const {job} = await coord.completedJob('newline please', RESULT, 'tty-miner')
    const result = await aitbc(['jobs', 'result', job.job_id], {...TERMINAL, env: {...coord.env(), ...TERMINAL.env}})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, `${RESULT}\n`)
  })

  it('miner claim ends a terminal line when the prompt does not', async () => {
    const job = await coord.submit('a prompt, no newline')
    const result = await aitbc(['miner', 'claim', job.job_id, '--miner-id', 'tty-miner'], {...TERMINAL, env: {...coord.env('miner'), ...TERMINAL.env}})
    assert.equal(result.code, 0, result.stderr)
    assert.ok(result.stdout.endsWith('a prompt, no newline\n'), JSON.stringify(result.stdout))
  })
})
