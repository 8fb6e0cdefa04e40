// A shell command as the backend: the prompt on stdin, the result from stdout. A non-zero exit is a
// failed job, except the shell's "not found" (127) and "not executable" (126): those say the backend
// is broken, not the job, so the miner pauses as it does for a server that does not answer. The job's
// model and params reach the command as AITBC_* environment variables; the miner's own secrets do not.
import {execFile, spawn} from 'node:child_process'
import {access, constants, stat} from 'node:fs/promises'
import {StringDecoder} from 'node:string_decoder'

import {answerTooLarge, type BackendLimits, BackendError, DEFAULT_MAX_ANSWER_BYTES, DEFAULT_PROBE_TIMEOUT_MS, type Generation, type GenerationRequest, type InferenceBackend} from './backend.js'

const STDERR_TAIL_CHARS = 500
const SECRET_VARIABLES = ['AITBC_API_KEY', 'AITBC_BACKEND_API_KEY']
/** The shell's exit codes for a command it could not find, or found but could not run. */
const NOT_FOUND = 127
const NOT_EXECUTABLE = 126
const PROBE_PROMPT = 'Say hello. (aitbc miner checking that its command works again)'
/** A first word the start-up check can look up: a name or a path, not an assignment or shell syntax. */
const FIRST_WORD = /^\s*([\w./+@%:-]+)(?=\s|$)/

export class CommandBackend implements InferenceBackend {
  readonly kind = 'command'
  /** Set when a job ended in "not found" or "not executable": the model to probe with until it runs again. */
  private brokenFor?: string
  /** More output than this is not a result anyone asked for; the command is stopped. */
  private readonly maxBytes: number
  /** A test prompt that runs this long has found its command: the check stops it and passes (--probe-timeout). */
  private readonly probeTimeoutMs: number

  constructor(
    readonly target: string,
    limits: BackendLimits = {},
  ) {
    this.maxBytes = limits.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES
    this.probeTimeoutMs = limits.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS
  }

  async listModels(): Promise<undefined> {
    return undefined
  }

  /**
   * Catches most broken command lines without running them: the first word must be a command the
   * shell finds (or an executable file). After a job hit "not found", a short test prompt decides.
   */
  async check(signal: AbortSignal): Promise<void> {
    const model = this.brokenFor
    if (model === undefined) return this.checkFirstWord()
    const probe = new AbortController()
    const timer = setTimeout(() => probe.abort(), this.probeTimeoutMs)
    const onAbort = () => probe.abort(signal.reason)
    signal.addEventListener('abort', onAbort, {once: true})
    try {
      await this.generate({jobId: 'check', model, prompt: PROBE_PROMPT, params: {max_tokens: 16, temperature: 0, top_p: 1}}, probe.signal)
    } catch (error) {
      if (signal.aborted || (error instanceof BackendError && error.kind === 'unavailable')) throw error
      // Any other outcome (a slow answer included) means the command runs again; each job decides the rest.
    } finally {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
    }
    this.brokenFor = undefined
  }

  private async checkFirstWord(): Promise<void> {
    const word = FIRST_WORD.exec(this.target)?.[1]
    if (!word) return
    if (word.includes('/')) {
      const problem = await executableProblem(word)
      if (problem) throw new BackendError(`the command ${word} ${problem}`, 'misconfigured')
    } else if (!(await shellFinds(word))) {
      throw new BackendError(`the command ${word} was not found (not installed, or not on PATH)`, 'misconfigured')
    }
  }

  generate(request: GenerationRequest, signal: AbortSignal): Promise<Generation> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason)
      // Its own process group, so that stopping it reaches whatever the shell started, and so that a
      // Ctrl-C meant for the miner (which finishes running jobs) does not kill the job.
      const child = spawn(this.target, {shell: true, detached: true, stdio: ['pipe', 'pipe', 'pipe'], env: jobEnvironment(request)})
      const stdout: Buffer[] = []
      let stdoutBytes = 0
      let stderr = ''
      let failure: unknown

      const stop = (reason: unknown) => {
        failure ??= reason
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL')
        } catch {
          // Already gone.
        }
      }
      const onAbort = () => stop(signal.reason)
      signal.addEventListener('abort', onAbort, {once: true})

      // Streaming: each piece of stdout as it arrives, cut only between whole UTF-8 characters.
      const decoder = request.onText ? new StringDecoder('utf8') : undefined
      child.stdout.on('data', (chunk: Buffer) => {
        stdoutBytes += chunk.length
        if (stdoutBytes > this.maxBytes) {
          stop(answerTooLarge('the command', this.maxBytes))
          return
        }
        stdout.push(chunk)
        const piece = decoder?.write(chunk)
        if (piece) request.onText!(piece)
      })
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS)
      })
      // A command that does not read its stdin closes the pipe early; that is its business.
      child.stdin.on('error', () => {})
      child.stdin.end(request.prompt)

      let settled = false
      child.on('error', (error) => {
        if (settled) return
        settled = true
        signal.removeEventListener('abort', onAbort)
        reject(new BackendError(`cannot start the command: ${error.message}`, 'unavailable'))
      })
      child.on('close', (code, killedBy) => {
        if (settled) return
        settled = true
        signal.removeEventListener('abort', onAbort)
        if (failure !== undefined) return reject(failure)
        if (code === 0) {
          this.brokenFor = undefined
          const rest = decoder?.end()
          if (rest) request.onText!(rest)
          return resolve({text: Buffer.concat(stdout).toString('utf8')})
        }
        const detail = stderr.trim() ? `: ${stderr.trim()}` : ''
        if (code === NOT_FOUND || code === NOT_EXECUTABLE) {
          this.brokenFor = request.model
          const what = code === NOT_FOUND ? 'a command it runs was not found' : 'a command it runs is not executable'
          return reject(new BackendError(`the command exited with code ${code} (${what})${detail}`, 'unavailable'))
        }
        const how = code === null ? `was killed by ${killedBy}` : `exited with code ${code}`
        reject(new BackendError(`the command ${how}${detail}`, 'failed'))
      })
    })
  }
}

function jobEnvironment(request: GenerationRequest): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...process.env}
  for (const name of SECRET_VARIABLES) delete env[name]
  return {
    ...env,
    AITBC_JOB_ID: request.jobId,
    AITBC_MODEL: request.model,
    AITBC_MAX_TOKENS: String(request.params.max_tokens),
    AITBC_TEMPERATURE: String(request.params.temperature),
    AITBC_TOP_P: String(request.params.top_p),
  }
}

/** Asks the shell that runs jobs, so builtins, keywords and PATH are exactly what a job sees. */
function shellFinds(word: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', 'command -v -- "$1" >/dev/null', 'sh', word], (error) => resolve(!error))
  })
}

async function executableProblem(file: string): Promise<string | undefined> {
  try {
    if (!(await stat(file)).isFile()) return 'is not a file'
    await access(file, constants.X_OK)
    return undefined
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not executable (chmod +x?)'
  }
}
