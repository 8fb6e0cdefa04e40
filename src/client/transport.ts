// One HTTP exchange with the coordinator, on node:http(s) rather than fetch so that every limit is ours:
// a connect timeout, a first-byte timeout and a deadline for the whole answer, each a plain timer
// (fetch's combined AbortSignals stop firing on Node 20 once garbage collection has run); no redirect
// is ever followed (the API key stays with its origin); and the answer is read into memory only up to
// a size limit, refused while it streams in. The result is a plain Answer whose body is already
// complete: not fetch's Request/Response/Headers, whose first use loads undici (some 60 ms of a
// network command's cold start, measured).
import {type IncomingHttpHeaders, request as httpRequest, type IncomingMessage} from 'node:http'

import {BadAnswerError, UnreachableError} from './errors.js'

export interface ExchangeLimits {
  /** Until the TCP (and TLS) connection is up. */
  connectMs: number
  /** From sending until the status line and headers arrive (a long poll's wait is in here). */
  firstByteMs: number
  /** From the start until the last byte of the answer. */
  totalMs: number
  /** The largest answer body accepted. */
  maxBytes: number
}

/** Names the option that raises a limit, for the error a person sees. */
export interface LimitNames {
  connect: string
  request: string
  size: string
}

export interface Exchange {
  url: URL
  method: string
  /** Names in lower case. */
  headers: Record<string, string>
  body?: Buffer
  signal?: AbortSignal
}

/** A complete answer: status, headers as node:http reads them (names in lower case), the whole body. */
export interface Answer {
  status: number
  statusText: string
  headers: IncomingHttpHeaders
  body: Buffer
}

export async function exchange(call: Exchange, limits: ExchangeLimits, names: LimitNames): Promise<Answer> {
  // node:https loads TLS, which most runs (a coordinator on loopback) never need at start.
  const send = call.url.protocol === 'https:' ? (await import('node:https')).request : httpRequest
  return exchangeWith(send, call, limits, names)
}

function exchangeWith(send: typeof httpRequest, {url, method, headers, body, signal}: Exchange, limits: ExchangeLimits, names: LimitNames): Promise<Answer> {
  const where = url.origin
  return new Promise<Answer>((resolve, reject) => {
    const timers = new Set<NodeJS.Timeout>()
    const outgoing: Record<string, string> = {...headers}
    if (body) outgoing['content-length'] = String(body.length)
    const request = send(url, {method, headers: outgoing})
    let settled = false
    const finish = (error: unknown, answer?: Answer) => {
      if (settled) return
      settled = true
      for (const timer of timers) clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      if (error === undefined) resolve(answer!)
      else {
        request.destroy()
        reject(error)
      }
    }
    const limit = (ms: number, error: () => Error) => {
      const timer = setTimeout(() => finish(error()), Math.max(0, ms))
      timers.add(timer)
      return timer
    }
    const onAbort = () => finish(signal?.reason ?? new DOMException('aborted', 'AbortError'))
    if (signal?.aborted) return onAbort()
    signal?.addEventListener('abort', onAbort, {once: true})

    const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`
    let answered = false
    limit(limits.totalMs, () => {
      const what = answered ? 'the answer did not end' : 'no answer'
      return new UnreachableError(where, `${what} within ${seconds(limits.totalMs)} (${names.request})`)
    })
    const connecting = limit(limits.connectMs, () => new UnreachableError(where, `no connection within ${seconds(limits.connectMs)} (${names.connect})`))
    let firstByte: NodeJS.Timeout | undefined
    const connected = () => {
      clearTimeout(connecting)
      firstByte ??= limit(limits.firstByteMs, () => new UnreachableError(where, `no answer within ${seconds(limits.firstByteMs)} (${names.request})`))
    }
    request.on('socket', (socket) => {
      if (!socket.connecting) return connected()
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', connected)
    })
    request.on('error', (error) => finish(new UnreachableError(where, describeSocketError(error))))
    request.on('response', (answer: IncomingMessage) => {
      answered = true
      clearTimeout(firstByte)
      const status = answer.statusCode ?? 0
      if (status >= 300 && status < 400) {
        const target = redirectTarget(answer.headers.location, url)
        return finish(
          new BadAnswerError(where, `redirected ${method} ${url.pathname} to ${target} (HTTP ${status}); aitbc follows no redirects, so the API key was not sent there`),
        )
      }
      if (status < 200 || status > 599) return finish(new BadAnswerError(where, `answered HTTP ${status}, not the AITBC API`))
      const tooLarge = () => new BadAnswerError(where, `sent an answer larger than ${describeBytes(limits.maxBytes)} (${names.size} raises the limit)`)
      if (Number(answer.headers['content-length']) > limits.maxBytes) return finish(tooLarge())
      const chunks: Buffer[] = []
      let size = 0
      answer.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > limits.maxBytes) finish(tooLarge())
        else chunks.push(chunk)
      })
      answer.on('error', (error) => finish(new UnreachableError(where, describeSocketError(error))))
      answer.on('aborted', () => finish(new UnreachableError(where, 'the connection closed before the answer ended')))
      answer.on('end', () => finish(undefined, {status, statusText: answer.statusMessage ?? '', headers: answer.headers, body: Buffer.concat(chunks)}))
    })
    request.end(body)
  })
}

/** Where a redirect pointed, for the error: a Location that is not a URL is quoted (cut), never thrown on. */
function redirectTarget(location: string | undefined, base: URL): string {
  if (!location) return 'nowhere'
  const href = URL.canParse(location, base) ? new URL(location, base).href : JSON.stringify(location)
  return href.length > MAX_TARGET_CHARS ? `${href.slice(0, MAX_TARGET_CHARS)}…` : href
}

/** A Location may be as long as a header (16 KiB); the error needs the start of it. */
const MAX_TARGET_CHARS = 300

function describeSocketError(error: Error & {code?: string}): string {
  return error.code ?? error.message
}

export function describeBytes(bytes: number): string {
  const mib = bytes / 1024 / 1024
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`
}
