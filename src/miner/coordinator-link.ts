// The miner's side of the coordinator API, over the shared openapi-fetch client, and the one rule for
// which failures are worth retrying.
import {type ApiClient, callFetch, type Job, type Miner, type Receipt, type Schemas, unwrap} from '../client/client.js'
import {ApiError, BadAnswerError, UnreachableError} from '../client/errors.js'

export type MinerRegistration = Schemas['MinerRegistration']
export type JobResult = Schemas['JobResult']
export type JobFailure = Schemas['JobFailure']

/** The coordinator holds a long poll at most this long (openapi: `wait` maximum). */
export const MAX_POLL_WAIT_SECONDS = 30

export class CoordinatorLink {
  constructor(private readonly client: ApiClient) {}

  register(registration: MinerRegistration, signal?: AbortSignal): Promise<Miner> {
    return unwrap(this.client.POST('/v1/miners/register', {body: registration, signal}))
  }

  /** The next job this miner may take, waiting up to `waitSeconds` for one; null when none came. */
  async nextJob(minerId: string, waitSeconds: number, signal?: AbortSignal): Promise<Job | null> {
    const job = await unwrap(
      this.client.GET('/v1/jobs/available', {
        params: {query: {miner_id: minerId, wait: waitSeconds}},
        // The miner backs off on its own; the client's quick retries would only delay that.
        fetch: callFetch(this.client, {waitSeconds, retries: 0}),
        signal,
      }),
    )
    return job ?? null
  }

  claim(jobId: string, minerId: string): Promise<Job> {
    return unwrap(this.client.POST('/v1/jobs/{job_id}/claim', {params: {path: {job_id: jobId}}, body: {miner_id: minerId}}))
  }

  complete(jobId: string, result: JobResult): Promise<Receipt> {
    return unwrap(this.client.POST('/v1/jobs/{job_id}/complete', {params: {path: {job_id: jobId}}, body: result}))
  }

  fail(jobId: string, failure: JobFailure): Promise<Job> {
    return unwrap(this.client.POST('/v1/jobs/{job_id}/fail', {params: {path: {job_id: jobId}}, body: failure}))
  }

  job(jobId: string): Promise<Job> {
    return unwrap(this.client.GET('/v1/jobs/{job_id}', {params: {path: {job_id: jobId}}}))
  }

  receipt(receiptId: string): Promise<Receipt> {
    return unwrap(this.client.GET('/v1/receipts/{receipt_id}', {params: {path: {receipt_id: receiptId}}}))
  }
}

/**
 * Failures that may go away by themselves: no answer, overload, the coordinator's own error, or an
 * answer that is not the API's (a proxy's error page while the coordinator restarts).
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof UnreachableError || error instanceof BadAnswerError) return true
  return error instanceof ApiError && (error.status >= 500 || error.status === 408 || error.status === 429)
}

/** The key is wrong, revoked or not a miner's: retrying cannot help, and the miner must say so. */
export function isAuthFailure(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.status === 401 || error.status === 403)
}
