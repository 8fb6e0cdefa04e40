// A long-running built CLI (`node bin/run.js ...`) as a subprocess the test can watch and signal:
// a miner or `aitbc serve`. Like runCli it gets a private config dir, CI=true and no AITBC_* from the
// test's own environment; unlike runCli the test decides when it ends.
import {type ChildProcess, spawn} from 'node:child_process'

import {BIN, tempConfigDir} from '../helpers/cli.js'
import {until} from './worker-helpers.js'

export interface CliProcess {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>
  /** Waits until stdout or stderr (`stream`) matches. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<RegExpMatchArray>
}

/** Killed with SIGKILL after `maxMs` in any case, so a broken test cannot hang the suite. */
export function startCli(args: string[], env: Record<string, string> = {}, maxMs = 60_000): CliProcess {
  const childEnv: Record<string, string | undefined> = {...process.env}
  for (const name of Object.keys(childEnv)) if (name.startsWith('AITBC_')) delete childEnv[name]
  Object.assign(childEnv, {AITBC_CONFIG_DIR: tempConfigDir(), CI: 'true'}, env)
  const child = spawn(process.execPath, [BIN, ...args], {env: childEnv as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const guard = setTimeout(() => child.kill('SIGKILL'), maxMs)
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(guard)
      resolve(code ?? signal ?? 'unknown')
    })
  })
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor: async (pattern, stream = 'stderr', timeoutMs = 20_000) => {
      const text = () => (stream === 'stdout' ? stdout : stderr)
      try {
        return await until(`${pattern} on ${stream}`, () => text().match(pattern) ?? undefined, timeoutMs)
      } catch (error) {
        throw new Error(`${(error as Error).message}; it said:\n${text()}`)
      }
    },
  }
}


/** Parses JSON Lines output. */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}
