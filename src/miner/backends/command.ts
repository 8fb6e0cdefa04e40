// A shell command as the backend: the prompt on stdin, the result from stdout. A non-zero exit is a
// failed job. The job's model and params reach the command as AITBC_* environment variables; the
// miner's own secrets do not.
import {spawn} from 'node:child_process'

import {BackendError, type Generation, type GenerationRequest, type InferenceBackend} from './backend.js'

/** More output than this is not a result anyone asked for; the command is stopped. */
export const MAX_COMMAND_OUTPUT_BYTES = 16 * 1024 * 1024
const STDERR_TAIL_CHARS = 500
const SECRET_VARIABLES = ['AITBC_API_KEY', 'AITBC_BACKEND_API_KEY']

export class CommandBackend implements InferenceBackend {
  readonly kind = 'command'

  constructor(readonly target: string) {}

  async listModels(): Promise<undefined> {
    return undefined
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

      child.stdout.on('data', (chunk: Buffer) => {
        stdoutBytes += chunk.length
        if (stdoutBytes > MAX_COMMAND_OUTPUT_BYTES) {
          stop(new BackendError(`the command printed more than ${MAX_COMMAND_OUTPUT_BYTES / 1024 / 1024} MiB`, 'failed'))
        } else stdout.push(chunk)
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
        if (code === 0) return resolve({text: Buffer.concat(stdout).toString('utf8')})
        const how = code === null ? `was killed by ${killedBy}` : `exited with code ${code}`
        const detail = stderr.trim() ? `: ${stderr.trim()}` : ''
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
