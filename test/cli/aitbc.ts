// Runs aitbc commands in-process (test/helpers/run-command.ts) for the client-command tests and
// checks, on every call, what must hold for any command without a terminal: no escape byte (colour,
// spinner, cursor) on stdout, and no prompt.
import assert from 'node:assert/strict'

import type {CliResult} from '../helpers/cli.js'
import {runCommand, type RunOptions, type RunResult} from '../helpers/run-command.js'

export type AitbcOptions = RunOptions

function checked(args: string[], options: AitbcOptions, result: RunResult): RunResult {
  if (!options.tty?.stdout) assert.ok(!result.stdout.includes('\u001B'), `escape byte on stdout of \`aitbc ${args.join(' ')}\`: ${JSON.stringify(result.stdout)}`)
  if (!options.tty?.stdin) assert.deepEqual(result.prompts, [], `\`aitbc ${args.join(' ')}\` prompted without a terminal`)
  return result
}

export async function aitbc(args: string[], options: AitbcOptions = {}): Promise<RunResult> {
  return checked(args, options, await runCommand(args, options))
}

/** A command the test watches while it runs (`jobs watch`, `jobs submit --wait`), then awaits like aitbc(). */
export interface RunningAitbc {
  /** Printed so far. */
  stdout(): string
  stderr(): string
  /** Resolves once stdout (or stderr) matches; rejects if the command ends first. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<RegExpMatchArray>
  /** Whether the command has ended. */
  ended(): boolean
  result: Promise<RunResult>
}

export function startAitbc(args: string[], options: AitbcOptions = {}): RunningAitbc {
  let done = false
  const live = {stdout: '', stderr: ''}
  const listeners = new Set<() => void>()
  const notify = () => listeners.forEach((listener) => listener())
  const result = runCommand(args, {
    ...options,
    onOutput: (stream, text) => {
      live[stream] += text
      notify()
    },
  }).then(
    (finished) => {
      done = true
      notify()
      return checked(args, options, finished)
    },
    (error) => {
      done = true
      notify()
      throw error
    },
  )
  const waitFor = (pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout') =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = live[stream].match(pattern)
        if (match) resolve(match)
        else if (done) reject(new Error(`\`aitbc ${args.join(' ')}\` ended before ${stream} matched ${pattern}:\n${live.stdout}\n${live.stderr}`))
        else return
        listeners.delete(check)
      }
      listeners.add(check)
      check()
    })
  return {stdout: () => live.stdout, stderr: () => live.stderr, waitFor, ended: () => done, result}
}

/** Asserts the exit code, showing the output when it differs. */
export function assertExit(result: CliResult, code: number): void {
  assert.equal(result.code, code, `expected exit ${code}, got ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`)
}

/** The one JSON document a --json run printed. */
export function json<T = Record<string, unknown>>(result: CliResult): T {
  return JSON.parse(result.stdout) as T
}
