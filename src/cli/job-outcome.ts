// What a job's final state means for the command that waited on it: exit 0 for completed, 7 otherwise.
import type {Job} from '../client/client.js'
import {isFinal} from '../protocol/job-states.js'
import {CliError, usageError} from './errors.js'
import {ExitCode} from './exit-codes.js'

/** The exit-7 error for a job that ended failed, cancelled or expired; undefined for any other state. */
export function jobUnsuccessfulError(job: Job): CliError | undefined {
  if (job.status === 'completed' || !isFinal(job.status)) return undefined
  const reason = job.error ? `: ${job.error}` : ''
  return new CliError(`Job ${job.job_id} ended ${job.status}${reason}`, {
    exitCode: ExitCode.JOB_UNSUCCESSFUL,
    code: `job_${job.status}`,
    hint: `Details: \`aitbc jobs get ${job.job_id}\`.`,
  })
}

/** For `jobs result`: the job has no result yet (pending or running). */
export function jobNotFinishedError(job: Job): CliError {
  return usageError(
    `Job ${job.job_id} is ${job.status} and has no result yet.`,
    `Wait for it with \`aitbc jobs watch ${job.job_id}\`, then run \`aitbc jobs result ${job.job_id}\` again.`,
  )
}
