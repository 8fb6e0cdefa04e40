// Runs the built CLI for the client-command tests and checks, on every call, what must hold for any
// command without a terminal: no escape byte (colour, spinner, cursor) on stdout, and no prompt.
import assert from 'node:assert/strict'
import {createServer} from 'node:net'

import {type CliOptions, type CliResult, runCli} from '../helpers/cli.js'

export async function aitbc(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const result = await runCli(args, options)
  assert.ok(!result.stdout.includes('\u001B'), `escape byte on stdout of \`aitbc ${args.join(' ')}\`: ${JSON.stringify(result.stdout)}`)
  assert.ok(!/\?\s.*\(y\/N\)/.test(result.stdout + result.stderr), `\`aitbc ${args.join(' ')}\` prompted without a terminal`)
  return result
}

/** Asserts the exit code, showing the output when it differs. */
export function assertExit(result: CliResult, code: number): void {
  assert.equal(result.code, code, `expected exit ${code}, got ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`)
}

/** The one JSON document a --json run printed. */
export function json<T = Record<string, unknown>>(result: CliResult): T {
  return JSON.parse(result.stdout) as T
}

/** A loopback port where nothing listens (taken from the OS, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  await new Promise((resolve) => server.close(resolve))
  return port
}
