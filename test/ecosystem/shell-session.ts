// One bash session that README blocks run in, one after another, like a person pasting them into one
// terminal: variables, exports and the working directory carry over. `set -eo pipefail` is on, so a
// failing command ends the session and the block it was in fails, naming the command.
// Long-running commands run apart (`startBackground`), with the session's environment and directory.
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

const MARKER = '__readme_block_done__'

export interface BlockOutput {
  stdout: string
  stderr: string
}

export class BlockFailed extends Error {}

export class ShellSession {
  private readonly bash: ChildProcessWithoutNullStreams
  private output = ''
  private ended: number | null | undefined
  private readonly listeners = new Set<() => void>()
  private count = 0

  /** `scratch`: a directory for the session's own files (scripts, captured output). */
  constructor(
    cwd: string,
    env: NodeJS.ProcessEnv,
    private readonly scratch: string,
  ) {
    this.bash = spawn('bash', ['--noprofile', '--norc'], {cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true})
    const notify = () => this.listeners.forEach((listener) => listener())
    this.bash.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      this.output += chunk
      notify()
    })
    this.bash.stderr.resume()
    this.bash.on('exit', (code) => {
      this.ended = code
      notify()
    })
    this.bash.stdin.write(`set -eo pipefail\ntrap 'echo "[readme-test] this command failed (exit $?): $BASH_COMMAND" >&2' ERR\n`)
  }

  /** Runs a block; rejects with its output when a command in it fails or it outlasts timeoutMs. */
  async run(code: string, timeoutMs: number): Promise<BlockOutput> {
    const n = ++this.count
    const file = (suffix: string) => path.join(this.scratch, `block-${n}.${suffix}`)
    writeFileSync(file('sh'), `${code}\n`)
    // stdin from /dev/null: a command reading stdin must not eat the session's next lines.
    this.bash.stdin.write(`source '${file('sh')}' < /dev/null > '${file('out')}' 2> '${file('err')}'; echo ${MARKER} ${n}\n`)
    const finished = await this.waitFor(`${MARKER} ${n}\n`, timeoutMs)
    const read = (suffix: string) => {
      try {
        return readFileSync(file(suffix), 'utf8')
      } catch {
        return ''
      }
    }
    const output = {stdout: read('out'), stderr: read('err')}
    if (finished === 'done') return output
    if (finished === 'timeout') this.kill()
    const why = finished === 'timeout' ? `did not finish within ${timeoutMs / 1000} s` : `failed (bash exited ${this.ended})`
    throw new BlockFailed(`${why}\n--- stdout\n${output.stdout}--- stderr\n${output.stderr}`)
  }

  /** The exported environment and working directory the session has now. */
  async snapshot(): Promise<{env: NodeJS.ProcessEnv; cwd: string}> {
    const envFile = path.join(this.scratch, 'env')
    const cwdFile = path.join(this.scratch, 'cwd')
    await this.run(`env -0 > '${envFile}'; pwd > '${cwdFile}'`, 5_000)
    const env = Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .split('\0')
        .filter(Boolean)
        .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
    )
    return {env, cwd: readFileSync(cwdFile, 'utf8').trim()}
  }

  close(): void {
    if (this.ended !== undefined) return
    this.bash.stdin.end('exit 0\n')
    setTimeout(() => this.kill(), 2_000).unref()
  }

  private kill(): void {
    try {
      process.kill(-this.bash.pid!, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }

  private waitFor(text: string, timeoutMs: number): Promise<'done' | 'exited' | 'timeout'> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish('timeout'), timeoutMs)
      const finish = (how: 'done' | 'exited' | 'timeout') => {
        clearTimeout(timer)
        this.listeners.delete(check)
        resolve(how)
      }
      const check = () => {
        if (this.output.includes(text)) finish('done')
        else if (this.ended !== undefined) finish('exited')
      }
      this.listeners.add(check)
      check()
    })
  }
}

export interface BackgroundRun extends BlockOutput {
  firstLine: string
  /** Exit code after SIGTERM (null if it had to be killed). */
  code: number | null
}

/**
 * Starts one long-running command as `bash -c "exec COMMAND"` in its own process group, waits for the
 * first line on `stream`, then sends SIGTERM and waits for it to exit.
 */
export function runInBackground(command: string, options: {cwd: string; env: NodeJS.ProcessEnv; stream: 'stdout' | 'stderr'; timeoutMs: number}): Promise<BackgroundRun> {
  const child = spawn('bash', ['-c', `exec ${command}`], {cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true})
  const output = {stdout: '', stderr: ''}
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name)
    } catch {
      // Already gone.
    }
  }
  return new Promise((resolve, reject) => {
    let firstLine: string | undefined
    const killer = setTimeout(() => signal('SIGKILL'), options.timeoutMs)
    const onData = (stream: 'stdout' | 'stderr') => (chunk: string) => {
      output[stream] += chunk
      if (firstLine === undefined && stream === options.stream && output[stream].includes('\n')) {
        firstLine = output[stream].slice(0, output[stream].indexOf('\n'))
        signal('SIGTERM')
      }
    }
    child.stdout.setEncoding('utf8').on('data', onData('stdout'))
    child.stderr.setEncoding('utf8').on('data', onData('stderr'))
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(killer)
      if (firstLine === undefined) reject(new BlockFailed(`ended (exit ${code}) before a line on ${options.stream}\n--- stdout\n${output.stdout}--- stderr\n${output.stderr}`))
      else resolve({...output, firstLine, code})
    })
  })
}
