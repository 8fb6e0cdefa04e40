// `jobs submit --wait --stream` and `jobs watch --stream`: prints a job's output as the miner generates
// it, then makes stdout end with exactly the job's result, which stays the authority (the receipt
// hashes it). Streaming is a preview that may stop early (an old coordinator, a cut connection): the
// rest of the result is printed from the final job, which the polling follower fetches as before.
import type {ApiClient, Job} from '../client/client.js'
import {DEFAULT_STREAM_IDLE_MS, followJobOutput, type OutputStreamOptions} from '../client/job-output-stream.js'
import {UnreachableError} from '../client/errors.js'
import {DEFAULT_UNREACHABLE_TIMEOUT_SECONDS, followJob, type FollowOptions} from './job-follower.js'
import {inert} from './inert-text.js'

/**
 * With --timeout, the stream is left this long before it passes (half the timeout when shorter), so
 * that one look at the job can say how it stands (or find it ended) and the command still ends on time.
 */
const LAST_LOOK_MS = 1000

export interface StreamingOptions extends FollowOptions {
  connection: Omit<OutputStreamOptions, 'signal'>
  stdoutIsTTY: boolean
  /** Prints data on stdout exactly as given. */
  write: (text: string) => void
  /** A remark for people on stderr. */
  note: (text: string) => void
  /** Before the first piece of output (the spinner must go first). */
  onFirstOutput?: () => void
}

/** Follows the job to its end, printing its output as it comes; returns the final job. */
export async function followJobPrinting(client: ApiClient, jobId: string, options: StreamingOptions): Promise<{final: Job; printed: string; diverged: boolean}> {
  const stopping = new AbortController()
  const timeoutMs = options.timeoutSeconds === undefined ? undefined : options.timeoutSeconds * 1000
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => stopping.abort(), timeoutMs - Math.min(LAST_LOOK_MS, timeoutMs / 2))
  const started = Date.now()
  // --unreachable-timeout is a promise from the stream's start: a coordinator that never answers the
  // stream is not waited for longer (a --request-timeout of 30 s would hold it past a shorter one).
  const unreachableMs = (options.unreachableTimeoutSeconds ?? DEFAULT_UNREACHABLE_TIMEOUT_SECONDS) * 1000
  let printed = ''
  let diverged = false
  const show = (text: string) => options.write(options.stdoutIsTTY ? inert(text) : text)
  let end
  try {
    end = await followJobOutput(jobId, {...options.connection, answerMs: unreachableMs, signal: stopping.signal}, (event) => {
      if (event.type === 'output') {
        if (!printed && !diverged) options.onFirstOutput?.()
        printed += event.text
        show(event.text)
      } else if (event.type === 'reset' && printed) {
        diverged = true
        if (options.stdoutIsTTY) options.write('\n')
        options.note(`(${event.reason}; the output starts again)`)
        printed = ''
      }
    })
  } finally {
    clearTimeout(timer)
  }
  // Its output is kept (to compare with the result): a stream past the answer limit is left for the result.
  if (end === 'too-large') options.note('(the output passed --max-answer-mib; following the job without it)')
  if (end === 'silent') options.note(`(the output stream was silent for ${idleSeconds(options)} s, --stream-idle-timeout; following the job without it)`)
  // The follower takes over under the same --timeout, in the time the stream left it; and, when the
  // stream got no answer, under what is left of --unreachable-timeout, which counts from the stream's start.
  const unanswered = end === 'unanswered'
  const away = unanswered ? {since: started, error: new UnreachableError(new URL(options.connection.baseUrl).origin, 'no answer'), cut: true} : undefined
  const final = await followJob(client, jobId, {...options, startedAt: started, answered: !unanswered, away})
  return {final, printed, diverged}
}

function idleSeconds({connection}: StreamingOptions): number {
  return (connection.idleMs ?? DEFAULT_STREAM_IDLE_MS) / 1000
}

/**
 * What still has to go to stdout so that it ends with the result: the rest of it after what was
 * printed, or, when the printed output is not the start of the result, the whole result after a note.
 */
export function finishResult(result: string, printed: string, stdoutIsTTY: boolean, note: (text: string) => void): string {
  const continues = result.startsWith(printed)
  if (!continues) note("(the output shown differs from the job's result, which follows)")
  const rest = continues ? result.slice(printed.length) : result
  if (!stdoutIsTTY) return rest
  const before = !continues && printed && !printed.endsWith('\n') ? '\n' : ''
  const after = result !== '' && !result.endsWith('\n') ? '\n' : ''
  return `${before}${inert(rest)}${after}`
}
