// Job calls that are more than one request: a submit that is safe to retry, and paging through lists.
import {randomUUID} from 'node:crypto'

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

/**
 * Every job the key may see, newest first, following offset pages. Jobs submitted while paging shift
 * later pages, so a job seen twice is kept once.
 */
export async function listAllJobs(client: ApiClient, status?: Schemas['JobStatus']): Promise<AllJobs> {
  const seen = new Map<string, Job>()
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = {limit: MAX_PAGE_SIZE, offset: page * MAX_PAGE_SIZE, ...(status ? {status} : {})}
    const jobs = await unwrap(client.GET('/v1/jobs', {params: {query}}))
    for (const job of jobs) if (!seen.has(job.job_id)) seen.set(job.job_id, job)
    if (jobs.length < MAX_PAGE_SIZE) return {jobs: [...seen.values()], truncated: false}
  }
  return {jobs: [...seen.values()], truncated: true}
}
