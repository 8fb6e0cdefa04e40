// How the API client sends a call: one exchange at a time (./transport.ts) under a deadline for the whole
// call, with retries (exponential backoff with full jitter) for connection errors and 502/503/504,
// only on requests that are safe to repeat: GET/HEAD, or a POST that carries an Idempotency-Key so the
// coordinator answers a repeat with the first result. Retries never take the call past its deadline.
import {UnreachableError} from './errors.js'
import {type Answer, type Exchange, exchange, type LimitNames} from './transport.js'

export interface RetryOptions {
  retries: number
  baseDelayMs: number
  maxDelayMs: number
}

export interface RequestLimits {
  /** Per attempt, until the connection is up. */
  connectTimeoutMs: number
  /** The whole call, retries included, until the last byte of the answer. */
  requestTimeoutMs: number
  /** A long poll: the coordinator may hold the answer this long, on top of requestTimeoutMs. */
  waitMs: number
  maxAnswerBytes: number
}

export type FetchOptions = RetryOptions & RequestLimits & {names: LimitNames}

export const DEFAULT_RETRY: RetryOptions = {retries: 3, baseDelayMs: 200, maxDelayMs: 3000}
export const DEFAULT_LIMITS: RequestLimits = {connectTimeoutMs: 10_000, requestTimeoutMs: 30_000, waitMs: 0, maxAnswerBytes: 64 * 1024 * 1024}
/** How the limits are named in errors when no command line named them. */
export const DEFAULT_LIMIT_NAMES: LimitNames = {connect: 'connect timeout', request: 'request timeout', size: 'a larger answer limit'}
/** After a long poll's wait, the most the answer may take to start arriving. */
const LONG_POLL_MARGIN_MS = 5000

const RETRYABLE_STATUSES = new Set([502, 503, 504])

/** How the client sends one call: an exchange, retried as the options allow. */
export type Send = (call: Exchange) => Promise<Answer>

export function isSafeToRepeat(call: Pick<Exchange, 'method' | 'headers'>): boolean {
  return call.method === 'GET' || call.method === 'HEAD' || Object.hasOwn(call.headers, 'idempotency-key')
}

export function backoffDelay(attempt: number, options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt)
  return Math.random() * ceiling
}

export function retryingFetch(options: FetchOptions): Send {
  return async (call) => {
    const started = Date.now()
    const deadline = started + options.requestTimeoutMs + options.waitMs
    const attempts = isSafeToRepeat(call) ? options.retries + 1 : 1
    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - Date.now()
      const limits = {
        connectMs: Math.min(options.connectTimeoutMs, remaining),
        firstByteMs: Math.min(remaining, options.waitMs > 0 ? options.waitMs + Math.min(LONG_POLL_MARGIN_MS, options.requestTimeoutMs) : remaining),
        totalMs: remaining,
        maxBytes: options.maxAnswerBytes,
      }
      const last = attempt + 1 >= attempts
      let response: Answer | undefined
      let failure: UnreachableError | undefined
      try {
        response = await exchange(call, limits, options.names)
      } catch (error) {
        if (!(error instanceof UnreachableError) || last || call.signal?.aborted) throw error
        failure = error
      }
      if (response && (last || !RETRYABLE_STATUSES.has(response.status))) return response
      const delay = backoffDelay(attempt, options)
      // No time left for another try: the next attempt would only fail on the deadline.
      if (Date.now() + delay >= deadline) {
        if (response) return response
        throw failure
      }
      await sleep(delay)
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
