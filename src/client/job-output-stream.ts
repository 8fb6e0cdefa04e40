// Following a job's output as the coordinator fans it out (GET /v1/jobs/{job_id}/stream, Server-Sent
// Events). A preview for people: the job's result stays the authority, so the caller falls back to it
// whenever this stops early. Plain timers for every limit (no AbortSignal.any, issue 15): connecting,
// the answer's headers (the coordinator sends them at once), both together (answerMs), and silence
// (idleMs, --stream-idle-timeout: the coordinator sends a comment every 15 s, so only a dead connection
// is silent that long); no redirect is followed (the key stays with its origin); more output than the
// answer limit in all ends it (a stream without end would otherwise fill the memory of a caller that
// keeps what it printed).
import {request as httpRequest, type IncomingMessage} from 'node:http'

import {DEFAULT_LIMITS} from './retrying-fetch.js'
import {TextSplitter} from './text-splitter.js'

export type OutputEvent = {type: 'output'; text: string} | {type: 'reset'; reason: string} | {type: 'end'; status: string; receipt_id?: string}

export interface OutputStreamOptions {
  baseUrl: string
  apiKey?: string
  userAgent: string
  /** Stops following (Ctrl-C, a --timeout); resolves quietly. */
  signal?: AbortSignal
  connectMs?: number
  /** From connecting until the answer's headers. */
  headersMs?: number
  /**
   * From the start until the answer's headers, connecting included, at most: a waiting command's
   * --unreachable-timeout, which the stream must not outlast when the coordinator never answers it.
   */
  answerMs?: number
  /** Then, any silence longer than this (neither an event nor a keep-alive comment). */
  idleMs?: number
  /**
   * The most output (bytes of the stream) followed; past it the stream is left. It also bounds one
   * event, which needs no limit of its own: an event is part of the stream, so it can never be larger
   * than all of it, and what is held of an unfinished event is never more than was received.
   */
  maxBytes?: number
}

/** Three of the coordinator's 15 s keep-alives missed in a row (test/cli/stream-limits.test.ts keeps it well above). */
export const DEFAULT_STREAM_IDLE_MS = 45_000
const DEFAULTS = {connectMs: DEFAULT_LIMITS.connectTimeoutMs, headersMs: DEFAULT_LIMITS.requestTimeoutMs, idleMs: DEFAULT_STREAM_IDLE_MS, maxBytes: DEFAULT_LIMITS.maxAnswerBytes}

/**
 * How following ended: at the job's end, past maxBytes, silent past idleMs, stopped after the coordinator
 * answered (cut, stopped, an answer that is not a stream), or unanswered (refused, no connection or no
 * headers in time, stopped before an answer).
 */
export type FollowEnd = 'ended' | 'too-large' | 'silent' | 'stopped' | 'unanswered'

/** Calls `onEvent` for each event until the stream ends (see FollowEnd); never throws. */
export async function followJobOutput(jobId: string, options: OutputStreamOptions, onEvent: (event: OutputEvent) => void): Promise<FollowEnd> {
  const url = new URL(`${options.baseUrl.replace(/\/+$/, '')}/v1/jobs/${encodeURIComponent(jobId)}/stream`)
  const send = url.protocol === 'https:' ? (await import('node:https')).request : httpRequest
  const {connectMs, headersMs, idleMs, maxBytes} = {...DEFAULTS, ...withoutUndefined(options)}
  return new Promise<FollowEnd>((resolve) => {
    const headers: Record<string, string> = {Accept: 'text/event-stream', 'User-Agent': options.userAgent}
    if (options.apiKey) headers['X-Api-Key'] = options.apiKey
    const request = send(url, {method: 'GET', headers})
    let settled = false
    let answered = false
    let idle: NodeJS.Timeout | undefined
    const finish = (end: FollowEnd) => {
      if (settled) return
      settled = true
      if (end === 'stopped' && !answered) end = 'unanswered'
      clearTimeout(connecting)
      clearTimeout(answering)
      clearTimeout(idle)
      options.signal?.removeEventListener('abort', stop)
      request.destroy()
      resolve(end)
    }
    const stop = () => finish('stopped')
    /** Until the headers come, a silence is --request-timeout's (a stop); after them, idleMs's. */
    const quiet = (ms = idleMs, end: FollowEnd = 'silent') => {
      clearTimeout(idle)
      idle = setTimeout(() => finish(end), ms)
    }
    const connecting = setTimeout(stop, connectMs)
    const answering = options.answerMs === undefined ? undefined : setTimeout(stop, options.answerMs)
    if (options.signal?.aborted) return stop()
    options.signal?.addEventListener('abort', stop, {once: true})
    request.on('socket', (socket) => {
      const connected = () => {
        clearTimeout(connecting)
        quiet(headersMs, 'stopped')
      }
      if (!socket.connecting) connected()
      else socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', connected)
    })
    request.on('error', stop)
    request.on('response', (answer: IncomingMessage) => {
      answered = true
      clearTimeout(answering)
      if (answer.statusCode !== 200 || !String(answer.headers['content-type']).startsWith('text/event-stream')) return stop()
      quiet()
      answer.setEncoding('utf8')
      const events = new TextSplitter('\n\n')
      let received = 0
      answer.on('data', (chunk: string) => {
        quiet()
        received += Buffer.byteLength(chunk)
        if (received > maxBytes) return finish('too-large')
        for (const block of events.push(chunk)) {
          const event = parseEvent(block)
          if (!event) continue
          onEvent(event)
          if (event.type === 'end') return finish('ended')
        }
      })
      answer.on('error', stop)
      answer.on('end', stop)
    })
    request.end()
  })
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>
}

function parseEvent(block: string): OutputEvent | undefined {
  let name = 'message'
  const data: string[] = []
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'event') name = value
    else if (field === 'data') data.push(value)
  }
  if (data.length === 0) return undefined
  let parsed: Record<string, unknown>
  try {
    parsed = JSON.parse(data.join('\n')) as Record<string, unknown>
  } catch {
    return undefined
  }
  if (name === 'output' && typeof parsed.text === 'string') return {type: 'output', text: parsed.text}
  if (name === 'reset') return {type: 'reset', reason: String(parsed.reason ?? '')}
  if (name === 'end' && typeof parsed.status === 'string') {
    return {type: 'end', status: parsed.status, ...(typeof parsed.receipt_id === 'string' ? {receipt_id: parsed.receipt_id} : {})}
  }
  return undefined
}
