// Job calls that are more than one request: a submit that is safe to retry (every page of a list: pages.ts).
import {randomUUID} from 'node:crypto'

import {type ApiClient, type Job, type Schemas, unwrap} from './client.js'

/** A job request: `model` and each param may be left out for the coordinator's default. */
export type JobSubmission = Schemas['JobRequest']

/**
 * Submits a job with a fresh Idempotency-Key, so the client may retry it after a dropped connection
 * or a 502/503/504 and the coordinator answers the repeat with the first job instead of a second one.
 */
export function submitJob(client: ApiClient, request: JobSubmission): Promise<Job> {
  return unwrap(client.POST('/v1/jobs', {params: {header: {'Idempotency-Key': randomUUID()}}, body: request}))
}
