// The output of running jobs as their miners stream it, held for the clients that follow them. One
// buffer per running attempt, bounded per job (--stream-job-bytes) and over all jobs (--stream-memory);
// followers keep only a position in it, so a slow follower costs no memory of its own. The buffer is a
// list of pieces, never one growing string: reading a string that `+=` keeps growing copies it whole
// each time, and a follower's piece of each copy kept them all alive (800 KB in 20-byte appends with
// one follower filled a 4 GB heap). A buffer lives while its attempt runs: when the attempt ends
// (requeued, failed, cancelled, expired) followers get a reset or the end, and when the job completes
// the job's result (the authority, what the receipt hashes) replaces the preview.
import {isFinal} from '../../protocol/job-states.js'
import type {JobRecord} from '../store/records.js'
import {conflict, DomainError, limitReached} from '../domain-errors.js'

/** `preview`: the output the ended attempt had streamed, to tell whether the result continues it. */
export type StreamEvent = {type: 'output'} | {type: 'reset'; reason: string} | {type: 'end'; job: JobRecord; preview: string} | {type: 'closing'}
export type StreamListener = (event: StreamEvent) => void

export interface StreamLimits {
  /** Bytes of output kept for one running job. */
  jobBytes: number
  /** Bytes of output kept for all running jobs together. */
  totalBytes: number
  /** Followers one key may have open at once (each holds a connection for as long as its job runs). */
  followersPerKey: number
}

/** Retry-After when a key has its most followers open: followers leave as their jobs end. */
const FOLLOWERS_RETRY_AFTER_SECONDS = 5

interface JobStream {
  attempt: number
  /** The output in pieces of up to COALESCE_CHARS (longer appends kept whole). */
  pieces: string[]
  /** Where each piece starts, in UTF-16 code units (the unit of `read`). */
  starts: number[]
  chars: number
  bytes: number
  listeners: Set<StreamListener>
}

/** Small appends are joined into pieces of about this size, so a job of tiny appends keeps few pieces. */
const COALESCE_CHARS = 8 * 1024

export class JobStreams {
  private readonly streams = new Map<string, JobStream>()
  private held = 0
  /** Followers open, by key name. */
  private readonly followersOf = new Map<string, number>()

  /** Told of a job's change only once the store has written it (JobService.onJobChange). */
  constructor(private readonly limits: StreamLimits) {}

  get bytes(): number {
    return this.held
  }

  /**
   * Appends a piece the miner holding `job` sent; `offset` is the bytes of output it knows the
   * coordinator has. A piece sent again is taken once; a gap is refused. Returns the bytes now held.
   */
  append(job: JobRecord, offset: number, text: string): number {
    const stream = this.streamOf(job)
    const size = Buffer.byteLength(text)
    if (offset + size <= stream.bytes) return stream.bytes
    if (offset !== stream.bytes) {
      throw conflict(`output of job ${job.job_id} continues at byte ${stream.bytes}, not ${offset}; send from offset ${stream.bytes}`)
    }
    if (stream.bytes + size > this.limits.jobBytes) {
      throw new DomainError(
        'too_large',
        `streamed output of job ${job.job_id} would pass ${this.limits.jobBytes} bytes, the most kept for one job (--stream-job-bytes); stop streaming and complete the job with its whole result`,
      )
    }
    if (this.held + size > this.limits.totalBytes) throw new StreamMemoryFull(this.held, this.limits.totalBytes)
    const last = stream.pieces.length - 1
    if (last >= 0 && stream.pieces[last].length < COALESCE_CHARS) stream.pieces[last] += text
    else {
      stream.pieces.push(text)
      stream.starts.push(stream.chars)
    }
    stream.chars += text.length
    stream.bytes += size
    this.held += size
    for (const listener of [...stream.listeners]) listener({type: 'output'})
    return stream.bytes
  }

  /**
   * Up to `maxChars` code units of the output of the job's running attempt from code unit `from` on
   * ('' when there is none), never ending between the halves of a character.
   */
  read(jobId: string, from: number, maxChars: number): string {
    const stream = this.streams.get(jobId)
    if (!stream || from >= stream.chars) return ''
    let index = pieceAt(stream.starts, from)
    let text = ''
    while (index < stream.pieces.length && text.length < maxChars) {
      const start = from + text.length - stream.starts[index]
      text += stream.pieces[index].slice(start, start + maxChars - text.length)
      index++
    }
    return from + text.length < stream.chars ? withoutSplitEnd(text) : text
  }

  /** Shutdown: every follower is told, so open streams end instead of holding the server up. */
  close(): void {
    for (const stream of this.streams.values()) for (const listener of [...stream.listeners]) listener({type: 'closing'})
  }

