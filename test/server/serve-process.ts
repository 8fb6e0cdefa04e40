// Runs `aitbc serve` from the build (bin/run.js) as a child process and waits for its first line.
import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import path from 'node:path'

import {BIN, REPO_ROOT} from '../helpers/cli.js'
import {type RunningProcess, startProcess, withEnv} from '../helpers/process.js'
import {runCommand, type RunResult} from '../helpers/run-command.js'

export function assertBuilt(): void {
  const built = path.join(REPO_ROOT, 'dist', 'commands', 'serve', 'index.js')
  assert.ok(existsSync(built), `${built} is missing: run \`npm run build\` first (npm test does)`)
}

export interface ServeProcess extends RunningProcess {
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>
}

/** The built CLI with the test's environment minus AITBC_*; killed with its group after `timeoutMs`. */
export function spawnCli(args: string[], timeoutMs = 120_000): ServeProcess {
  const env = withEnv(Object.fromEntries(Object.keys(process.env).filter((name) => name.startsWith('AITBC_')).map((name) => [name, undefined])))
  const running = startProcess(process.execPath, [BIN, ...args], {env, timeoutMs, name: `aitbc ${args.join(' ')}`})
  const exited = running.result.then(
    (result) => result.code,
    () => null,
  )
  return {...running, exited}
}

/**
 * `aitbc serve ARGS` (or `serve init`) in this process, where the test expects a refusal. Should it
 * start serving instead, it is stopped with a SIGINT to this process (its own handler takes it) and
 * the test fails, rather than hanging on a coordinator nobody stops.
 */
export async function refusedRun(args: string[]): Promise<RunResult> {
  let started = false
  const result = await runCommand(args, {
    onOutput: (stream, text) => {
      if (stream !== 'stdout' || started || !text.includes('listening on')) return
      started = true
      process.kill(process.pid, 'SIGINT')
    },
  })
  assert.ok(!started, `aitbc ${args.join(' ')} started instead of refusing: ${result.stdout}${result.stderr}`)
  return result
}

/** Starts `aitbc serve` and resolves once it printed its listening line (and whatever follows at once). */
export async function startServe(args: string[], timeoutMs = 30_000): Promise<ServeProcess & {url: string}> {
  const proc = spawnCli(['serve', ...args])
  try {
    const [, url] = await proc.waitFor(/^listening on (http:\/\/\S+)\n/, 'stdout', timeoutMs)
    return {...proc, url}
  } catch (error) {
    proc.signal('SIGKILL')
    throw new Error(`serve did not start: ${(error as Error).message}`)
  }
}
