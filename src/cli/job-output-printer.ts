// `jobs submit --wait --stream` and `jobs watch --stream`: prints a job's output as the miner generates
// it, then makes stdout end with exactly the job's result, which stays the authority (the receipt
// hashes it). Streaming is a preview that may stop early (an old coordinator, a cut connection): the
// rest of the result is printed from the final job, which the polling follower fetches as before.
import {getJob} from '../client/calls.js'
import type {ApiClient, Job} from '../client/client.js'
import {UnreachableError} from '../client/errors.js'
import {DEFAULT_STREAM_IDLE_MS, followJobOutput, type OutputStreamOptions} from '../client/job-output-stream.js'
import {followJob, type FollowOptions, waitTimeoutError} from './job-follower.js'
import {inert} from './inert-text.js'

/** After --timeout cut the stream, the one look at the job that says how it stands gets this long. */
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
  let timedOut = false
  const timer =
    options.timeoutSeconds === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true
          stopping.abort()
        }, options.timeoutSeconds * 1000)
  const started = Date.now()
  let printed = ''
  let diverged = false
  const show = (text: string) => options.write(options.stdoutIsTTY ? inert(text) : text)
  let end
  try {
    end = await followJobOutput(jobId, {...options.connection, signal: stopping.signal}, (event) => {
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
  // --timeout passed while following: one short look says how the job stands, then exit 8 (or its end).
  const initial = timedOut ? await lastLook(client, jobId, options) : options.initial
  const final = await followJob(client, jobId, {...options, initial, startedAt: started})
  return {final, printed, diverged}
}

function idleSeconds({connection}: StreamingOptions): number {
  return (connection.idleMs ?? DEFAULT_STREAM_IDLE_MS) / 1000
}

async function lastLook(client: ApiClient, jobId: string, options: StreamingOptions): Promise<Job> {
  try {
    return await getJob(client, jobId, {requestTimeoutMs: LAST_LOOK_MS})
  } catch (error) {
    if (error instanceof UnreachableError) throw waitTimeoutError(jobId, options.timeoutSeconds!, options.initial)
    throw error
  }
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
