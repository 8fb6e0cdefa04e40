// Keys a person presses while `jobs submit --wait` or `jobs watch` shows its spinner, on a real
// pseudo-terminal (util-linux `script`): the terminal keeps its usual meaning for them (issue 17:
// ora's raw mode used to swallow Ctrl-C, Ctrl-\, Ctrl-Z and Ctrl-D).
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {readFileSync, readlinkSync} from 'node:fs'
import {after, before, describe, it} from 'node:test'

import {BIN, tempConfigDir} from '../helpers/cli.js'
import {type RunningProcess, startProcess} from '../helpers/process.js'
import {Coordinator} from './coordinator.js'

const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0

/** `aitbc ARGS` on an 80x24 pty, its stdin open for the keys the test types. */
function onTerminal(args: string, env: Record<string, string>): RunningProcess {
  const childEnv: Record<string, string | undefined> = {...process.env, AITBC_CONFIG_DIR: tempConfigDir(), TERM: 'xterm', ...env}
  for (const name of ['CI', 'NO_COLOR', 'AITBC_PROFILE']) delete childEnv[name]
  // exec: the exit status script reports is aitbc's own, not a shell's.
  const command = `stty cols 80 rows 24; exec '${process.execPath}' '${BIN}' ${args}`
  return startProcess('script', ['-qec', command, '/dev/null'], {env: childEnv as NodeJS.ProcessEnv, keepStdinOpen: true, timeoutMs: 20_000, name: `aitbc ${args} (on a pty)`})
}

/** Types `key` once the spinner shows, and measures how long the command takes to end after it. */
async function press(run: RunningProcess, spinnerText: RegExp, key: string): Promise<{code: number | null; afterMs: number; screen: string}> {
  await run.waitFor(spinnerText)
  // The spinner draws before it takes the terminal: let one frame pass so the key meets the spinner.
  await run.waitFor(new RegExp(`${spinnerText.source}[\\s\\S]*${spinnerText.source}`))
  const pressed = Date.now()
  run.child.stdin!.write(key)
  const {code, stdout} = await run.result
  return {code, afterMs: Date.now() - pressed, screen: stdout}
}

// One coordinator for the file: the miner of the last test serves a model no other test asks for.
let coord: Coordinator
before(async () => {
  coord = await Coordinator.start()
})
after(() => coord.close())

describe('keys during the spinner', {skip: !HAS_SCRIPT && 'util-linux `script` is not installed', concurrency: 2}, () => {
  it('Ctrl-C stops `jobs submit --wait` with exit 130 within 1 s; the job goes on', async () => {
    const run = onTerminal("jobs submit --wait 'nobody serves this'", coord.env())
    const {code, afterMs, screen} = await press(run, /job_\w+ pending/, '\u0003')
    assert.equal(code, 130, screen)
    assert.ok(afterMs < 1000, `exit ${afterMs} ms after Ctrl-C`)
    const [, jobId] = /(job_[0-9A-Z]+)/.exec(screen) ?? assert.fail(screen)
    assert.equal((await coord.job(jobId)).status, 'pending')
    assert.ok(screen.includes('\u001B[?25h'), 'the cursor is shown again')
  })

  it('Ctrl-\\ quits `jobs watch` (SIGQUIT, exit 131)', async () => {
    const job = await coord.submit('quit me')
    const run = onTerminal(`jobs watch ${job.job_id}`, coord.env())
    const {code, screen} = await press(run, /pending/, '\u001C')
    assert.equal(code, 131, screen)
  })

  it('the terminal stays in its usual mode during the spinner, so Ctrl-Z and Ctrl-D mean what they always do; Ctrl-C stops `jobs watch` with exit 130 within 1 s', async () => {
    // Ctrl-Z cannot be watched stopping a process under `script` (its process group is orphaned, and
    // the kernel drops terminal stops to those); what makes it work is the terminal's mode: isig
    // (Ctrl-C, Ctrl-\, Ctrl-Z become signals) and icanon (Ctrl-D ends a line of input), which raw mode clears.
    const job = await coord.submit('leave my terminal alone')
    const run = onTerminal(`jobs watch ${job.job_id}`, coord.env())
    await run.waitFor(/pending[\s\S]*pending/)
    const [aitbcPid] = readFileSync(`/proc/${run.pid}/task/${run.pid}/children`, 'utf8').trim().split(/\s+/)
    const pty = readlinkSync(`/proc/${aitbcPid}/fd/2`)
    const mode = spawnSync('stty', ['-F', pty, '-a'], {encoding: 'utf8'}).stdout
    // The same run then meets Ctrl-C (a run of its own would cost a process for nothing more).
    const {code, afterMs, screen} = await press(run, /pending/, '\u0003')
    assert.match(mode, /(^|\s)isig(\s|$)/, mode)
    assert.match(mode, /(^|\s)icanon(\s|$)/, mode)
    assert.equal(code, 130, screen)
    assert.ok(afterMs < 1000, `exit ${afterMs} ms after Ctrl-C`)
  })
})

describe('Ctrl-C during miner run', {skip: !HAS_SCRIPT && 'util-linux `script` is not installed'}, () => {
  it('the "stopping" notice starts its own line after the echoed ^C, and the miner exits 130', async () => {
    const run = onTerminal(`miner run --miner-id tty-1 --backend command --command 'node demo/echo-model.js' --model demo-echo`, coord.env('miner'))
    await run.waitFor(/registered|waiting|ready/i)
    run.child.stdin!.write('\u0003')
    const {code, stdout: screen} = await run.result
    assert.equal(code, 130, screen)
    assert.match(screen, /\^C\r?\n[^\n]*stopping:/)
    assert.doesNotMatch(screen, /\^C[^\r\n]/)
  })
})
