// Job calls that are more than one request: a submit that is safe to retry, and paging through lists.
import {randomUUID} from 'node:crypto'

import {listJobs} from './calls.js'
import {type ApiClient, type Job, MAX_PAGE_SIZE, type Schemas, unwrap} from './client.js'

/** A job request: `model` and each param may be left out for the coordinator's default. */
export type JobSubmission = Schemas['JobRequest']

/**
 * Submits a job with a fresh Idempotency-Key, so the client may retry it after a dropped connection
 * or a 502/503/504 and the coordinator answers the repeat with the first job instead of a second one.
 */
export function submitJob(client: ApiClient, request: JobSubmission): Promise<Job> {
  return unwrap(client.POST('/v1/jobs', {params: {header: {'Idempotency-Key': randomUUID()}}, body: request}))
}

/** A bound on `--all`, so a list that keeps growing cannot page forever. */
export const MAX_PAGES = 100

export interface AllJobs {
  jobs: Job[]
  /** True when MAX_PAGES were read and more may remain. */
  truncated: boolean
}

/** A coordinator listed a job twice while paging by `before`: one older than `before`, which it ignores. */
export class RepeatedJobError extends Error {
  constructor(readonly jobId: string) {
    super(`the coordinator listed job ${jobId} twice while paging`)
    this.name = 'RepeatedJobError'
  }
}

/**
 * Every job the key may see, newest first, each page starting before the last job of the one before
 * (`before`): jobs submitted while paging are newer than every such cursor, so none shifts a page and
 * none is listed twice (paging by offset listed one job twice per job submitted meanwhile).
 */
export async function listAllJobs(client: ApiClient, status?: Schemas['JobStatus']): Promise<AllJobs> {
  const jobs: Job[] = []
  const seen = new Set<string>()
  let before: string | undefined
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await listJobs(client, {limit: MAX_PAGE_SIZE, ...(status ? {status} : {}), ...(before ? {before} : {})})
    for (const job of answer.jobs) {
      if (seen.has(job.job_id)) throw new RepeatedJobError(job.job_id)
      seen.add(job.job_id)
      jobs.push(job)
    }
    // Without X-Next-Before (a coordinator older than it), a full page may have more after it.
    before = answer.next ?? (answer.jobs.length === MAX_PAGE_SIZE ? answer.jobs.at(-1)!.job_id : undefined)
    if (before === undefined) return {jobs, truncated: false}
  }
  return {jobs, truncated: true}
}
