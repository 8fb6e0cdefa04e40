// What the miner asks of an inference backend: the models it serves, and one generation per job.
import type {Job} from '../../client/client.js'

export const BACKEND_KINDS = ['ollama', 'openai', 'command'] as const
export type BackendKind = (typeof BACKEND_KINDS)[number]

/** The sampling settings of a job, exactly as the coordinator hands them out. */
export type GenerationParams = Job['params']

/** A chat message of a job submitted through the OpenAI-compatible gateway. */
export type ChatMessage = NonNullable<Job['messages']>[number]

export interface GenerationRequest {
  jobId: string
  model: string
  /** The prompt; for a chat job, its messages rendered as text (what a command backend reads). */
  prompt: string
  /** Set for chat jobs: HTTP backends send these to their chat endpoints instead of the prompt. */
  messages?: ChatMessage[]
  params: GenerationParams
  /**
   * When set, the backend runs in its streaming mode and calls this with each piece of text as it is
   * generated; the Generation it resolves with is still the whole text.
   */
  onText?: (text: string) => void
}

export interface Generation {
  text: string
  /** Tokens the backend says it generated; absent when it does not say (the coordinator then counts). */
  units?: number
}

export interface InferenceBackend {
  readonly kind: BackendKind
  /** Where it runs, for messages: a URL or the command line. */
  readonly target: string
  /** The models it serves, or undefined when it cannot tell (a command serves what it is told to). */
  listModels(signal?: AbortSignal): Promise<string[] | undefined>
  /** Runs one job. Throws BackendError; rethrows the signal's reason when aborted. */
  generate(request: GenerationRequest, signal: AbortSignal): Promise<Generation>
  /**
   * Whether it can take jobs now: resolves when it can, throws BackendError when it cannot. The miner
   * calls it before taking jobs and, while the backend is down, to learn when it is back.
   */
  check(signal: AbortSignal): Promise<void>
}

/**
 * `unavailable`: the backend did not answer at all (down, refused, wrong URL, a command not found) —
 * the miner pauses before taking more work. `failed`: it answered, but this job did not succeed.
 * `misconfigured`: it can never work as set up (a command that does not exist) — the miner refuses to
 * start rather than fail every queued job.
 */
export type BackendFailureKind = 'unavailable' | 'failed' | 'misconfigured'

/**
 * The most a backend may send for one call (a JSON answer, a whole stream, a command's output): more is
 * not a result anyone asked for, and the miner would hold all of it in memory. --backend-max-answer-mib.
 */
export const DEFAULT_MAX_ANSWER_BYTES = 16 * 1024 * 1024

/** Listing models is quick on every server; one that takes longer is not answering. */
export const DEFAULT_LIST_TIMEOUT_MS = 10_000
export const LIST_TIMEOUT_FLAG = '--backend-list-timeout'

/**
 * How long a command backend's test prompt may run: `miner doctor` fails a command slower than this, and
 * `miner run`, checking that a command is found again, takes one still running this long as found. --probe-timeout.
 */
export const DEFAULT_PROBE_TIMEOUT_MS = 30_000

export interface BackendLimits {
  /** Defaults to DEFAULT_MAX_ANSWER_BYTES. */
  maxAnswerBytes?: number
  /** ollama and openai: defaults to DEFAULT_LIST_TIMEOUT_MS. */
  listTimeoutMs?: number
  /** command: defaults to DEFAULT_PROBE_TIMEOUT_MS. */
  probeTimeoutMs?: number
}

/** `who` (a server, "the command") sent more than the limit. */
export function answerTooLarge(who: string, maxBytes: number): BackendError {
  const mib = maxBytes / 1024 / 1024
  const size = Number.isInteger(mib) ? `${mib} MiB` : `${maxBytes} bytes`
  return new BackendError(`${who} sent more than ${size} (--backend-max-answer-mib raises the limit)`, 'failed')
}

export class BackendError extends Error {
  constructor(
    message: string,
    readonly kind: BackendFailureKind,
  ) {
    super(message)
    this.name = 'BackendError'
  }
}
