// Following a job to its end by polling GET /v1/jobs/{id}, for `jobs submit --wait` and `jobs watch`.
import {getJob as fetchJob} from '../client/calls.js'
import type {ApiClient, Job} from '../client/client.js'
import {ApiError, UnreachableError} from '../client/errors.js'
import {isFinal} from '../protocol/job-states.js'
import {CliError} from './errors.js'
import {ExitCode} from './exit-codes.js'

/** Poll quickly just after a change (jobs often move on soon), then back off to spare the coordinator. */
export const POLL_INTERVAL = {initialMs: 200, factor: 1.5, maxMs: 2000} as const

export interface FollowOptions {
  /** Give up after this many seconds (exit 8); absent waits until the job ends. */
  timeoutSeconds?: number
  /** When the wait began (Date.now()), if before this call: --timeout counts from then. */
  startedAt?: number
  /** The job as already known (from submit), which saves the first request. */
  initial?: Job
  /** Called with the first state seen, then each time the status changes; the last call is the final job. */
  onChange?: (job: Job) => void
  /** How long to keep polling while the coordinator does not answer (a restart) before exit 6. */
  unreachableTimeoutSeconds?: number
}

/** A restart of the coordinator loses nothing: waiting commands poll through one this long by default. */
export const DEFAULT_UNREACHABLE_TIMEOUT_SECONDS = 60

export async function followJob(client: ApiClient, jobId: string, options: FollowOptions = {}): Promise<Job> {
  const {timeoutSeconds} = options
  const deadline = timeoutSeconds === undefined ? Number.POSITIVE_INFINITY : (options.startedAt ?? Date.now()) + timeoutSeconds * 1000
  const unreachableMs = (options.unreachableTimeoutSeconds ?? DEFAULT_UNREACHABLE_TIMEOUT_SECONDS) * 1000
  let unreachableSince: number | undefined
  const getJob = (requestTimeoutMs?: number) => fetchJob(client, jobId, {requestTimeoutMs})
  /**
   * A poll that the deadline cuts short (a slow answer must not keep the user past --timeout); null
   * while the coordinator is away, until --unreachable-timeout.
   */
  const poll = async (last: Job): Promise<Job | null> => {
    const remaining = deadline - Date.now()
    try {
      // The request's own timer, not an AbortSignal.timeout: garbage collection can silence those on Node 20.
      const job = await getJob(Number.isFinite(remaining) ? Math.max(1, remaining) : undefined)
      unreachableSince = undefined
      return job
    } catch (error) {
      if (timeoutSeconds !== undefined && Date.now() >= deadline) throw waitTimeoutError(jobId, timeoutSeconds, last)
      if (!isAway(error)) throw error
      unreachableSince ??= Date.now()
      if (Date.now() - unreachableSince < unreachableMs) return null
      throw unreachableError(jobId, error, unreachableMs / 1000)
    }
  }

  // The first look is not cut short, so even a short --timeout reports the job's state (or a 404).
  let job = options.initial ?? (await getJob())
  options.onChange?.(job)
  let interval: number = POLL_INTERVAL.initialMs
  while (!isFinal(job.status)) {
    const remaining = deadline - Date.now()
    if (remaining <= 0) throw waitTimeoutError(jobId, timeoutSeconds!, job)
    await sleep(Math.min(interval, remaining))
    const next = await poll(job)
    if (next === null) {
      interval = POLL_INTERVAL.maxMs
      continue
    }
    if (next.status === job.status) {
      interval = Math.min(POLL_INTERVAL.maxMs, interval * POLL_INTERVAL.factor)
    } else {
      interval = POLL_INTERVAL.initialMs
      options.onChange?.(next)
    }
    job = next
  }
  return job
}

/** No answer, or the answer of a proxy or a coordinator going down: worth waiting through. */
function isAway(error: unknown): boolean {
  return error instanceof UnreachableError || (error instanceof ApiError && [502, 503, 504].includes(error.status))
}

function unreachableError(jobId: string, error: unknown, seconds: number): CliError {
  return new CliError(`${(error as Error).message}; gave up after ${seconds} s without an answer (--unreachable-timeout).`, {
    exitCode: ExitCode.UNREACHABLE,
    code: 'unreachable',
    hint: `The job goes on if the coordinator comes back; follow it with \`aitbc jobs watch ${jobId}\`.`,
  })
}

/** --timeout passed; `last` is the job as last seen, when it was seen. */
export function waitTimeoutError(jobId: string, seconds: number, last?: Job): CliError {
  return new CliError(`Timed out after ${seconds} s waiting for job ${jobId}${last ? ` (still ${last.status})` : ''}.`, {
    exitCode: ExitCode.TIMEOUT,
    code: 'timeout',
    hint: `The job goes on; keep watching with \`aitbc jobs watch ${jobId}\`, then \`aitbc jobs result ${jobId}\`.`,
  })
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
