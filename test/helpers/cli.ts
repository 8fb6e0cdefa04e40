// Runs the built CLI (`node bin/run.js`, after `npm run build`) as a user would: a subprocess with its
// own environment, optional stdin, and no terminal. Each call gets a private config dir unless given.
// For the end-to-end tests only (pipelines, signals, exit codes of the real process, README
// examples); everything else runs commands in-process with test/helpers/run-command.ts.
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {packageFile} from '../../src/server/package-root.js'
import {type RunningProcess, startProcess} from './process.js'

/** The repository (found from the package.json above, so also from the suite's compiled tree). */
export const REPO_ROOT = packageFile('.')
export const BIN = path.join(REPO_ROOT, 'bin', 'run.js')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  env?: Record<string, string | undefined>
  /** Written to stdin, which is then closed. Without it stdin is an empty, closed pipe. */
  input?: string
  /** Stdin redirected from this file (`< FILE`) instead of a pipe. */
  stdinFile?: string
  /** Killed (with its process group) after this long; the run then fails with "killed after N s". */
  timeoutMs?: number
}

/** A fresh, empty directory for AITBC_CONFIG_DIR. */
export function tempConfigDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'aitbc-config-'))
}

/** The environment of a CLI run: none of the test's AITBC_* settings, a private config dir, CI=true. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...process.env}
  for (const name of Object.keys(env)) if (name.startsWith('AITBC_')) delete env[name]
  Object.assign(env, {AITBC_CONFIG_DIR: tempConfigDir(), CI: 'true'}, extra)
  for (const [name, value] of Object.entries(extra)) if (value === undefined) delete env[name]
  return env
}

/** A CLI process the test watches while it runs, then awaits like runCli. */
export type RunningCli = RunningProcess

export function spawnCli(args: string[], options: CliOptions = {}): RunningCli {
  return startProcess(process.execPath, [BIN, ...args], {
    env: cliEnv(options.env),
    input: options.input,
    stdinFile: options.stdinFile,
    timeoutMs: options.timeoutMs ?? 60_000,
    name: `aitbc ${args.join(' ')}`,
  })
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return spawnCli(args, options).result
}
