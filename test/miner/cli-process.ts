// A long-running built CLI (`node bin/run.js ...`) as a subprocess the test can watch and signal:
// a miner or `aitbc serve`. Like runCli it gets a private config dir, CI=true and no AITBC_* from the
// test's own environment; unlike runCli the test decides when it ends.
import {BIN, cliEnv} from '../helpers/cli.js'
import {type RunningProcess, startProcess} from '../helpers/process.js'

export interface CliProcess extends RunningProcess {
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>
  /** Waits until stdout or stderr (`stream`, stderr by default) matches. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<RegExpMatchArray>
}

/** Killed (with its process group) after `maxMs` in any case, so a broken test cannot hang the suite. */
export function startCli(args: string[], env: Record<string, string> = {}, maxMs = 60_000): CliProcess {
  const running = startProcess(process.execPath, [BIN, ...args], {env: cliEnv(env), timeoutMs: maxMs, name: `aitbc ${args.join(' ')}`})
  // A process killed by its time limit rejects with "… killed after N s" and its output, so the test
  // fails saying what was killed rather than with whatever that did to the test (a refused connection).
  const exited = running.result.then((result) => result.code ?? result.signal ?? 'unknown')
  exited.catch(() => {})
  return {...running, exited, waitFor: (pattern, stream = 'stderr', timeoutMs = 20_000) => running.waitFor(pattern, stream, timeoutMs)}
}

/** Parses JSON Lines output. */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}
