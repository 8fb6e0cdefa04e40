// One JSON request to an HTTP inference server, with its failures turned into BackendErrors that say
// who failed and how: no answer at all (unavailable) or an error answer (failed). No redirect is
// followed (a job's prompt and the bearer key go to the server named, nowhere else), and no answer is
// read past the size limit: it is refused while it streams in, so a server cannot fill the miner's memory.
import {TextSplitter} from '../../client/text-splitter.js'
import {withDeadline} from '../deadline.js'
import {answerTooLarge, BackendError} from './backend.js'

export interface JsonRequest {
  method: 'GET' | 'POST'
  body?: unknown
  headers?: Record<string, string>
  signal: AbortSignal
  /** Gives up after this long, as "did not answer" (the caller's signal still aborts at any time). */
  timeoutMs?: number
  /** The flag that sets timeoutMs, named when it passes. */
  timeoutFlag?: string
  /** The largest answer (or, streaming, the whole stream) accepted. */
  maxBytes: number
}

/** `who` names the server in messages, e.g. "ollama at http://127.0.0.1:11434". */
export async function requestJson(url: string, request: JsonRequest, who: string): Promise<Record<string, unknown>> {
  const deadline = withDeadline(request.signal, request.timeoutMs)
  let response: Response
  let text: string
  try {
    response = await send(url, request, deadline.signal, 'application/json')
    text = await readText(response, request.maxBytes, who)
  } catch (error) {
    if (error instanceof BackendError) throw error
    throw noAnswer(error, request, who, deadline.timedOut())
  } finally {
    deadline.clear()
  }
  const body = parseObject(text)
  if (!response.ok) throw errorAnswer(response, text, body, who)
  if (!body) throw new BackendError(`${who} answered with something that is not a JSON object`, 'failed')
  return body
}

/**
 * A streaming request (Ollama's NDJSON, OpenAI's Server-Sent Events): each line of the answer goes to
 * `onLine` as it arrives. An error answer is read up to MAX_ERROR_BYTES and thrown as for requestJson.
 * One line is bounded by `maxBytes` (--backend-max-answer-mib), as the whole stream is: a line is part of
 * the stream, so it can never be larger than all of it, and what is held of an unfinished line is never
 * more than was received.
 */
export async function requestLines(url: string, request: JsonRequest, who: string, accept: string, onLine: (line: string) => void): Promise<void> {
  let response: Response
  try {
    response = await send(url, request, request.signal, accept)
  } catch (error) {
    throw noAnswer(error, request, who, false)
  }
  if (!response.ok || !response.body) {
    const text = await readErrorText(response)
    throw errorAnswer(response, text, parseObject(text), who)
  }
  const decoder = new TextDecoder()
  const lines = new TextSplitter('\n')
  let total = 0
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.length
      if (total > request.maxBytes) throw answerTooLarge(who, request.maxBytes)
      for (const line of lines.push(decoder.decode(chunk, {stream: true}))) onLine(line.replace(/\r$/, ''))
    }
    const rest = lines.rest() + decoder.decode()
    if (rest) onLine(rest)
  } catch (error) {
    if (error instanceof BackendError) throw error
    if (request.signal.aborted) throw request.signal.reason
    throw new BackendError(`${who} broke off its stream: ${(error as Error).message}`, 'failed')
  }
}

/**
 * Of a stream's error answer, only this much is read: the rest is left unread, and the message is cut shorter
 * still. A cut, never a failure (no flag for it): a longer error answer is still the error it says.
 */
const MAX_ERROR_BYTES = 64 * 1024

function send(url: string, request: JsonRequest, signal: AbortSignal, accept: string): Promise<Response> {
  return fetch(url, {
    method: request.method,
    headers: {Accept: accept, ...(request.body === undefined ? {} : {'Content-Type': 'application/json'}), ...request.headers},
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
    redirect: 'manual',
    signal,
  })
}

/** The answer's text, refused (the connection dropped) as soon as it passes `maxBytes`. */
async function readText(response: Response, maxBytes: number, who: string): Promise<string> {
  if (!response.body) return ''
  if (Number(response.headers.get('content-length')) > maxBytes) {
    await response.body.cancel().catch(() => undefined)
    throw answerTooLarge(who, maxBytes)
  }
  const chunks: Uint8Array[] = []
  let total = 0
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length
    if (total > maxBytes) throw answerTooLarge(who, maxBytes)
    chunks.push(chunk)
  }
  return new TextDecoder().decode(Buffer.concat(chunks))
}

/** The start of an error answer, up to MAX_ERROR_BYTES; '' when it cannot be read. */
async function readErrorText(response: Response): Promise<string> {
  if (!response.body) return ''
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      chunks.push(chunk)
      total += chunk.length
      if (total >= MAX_ERROR_BYTES) break
    }
  } catch {
    // Cut off while it was read: what came is still worth showing.
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, MAX_ERROR_BYTES))
}

/** An error status (a redirect among them: never followed) as the BackendError that says who and why. */
function errorAnswer(response: Response, text: string, body: Record<string, unknown> | undefined, who: string): BackendError {
  if (response.status >= 300 && response.status < 400) {
    const location = response.headers.get('location')?.slice(0, 300)
    return new BackendError(`${who} redirected to ${location ?? 'nowhere'} (HTTP ${response.status}); the miner follows no redirects: point --backend-url at the server itself`, 'failed')
  }
  const reason = errorMessage(body) ?? (text.trim().slice(0, 300) || response.statusText)
  return new BackendError(`${who} answered ${response.status}: ${reason.slice(0, 1000)}`, 'failed')
}

function noAnswer(error: unknown, request: JsonRequest, who: string, timedOut: boolean): unknown {
  // The caller's own abort (job timeout, miner stopping) is not the backend's failure.
  if (request.signal.aborted) return request.signal.reason
  if (timedOut) {
    const raise = request.timeoutFlag ? ` (${request.timeoutFlag} raises the limit)` : ''
    return new BackendError(`${who} did not answer within ${(request.timeoutMs ?? 0) / 1000} s${raise}`, 'unavailable')
  }
  const cause = (error as {cause?: {code?: string; message?: string}}).cause
  const reason = cause?.code ?? cause?.message ?? (error as Error).message
  return new BackendError(`${who} did not answer: ${reason}`, 'unavailable')
}

export function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Ollama says `{error: "..."}`; OpenAI-compatible servers say `{error: {message: "..."}}`. */
export function errorMessage(body: Record<string, unknown> | undefined): string | undefined {
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
