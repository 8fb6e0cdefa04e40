// Runs the built CLI for the client-command tests and checks, on every call, what must hold for any
// command without a terminal: no escape byte (colour, spinner, cursor) on stdout, and no prompt.
import assert from 'node:assert/strict'

import {type CliOptions, type CliResult, type RunningCli, spawnCli} from '../helpers/cli.js'

export function aitbc(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startAitbc(args, options).result
}

/** Like aitbc(), for a run the test watches while it goes (`jobs watch`, `jobs submit --wait`). */
export function startAitbc(args: string[], options: CliOptions = {}): RunningCli {
  const running = spawnCli(args, options)
  const checked = running.result.then((result) => {
    assert.ok(!result.stdout.includes('\u001B'), `escape byte on stdout of \`aitbc ${args.join(' ')}\`: ${JSON.stringify(result.stdout)}`)
    assert.ok(!/\?\s.*\(y\/N\)/.test(result.stdout + result.stderr), `\`aitbc ${args.join(' ')}\` prompted without a terminal`)
    return result
  })
  return {...running, result: checked}
}

/** Asserts the exit code, showing the output when it differs. */
export function assertExit(result: CliResult, code: number): void {
  assert.equal(result.code, code, `expected exit ${code}, got ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`)
}

/** The one JSON document a --json run printed. */
export function json<T = Record<string, unknown>>(result: CliResult): T {
  return JSON.parse(result.stdout) as T
}

