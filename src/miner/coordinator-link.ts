// The miner's side of the coordinator API, over the shared openapi-fetch client, and the one rule for
// which failures are worth retrying.
import {appendJobOutput, availableJob, claimJob, claimNextJob, completeJob, failJob, getJob, getReceipt, registerMiner} from '../client/calls.js'
import type {ApiClient, Job, Miner, Receipt, Schemas} from '../client/client.js'
import {ApiError, BadAnswerError, UnreachableError} from '../client/errors.js'

export type MinerRegistration = Schemas['MinerRegistration']
export type JobResult = Schemas['JobResult']
export type JobFailure = Schemas['JobFailure']

/** The coordinator holds a long poll at most this long (openapi: `wait` maximum). */
export const MAX_POLL_WAIT_SECONDS = 30

export class CoordinatorLink {
  constructor(private readonly client: ApiClient) {}

  register(registration: MinerRegistration, signal?: AbortSignal): Promise<Miner> {
    return registerMiner(this.client, registration, {signal})
  }

  /**
   * The next job for this miner, waiting up to `waitSeconds` for one; null when none came. Through
   * claim-next, one request that answers the job already claimed (`claimed`); from a coordinator
   * without it (404 for the route while `available` knows the miner), through `available`, after
   * which the caller claims the job itself.
   */
  async takeJob(minerId: string, waitSeconds: number, signal?: AbortSignal): Promise<{job: Job | null; claimed: boolean}> {
    if (this.claimNextMissing) return {job: await this.nextJob(minerId, waitSeconds, signal), claimed: false}
    try {
      // The miner backs off on its own; the client's quick retries would only delay that.
      return {job: await claimNextJob(this.client, {miner_id: minerId, wait: waitSeconds}, {waitSeconds, retries: 0, signal}), claimed: true}
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error
    }
    // 404: an older coordinator, or a miner it does not know; `available` tells which (404 again: the miner).
    const job = await this.nextJob(minerId, waitSeconds, signal)
    this.claimNextMissing = true
    return {job, claimed: false}
  }

  /** Set once the coordinator turned out not to have claim-next: available + claim from then on. */
  private claimNextMissing = false

  /** The next job this miner may take, waiting up to `waitSeconds` for one; null when none came. */
  async nextJob(minerId: string, waitSeconds: number, signal?: AbortSignal): Promise<Job | null> {
    // The miner backs off on its own; the client's quick retries would only delay that.
    return availableJob(this.client, {miner_id: minerId, wait: waitSeconds}, {waitSeconds, retries: 0, signal})
  }

  claim(jobId: string, minerId: string): Promise<Job> {
    return claimJob(this.client, jobId, minerId)
  }

  complete(jobId: string, result: JobResult): Promise<Receipt> {
    return completeJob(this.client, jobId, result)
  }

  /** A preview of the job's output; no retries (the next piece, or the result, carries on). */
  async appendOutput(jobId: string, minerId: string, offset: number, text: string): Promise<void> {
    await appendJobOutput(this.client, jobId, {miner_id: minerId, offset, text}, {retries: 0})
  }

  fail(jobId: string, failure: JobFailure): Promise<Job> {
    return failJob(this.client, jobId, failure)
  }

  job(jobId: string): Promise<Job> {
    return getJob(this.client, jobId)
  }

  receipt(receiptId: string): Promise<Receipt> {
    return getReceipt(this.client, receiptId)
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
