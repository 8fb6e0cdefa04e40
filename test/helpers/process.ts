// Every process a test starts goes through here: in its own process group (so a shell and what it
// starts die together), signalled and killed as a group, killed after a time limit with an error that
// says so and shows what it printed, and killed when the test file's process exits in any case.
//
//   const run = startProcess(process.execPath, ['bin/run.js', 'serve'], {env, timeoutMs: 60_000})
//   await run.waitFor(/listening on/)          // stdout by default; rejects with the output if it ends first
//   run.signal('SIGTERM')                       // to the whole group
//   const {code, stdout, stderr} = await run.result
//
// `result` rejects with "… killed after N s" and the output when the time limit passes.
import {type ChildProcess, spawn} from 'node:child_process'
import {closeSync, openSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

export interface ProcessResult {
  /** The exit code, or null when a signal ended it (see `signal`). */
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** stdout and stderr, labelled, for assertion messages. */
  output: string
}

export interface ProcessOptions {
  cwd?: string
  /** The whole environment (not merged with the test's). */
  env?: NodeJS.ProcessEnv
  /** Written to stdin, which is then closed; without it stdin is an empty, closed pipe. */
  input?: string
  /** Stdin redirected from this file (`< FILE`), instead of a pipe. */
  stdinFile?: string
  /** Leave stdin open for the test to write to (`child.stdin`). */
  keepStdinOpen?: boolean
  /** Killed (the whole group) after this long; `result` then rejects. Default 60 s. */
  timeoutMs?: number
  /** A name for messages, e.g. `aitbc jobs list`; default the command and its arguments. */
  name?: string
}

export interface RunningProcess {
  child: ChildProcess
  pid: number
  stdout(): string
  stderr(): string
  /** Resolves once `stream` matches; rejects if the process ends first or `timeoutMs` passes. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<RegExpMatchArray>
  /** Sends a signal to the process group. */
  signal(name: NodeJS.Signals): void
  result: Promise<ProcessResult>
}

const DEFAULT_TIMEOUT_MS = 60_000
/** Process groups still running, killed when this test file's process exits. */
const live = new Set<number>()
process.once('exit', () => {
  for (const pgid of live) killGroup(pgid, 'SIGKILL')
})

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal)
  } catch {
    // Already gone.
  }
}

function describe(result: Omit<ProcessResult, 'output'>): string {
  return `--- stdout\n${result.stdout}--- stderr\n${result.stderr}`
}

export function startProcess(command: string, args: string[], options: ProcessOptions = {}): RunningProcess {
  const name = options.name ?? [command, ...args].join(' ')
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const stdinFd = options.stdinFile === undefined ? undefined : openSync(options.stdinFile, 'r')
  const child = spawn(command, args, {cwd: options.cwd, env: options.env ?? process.env, stdio: [stdinFd ?? 'pipe', 'pipe', 'pipe'], detached: true})
  if (stdinFd !== undefined) closeSync(stdinFd)
  const pid = child.pid!
  live.add(pid)
  let stdout = ''
  let stderr = ''
  let ended = false
  const listeners = new Set<() => void>()
  const notify = () => {
    for (const listener of listeners) listener()
  }
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    notify()
  })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
    notify()
  })
  // A child that exits without reading its stdin must not fail the test with EPIPE.
  child.stdin?.on('error', () => {})
  if (!options.keepStdinOpen) child.stdin?.end(options.input ?? '')

  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    killGroup(pid, 'SIGKILL')
  }, timeoutMs)
  const result = new Promise<ProcessResult>((resolve, reject) => {
    child.on('error', (error) => {
      clearTimeout(timer)
      live.delete(pid)
      reject(error)
    })
    // Whatever the process left running in its group goes with it (and stops holding its pipes open).
    child.on('exit', () => killGroup(pid, 'SIGKILL'))
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      ended = true
      live.delete(pid)
      notify()
      const done = {code, signal, stdout, stderr}
      if (timedOut) reject(new Error(`${name}: killed after ${timeoutMs / 1000} s\n${describe(done)}`))
      else resolve({...done, output: describe(done)})
    })
  })
  // Callers that only use waitFor still see a timeout, through waitFor's rejection.
  result.catch(() => {})

  const waitFor = (pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout', waitMs = timeoutMs) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timeout = setTimeout(() => finish(new Error(`${name}: ${stream} did not match ${pattern} within ${waitMs / 1000} s\n${describe({code: null, signal: null, stdout, stderr})}`)), waitMs)
      const finish = (outcome: RegExpMatchArray | Error) => {
        clearTimeout(timeout)
        listeners.delete(check)
        if (outcome instanceof Error) reject(outcome)
        else resolve(outcome)
      }
      const check = () => {
        const match = (stream === 'stdout' ? stdout : stderr).match(pattern)
        if (match) finish(match)
        else if (ended) finish(new Error(`${name}: ended (exit ${child.exitCode ?? child.signalCode}) before ${stream} matched ${pattern}\n${describe({code: null, signal: null, stdout, stderr})}`))
      }
      listeners.add(check)
      check()
    })

  return {child, pid, stdout: () => stdout, stderr: () => stderr, waitFor, signal: (signal) => killGroup(pid, signal), result}
}

export function runProcess(command: string, args: string[], options: ProcessOptions = {}): Promise<ProcessResult> {
  return startProcess(command, args, options).result
}

/** The test's own environment with `extra` on top (undefined removes a variable). */
export function withEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...process.env, ...extra}
  for (const [name, value] of Object.entries(extra)) if (value === undefined) delete env[name]
  return env
}

/** Whether this code runs from the suite's compiled tree (.test-build/, scripts/build-tests.mjs) or under tsx. */
const COMPILED = import.meta.url.endsWith('.js')

/**
 * Node's arguments that run a TypeScript module of the repository, e.g.
 * `nodeScript(new URL('./lead-until-killed.ts', import.meta.url))`: the .js beside the caller in the
 * compiled tree, the .ts with `--import tsx` otherwise (`npm run bench`), so a child does not pay
 * tsx's loader (about a second of CPU) when its parent did not.
 */
export function nodeScript(url: URL): string[] {
  const file = fileURLToPath(url)
  return COMPILED ? [file.replace(/\.ts$/, '.js')] : ['--import', 'tsx', file]
}
