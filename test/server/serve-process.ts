// Runs `aitbc serve` from the build (bin/run.js) as a child process and waits for its first line.
import assert from 'node:assert/strict'
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process'
import {existsSync} from 'node:fs'
import path from 'node:path'

import {BIN, REPO_ROOT} from '../helpers/cli.js'

export function assertBuilt(): void {
  const built = path.join(REPO_ROOT, 'dist', 'commands', 'serve', 'index.js')
  assert.ok(existsSync(built), `${built} is missing: run \`npm run build\` first (npm test does)`)
}

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams
  /** Everything printed so far. */
  stdout: () => string
  stderr: () => string
  /** Resolves with the exit code. */
  exited: Promise<number | null>
}

export function spawnCli(args: string[]): ServeProcess {
  const env: Record<string, string | undefined> = {...process.env}
  for (const name of Object.keys(env)) if (name.startsWith('AITBC_')) delete env[name]
  const child = spawn(process.execPath, [BIN, ...args], {env: env as NodeJS.ProcessEnv})
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return {child, stdout: () => out, stderr: () => err, exited}
}

/** Starts `aitbc serve` and resolves once it printed its listening line (and whatever follows at once). */
export async function startServe(args: string[], timeoutMs = 15_000): Promise<ServeProcess & {url: string}> {
  const proc = spawnCli(['serve', ...args])
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const match = /^listening on (http:\/\/\S+)\n/.exec(proc.stdout())
    if (match) return {...proc, url: match[1]}
    if (proc.child.exitCode !== null || Date.now() > deadline) {
      proc.child.kill('SIGKILL')
      throw new Error(`serve did not start: ${proc.stdout()} ${proc.stderr()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
