// Following a job to its end by polling GET /v1/jobs/{id}, for `jobs submit --wait` and `jobs watch`.
import {type ApiClient, type Job, unwrap} from '../client/client.js'
import {isFinal} from '../protocol/job-states.js'
import {CliError} from './errors.js'
import {ExitCode} from './exit-codes.js'

/** Poll quickly just after a change (jobs often move on soon), then back off to spare the coordinator. */
export const POLL_INTERVAL = {initialMs: 200, factor: 1.5, maxMs: 2000} as const

export interface FollowOptions {
  /** Give up after this many seconds (exit 8); absent waits until the job ends. */
  timeoutSeconds?: number
  /** The job as already known (from submit), which saves the first request. */
  initial?: Job
  /** Called with the first state seen, then each time the status changes; the last call is the final job. */
  onChange?: (job: Job) => void
}

export async function followJob(client: ApiClient, jobId: string, options: FollowOptions = {}): Promise<Job> {
  const {timeoutSeconds} = options
  const deadline = timeoutSeconds === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutSeconds * 1000
  const fetchJob = async (last?: Job): Promise<Job> => {
    const remaining = deadline - Date.now()
    try {
      const signal = Number.isFinite(remaining) ? AbortSignal.timeout(Math.max(1, remaining)) : undefined
      return await unwrap(client.GET('/v1/jobs/{job_id}', {params: {path: {job_id: jobId}}, signal}))
    } catch (error) {
      if (Date.now() >= deadline && timeoutSeconds !== undefined) throw waitTimeoutError(jobId, timeoutSeconds, last)
      throw error
    }
  }

  let job = options.initial ?? (await fetchJob())
  options.onChange?.(job)
  let interval: number = POLL_INTERVAL.initialMs
  while (!isFinal(job.status)) {
    const remaining = deadline - Date.now()
    if (remaining <= 0) throw waitTimeoutError(jobId, timeoutSeconds!, job)
    await sleep(Math.min(interval, remaining))
    const next = await fetchJob(job)
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

function waitTimeoutError(jobId: string, seconds: number, last?: Job): CliError {
  const state = last ? ` (still ${last.status})` : ''
  return new CliError(`Timed out after ${seconds} s waiting for job ${jobId}${state}.`, {
    exitCode: ExitCode.TIMEOUT,
    code: 'timeout',
    hint: `The job goes on; keep watching with \`aitbc jobs watch ${jobId}\`, then \`aitbc jobs result ${jobId}\`.`,
  })
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