  /** How many follow the job now. */
  followers(jobId: string): number {
    return this.streams.get(jobId)?.listeners.size ?? 0
  }

  /** A follower of key `principal` opens: refused (429) past --max-streams-per-key; returns how to count it closed. */
  admitFollower(principal: string): () => void {
    const open = this.followersOf.get(principal) ?? 0
    if (open >= this.limits.followersPerKey) {
      throw limitReached(
        `${principal} already follows ${open} job output streams, the most one key may have open (--max-streams-per-key ${this.limits.followersPerKey}); close one first`,
        FOLLOWERS_RETRY_AFTER_SECONDS,
      )
    }
    this.followersOf.set(principal, open + 1)
    let closed = false
    return () => {
      if (closed) return
      closed = true
      const left = (this.followersOf.get(principal) ?? 1) - 1
      if (left > 0) this.followersOf.set(principal, left)
      else this.followersOf.delete(principal)
    }
  }

  /** Tells `listener` of the job's output, resets and end; returns how to stop. */
  follow(job: JobRecord, listener: StreamListener): () => void {
    const stream = this.streamOf(job)
    stream.listeners.add(listener)
    return () => {
      stream.listeners.delete(listener)
      this.dropIfIdle(job.job_id, stream)
    }
  }

  /** JobService's change listener: an attempt that ends drops its output. */
  jobChanged(job: JobRecord): void {
    const stream = this.streams.get(job.job_id)
    if (!stream) return
    if (job.status === 'running' && job.attempts === stream.attempt) return
    if (!isFinal(job.status) && stream.bytes === 0) {
      // Claimed, or requeued before any output: nothing for followers to forget.
      stream.attempt = job.attempts
      return
    }
    const listeners = [...stream.listeners]
    this.release(job.job_id, stream)
    if (isFinal(job.status)) {
      // The change is already written: whoever hears of the end finds the result (and receipt) stored.
      const preview = listeners.length > 0 ? stream.pieces.join('') : ''
      for (const listener of listeners) listener({type: 'end', job, preview})
      return
    }
    const reason = job.error ? `the attempt ended without a result (${job.error}); the job is ${job.status} again` : `the job is ${job.status} again`
    const next = this.streamOf(job)
    for (const listener of listeners) {
      next.listeners.add(listener)
      listener({type: 'reset', reason})
    }
  }

  private streamOf(job: JobRecord): JobStream {
    let stream = this.streams.get(job.job_id)
    if (!stream) {
      stream = {attempt: job.attempts, pieces: [], starts: [], chars: 0, bytes: 0, listeners: new Set()}
      this.streams.set(job.job_id, stream)
    } else if (job.status === 'running' && stream.attempt !== job.attempts) {
      // A new attempt whose change this did not hear of (it cannot happen today; cheap to be sure).
      this.held -= stream.bytes
      Object.assign(stream, {attempt: job.attempts, pieces: [], starts: [], chars: 0, bytes: 0})
    }
    return stream
  }

  private release(jobId: string, stream: JobStream): void {
    this.held -= stream.bytes
    this.streams.delete(jobId)
  }

  private dropIfIdle(jobId: string, stream: JobStream): void {
    if (stream.listeners.size === 0 && stream.bytes === 0 && this.streams.get(jobId) === stream) this.streams.delete(jobId)
  }
}

/** The index of the piece holding code unit `at` (the last piece starting at or before it). */
function pieceAt(starts: readonly number[], at: number): number {
  let low = 0
  let high = starts.length - 1
  while (low < high) {
    const middle = (low + high + 1) >> 1
    if (starts[middle] <= at) low = middle
    else high = middle - 1
  }
  return low
}

/**
 * `text` without a last code unit that is the first half of a surrogate pair: a piece handed out on
 * its own must be whole characters (a lone half is printed as U+FFFD, and the follower's bytes would
 * no longer add up to the result's).
 */
export function withoutSplitEnd(text: string): string {
  const last = text.charCodeAt(text.length - 1)
  return text.length > 1 && last >= 0xd800 && last <= 0xdbff ? text.slice(0, -1) : text
}

/** The stream memory of all jobs is full: the 503 the miner reads as "stop streaming this job". */
export class StreamMemoryFull extends Error {
  constructor(
    readonly held: number,
    readonly limit: number,
  ) {
    super(`streamed output held for followers fills the coordinator's stream memory (${held} of ${limit} bytes, --stream-memory); stop streaming and complete the job with its whole result`)
    this.name = 'StreamMemoryFull'
  }
}
