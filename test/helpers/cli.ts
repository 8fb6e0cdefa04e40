// Runs the built CLI (`node bin/run.js`, after `npm run build`) as a user would: a subprocess with its
// own environment, optional stdin, and no terminal. Each call gets a private config dir unless given.
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
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
  timeoutMs?: number
}

/** A fresh, empty directory for AITBC_CONFIG_DIR. */
export function tempConfigDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'aitbc-config-'))
}

/** A CLI process the test watches while it runs (e.g. `jobs watch`), then awaits like runCli. */
export interface RunningCli {
  child: ChildProcessWithoutNullStreams
  /** Everything printed so far. */
  stdout(): string
  stderr(): string
  /** Resolves once stdout (or stderr) matches; rejects if the process ends first. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<RegExpMatchArray>
  /** Resolves when the process has ended; SIGKILLed after timeoutMs in any case. */
  result: Promise<CliResult>
}

export function spawnCli(args: string[], options: CliOptions = {}): RunningCli {
  const env: Record<string, string | undefined> = {...process.env}
  for (const name of Object.keys(env)) if (name.startsWith('AITBC_')) delete env[name]
  Object.assign(env, {AITBC_CONFIG_DIR: tempConfigDir(), CI: 'true'}, options.env)
  const child = spawn(process.execPath, [BIN, ...args], {env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  const listeners = new Set<() => void>()
  const notify = () => {
    for (const listener of listeners) listener()
  }
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    notify()
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
    notify()
  })
  child.stdin.end(options.input ?? '')
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000)
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
      notify()
    })
  })
  const waitFor = (pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout') =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = (stream === 'stdout' ? stdout : stderr).match(pattern)
        if (match) resolve(match)
        else if (child.exitCode !== null || child.signalCode !== null) reject(new Error(`ended before ${stream} matched ${pattern}:\n${stdout}\n${stderr}`))
        else return
        listeners.delete(check)
      }
      listeners.add(check)
      check()
    })
  return {child, stdout: () => stdout, stderr: () => stderr, waitFor, result}
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return spawnCli(args, options).result
}
