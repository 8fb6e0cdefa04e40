// One JSON request to an HTTP inference server, with its failures turned into BackendErrors that say
// who failed and how: no answer at all (unavailable) or an error answer (failed).
import {BackendError} from './backend.js'

export interface JsonRequest {
  method: 'GET' | 'POST'
  body?: unknown
  headers?: Record<string, string>
  signal: AbortSignal
  /** Gives up after this long, as "did not answer" (the caller's signal still aborts at any time). */
  timeoutMs?: number
}

/** `who` names the server in messages, e.g. "ollama at http://127.0.0.1:11434". */
export async function requestJson(url: string, request: JsonRequest, who: string): Promise<Record<string, unknown>> {
  const signal = request.timeoutMs ? AbortSignal.any([request.signal, AbortSignal.timeout(request.timeoutMs)]) : request.signal
  let response: Response
  let text: string
  try {
    response = await fetch(url, {
      method: request.method,
      headers: {Accept: 'application/json', ...(request.body === undefined ? {} : {'Content-Type': 'application/json'}), ...request.headers},
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal,
    })
    text = await response.text()
  } catch (error) {
    throw noAnswer(error, request, who)
  }
  const body = parseObject(text)
  if (!response.ok) {
    const reason = errorMessage(body) ?? (text.trim().slice(0, 300) || response.statusText)
    throw new BackendError(`${who} answered ${response.status}: ${reason}`, 'failed')
  }
  if (!body) throw new BackendError(`${who} answered with something that is not a JSON object`, 'failed')
  return body
}

function noAnswer(error: unknown, request: JsonRequest, who: string): unknown {
  // The caller's own abort (job timeout, miner stopping) is not the backend's failure.
  if (request.signal.aborted) return request.signal.reason
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return new BackendError(`${who} did not answer within ${(request.timeoutMs ?? 0) / 1000} s`, 'unavailable')
  }
  const cause = (error as {cause?: {code?: string; message?: string}}).cause
  const reason = cause?.code ?? cause?.message ?? (error as Error).message
  return new BackendError(`${who} did not answer: ${reason}`, 'unavailable')
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Ollama says `{error: "..."}`; OpenAI-compatible servers say `{error: {message: "..."}}`. */
function errorMessage(body: Record<string, unknown> | undefined): string | undefined {
  const error = body?.error
  if (typeof error === 'string') return error
  if (typeof error === 'object' && error !== null && typeof (error as {message?: unknown}).message === 'string') {
    return (error as {message: string}).message
  }
  return undefined
}

/** A count the server reported, when it is a usable one. */
export function tokenCount(value: unknown): number | undefined {
  return Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : undefined
}

/** The base URL without trailing slashes (and without `suffix`, when the user included it). */
export function baseUrl(url: string, suffix?: string): string {
  let base = url.replace(/\/+$/, '')
  if (suffix && base.endsWith(suffix)) base = base.slice(0, -suffix.length)
  return base
}

/** Listing models is quick on every server; one that takes longer is not answering. */
export const LIST_TIMEOUT_MS = 10_000
