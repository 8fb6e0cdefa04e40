// fetch with a per-attempt timeout and retries (exponential backoff with full jitter) for connection
// errors and 502/503/504 — only on requests that are safe to repeat: GET/HEAD, or a POST that carries
// an Idempotency-Key so the coordinator answers a repeat with the first result.
import {UnreachableError} from './errors.js'

export interface RetryOptions {
  timeoutMs: number
  retries: number
  baseDelayMs: number
  maxDelayMs: number
}

export const DEFAULT_RETRY: RetryOptions = {timeoutMs: 30_000, retries: 3, baseDelayMs: 200, maxDelayMs: 3000}

const RETRYABLE_STATUSES = new Set([502, 503, 504])

export function isSafeToRepeat(request: Request): boolean {
  return request.method === 'GET' || request.method === 'HEAD' || request.headers.has('idempotency-key')
}

export function backoffDelay(attempt: number, options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt)
  return Math.random() * ceiling
}

export function retryingFetch(options: RetryOptions = DEFAULT_RETRY): (request: Request) => Promise<Response> {
  return async (request) => {
    const attempts = isSafeToRepeat(request) ? options.retries + 1 : 1
    for (let attempt = 0; ; attempt++) {
      const last = attempt + 1 >= attempts
      try {
        const signal = AbortSignal.any([request.signal, AbortSignal.timeout(options.timeoutMs)])
        const response = await fetch(last ? request : request.clone(), {signal})
        if (last || !RETRYABLE_STATUSES.has(response.status)) return response
        await response.body?.cancel()
      } catch (error) {
        if (request.signal.aborted) throw error
        if (last) throw new UnreachableError(origin(request.url), describeFailure(error, options.timeoutMs))
      }
      await sleep(backoffDelay(attempt, options))
    }
  }
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`
  const cause = (error as {cause?: {code?: string; message?: string}}).cause
  return cause?.code ?? cause?.message ?? (error as Error).message
}

function origin(url: string): string {
  return new URL(url).origin
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
