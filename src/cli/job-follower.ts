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
  /** How long to keep looking while the coordinator does not answer (a restart) before exit 6. */
  unreachableTimeoutSeconds?: number
  /** The coordinator already answered this wait (the output stream's headers; `initial` says so too). */
  answered?: boolean
  /**
   * The coordinator has not answered this wait since then (the output stream got no answer):
   * --unreachable-timeout counts from `away.since`, not from the follower's first look.
   */
  away?: Away
}

/** A restart of the coordinator loses nothing: waiting commands poll through one this long by default. */
export const DEFAULT_UNREACHABLE_TIMEOUT_SECONDS = 60

/** Since when, and why, the coordinator has not answered. */
export interface Away {
  since: number
  error: Error
  /** The last look was cut by the follower's own deadline, not by an error of its own. */
  cut: boolean
}

/**
 * Both limits are promises: the wait ends when --timeout passes (exit 8), or once the coordinator has
 * not answered for --unreachable-timeout (exit 6), whichever comes first, whatever the follower is
 * doing at the time (a look that waits on a silent server is cut short). A coordinator that refuses the
 * wait's first look fails it at once (exit 6), as with any other command.
 */
export async function followJob(client: ApiClient, jobId: string, options: FollowOptions = {}): Promise<Job> {
  const {timeoutSeconds} = options
  const deadline = timeoutSeconds === undefined ? Number.POSITIVE_INFINITY : (options.startedAt ?? Date.now()) + timeoutSeconds * 1000
  const unreachableMs = (options.unreachableTimeoutSeconds ?? DEFAULT_UNREACHABLE_TIMEOUT_SECONDS) * 1000
  let job = options.initial
  let away: Away | undefined = options.away
  let answered = options.answered || job !== undefined
  /** Whichever limit passed first ends the wait: --timeout (exit 8), or --unreachable-timeout while away (exit 6). */
  const giveUpIfDue = () => {
    const now = Date.now()
    const givingUp = away ? away.since + unreachableMs : Number.POSITIVE_INFINITY
    if (now >= deadline && deadline <= givingUp) throw waitTimeoutError(jobId, timeoutSeconds!, job, away)
    if (now >= givingUp) throw unreachableError(jobId, away!, unreachableMs / 1000)
  }
  /** A look at the job; undefined while the coordinator is away, until --unreachable-timeout. */
  const look = async (): Promise<Job | undefined> => {
    const started = Date.now()
    const givingUp = (away?.since ?? started) + unreachableMs
    const limit = Math.min(deadline, givingUp) - started
    try {
      // The request's own timer, not an AbortSignal.timeout: garbage collection can silence those on Node 20.
      // No retries inside a look: the follower backs off itself, and a failure keeps its own reason
      // (ECONNREFUSED) rather than a retry's cut short by the limit.
      const found = await fetchJob(client, jobId, {requestTimeoutMs: Number.isFinite(limit) ? Math.max(1, limit) : undefined, retries: 0})
      away = undefined
      answered = true
      return found
    } catch (error) {
      // An answer such as a 404 is the job's news, whatever the time.
      if (!isAway(error)) throw error
      // A look cut short by a limit says less than the error before it (ECONNREFUSED): keep that one.
      const cut = Date.now() - started >= limit
      // A coordinator that never answered this wait (a wrong --url, one not started) fails it at once, as
      // it fails any command; only one that answered and went (a restart) is waited for.
      if (!answered && !cut) throw error
      if (!(away && cut)) away = {since: away?.since ?? started, error: error as Error, cut}
      giveUpIfDue()
      return undefined
    }
  }

  if (job) options.onChange?.(job)
  let interval: number = POLL_INTERVAL.initialMs
  // Without a job known, the first look is at once; then a pause before each.
  let pause = job !== undefined
  while (job === undefined || !isFinal(job.status)) {
    if (pause) {
      giveUpIfDue()
      await sleep(Math.min(interval, deadline - Date.now(), away ? away.since + unreachableMs - Date.now() : interval))
      giveUpIfDue()
    }
    pause = true
    const next = await look()
    if (next === undefined) {
      interval = POLL_INTERVAL.maxMs
      continue
    }
    if (job && next.status === job.status) {
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

/** Who did not answer, and why: what went wrong, or "no answer" when the follower's own deadline cut the look. */
function awayWords(away: Away): {who: string; why: string} {
  const {error, cut} = away
  if (error instanceof UnreachableError) return {who: `the coordinator at ${error.url}`, why: cut ? 'no answer' : error.reason}
  const status = error instanceof ApiError ? `${error.status} ` : ''
  return {who: 'the coordinator', why: `${status}${error.message}`}
}

function unreachableError(jobId: string, away: Away, seconds: number): CliError {
  const {who, why} = awayWords(away)
  return new CliError(`cannot reach ${who}: ${why}; gave up after ${seconds} s without an answer (--unreachable-timeout).`, {
    exitCode: ExitCode.UNREACHABLE,
    code: 'unreachable',
    hint: `The job goes on if the coordinator comes back; follow it with \`aitbc jobs watch ${jobId}\`.`,
  })
}

/** --timeout passed; `last` is the job as last seen, `away` says the coordinator was not answering at the time. */
function waitTimeoutError(jobId: string, seconds: number, last?: Job, away?: Away): CliError {
  const state = last ? ` (still ${last.status})` : ''
  const words = away && awayWords(away)
  const why = words ? `; ${words.who} was not answering (${words.why})` : ''
  return new CliError(`Timed out after ${seconds} s waiting for job ${jobId}${state}${why}.`, {
    exitCode: ExitCode.TIMEOUT,
    code: 'timeout',
    hint: `The job goes on; keep watching with \`aitbc jobs watch ${jobId}\`, then \`aitbc jobs result ${jobId}\`.`,
  })
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
