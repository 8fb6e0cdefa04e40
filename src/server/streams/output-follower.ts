// What a follower of one job sees, in order: the output as it comes (from the start, however late it
// joins), a reset when the attempt that produced it ended without a result, and the end. When the job
// completes, the rest of the result follows the output already seen; a result that does not continue
// that output (a miner whose preview differs from what it completed) comes as a reset and the whole
// result, so that the output events, reset where told, always add up to the result the receipt hashes.
import {isFinal} from '../../protocol/job-states.js'
import type {JobRecord} from '../store/records.js'
import {type JobStreams, type StreamEvent, withoutSplitEnd} from './job-streams.js'

export type FollowEvent = {type: 'text'; text: string} | {type: 'reset'; reason: string} | {type: 'end'; job: JobRecord} | {type: 'closing'}

/** Output is handed out in pieces of at most this many characters. */
const PIECE_CHARS = 16 * 1024

export async function* followOutput(streams: JobStreams, job: JobRecord, stop: AbortSignal): AsyncGenerator<FollowEvent> {
  if (isFinal(job.status)) {
    if (job.status === 'completed' && job.result) yield* inPieces(job.result, 0)
    yield {type: 'end', job}
    return
  }
  const events: StreamEvent[] = []
  let wake: (() => void) | undefined
  const unfollow = streams.follow(job, (event) => {
    if (event.type !== 'output') events.push(event)
    wake?.()
  })
  // How much of the running attempt's output (in code units) this follower was given: a number, not the
  // text, so that it holds nothing of its own. The result continues from there at the end.
  let seen = 0
  try {
    for (;;) {
      if (stop.aborted) return
      const event = events.shift()
      if (event?.type === 'reset') {
        seen = 0
        yield {type: 'reset', reason: event.reason}
        continue
      }
      if (event?.type === 'closing') {
        yield {type: 'closing'}
        return
      }
      if (event?.type === 'end') {
        const result = event.job.status === 'completed' ? (event.job.result ?? '') : undefined
        if (result !== undefined) {
          if (!result.startsWith(event.preview.slice(0, seen))) {
            yield {type: 'reset', reason: 'the result the miner completed the job with differs from the output it streamed'}
            seen = 0
          }
          yield* inPieces(result, seen)
        }
        yield {type: 'end', job: event.job}
        return
      }
      const text = streams.read(job.job_id, seen, PIECE_CHARS)
      if (text) {
        seen += text.length
        yield {type: 'text', text}
        continue
      }
      const woken = () => wake?.()
      await new Promise<void>((resolve) => {
        wake = resolve
        stop.addEventListener('abort', woken, {once: true})
      })
      stop.removeEventListener('abort', woken)
      wake = undefined
    }
  } finally {
    unfollow()
  }
}

/** `text` from code unit `from` on, in pieces of whole characters (a large result is not one event). */
function* inPieces(text: string, from: number): Generator<FollowEvent> {
  for (let at = from; at < text.length; ) {
    const piece = at + PIECE_CHARS < text.length ? withoutSplitEnd(text.slice(at, at + PIECE_CHARS)) : text.slice(at)
    at += piece.length
    yield {type: 'text', text: piece}
  }
}
