// Runs the built CLI (`node bin/run.js`, after `npm run build`) as a user would: a subprocess with its
// own environment, optional stdin, and no terminal. Each call gets a private config dir unless given.
import {spawn} from 'node:child_process'
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

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const env: Record<string, string | undefined> = {...process.env}
  for (const name of Object.keys(env)) if (name.startsWith('AITBC_')) delete env[name]
  Object.assign(env, {AITBC_CONFIG_DIR: tempConfigDir(), CI: 'true'}, options.env)
  const child = spawn(process.execPath, [BIN, ...args], {env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  child.stdin.end(options.input ?? '')
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000)
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
}
