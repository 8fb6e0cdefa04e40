// Takes each finished job's outcome to the coordinator. What it cannot deliver yet (coordinator down,
// or the key refused) is kept in UndeliveredResults and retried in the background with backoff; an
// answer lost on the way is confirmed by asking for the job, so nothing is delivered or billed twice.
import type {Job} from '../client/client.js'
import {ApiError} from '../client/errors.js'
import {type Backoff, pause} from './backoff.js'
import {type CoordinatorLink, isAuthFailure, isTransient} from './coordinator-link.js'
import type {JobReport} from './reports.js'
import type {Delivery, UndeliveredResults} from './undelivered-results.js'

/** The coordinator's limit on a failure message (openapi JobFailure.error). */
const MAX_ERROR_LENGTH = 4000

export type Outcome = Omit<JobReport, 'job_id' | 'model' | 'seconds'>

export interface CourierHooks {
  /** How a job ended, once the coordinator has taken (or refused) the news. */
  report(delivery: Delivery, outcome: Outcome): void
  coordinatorTrouble(error: unknown): void
  coordinatorAnswers(): void
  /** The key was refused: the miner must stop. */
  keyRefused(error: unknown): void
  warn(message: string): void
}

export class ResultCourier {
  private retrying = false
  private retryDone: Promise<void> = Promise.resolve()
  private readonly retryWake = new AbortController()
  private finishing = false

  constructor(
    private readonly link: CoordinatorLink,
    private readonly undelivered: UndeliveredResults,
    private readonly minerId: string,
    private readonly backoff: Backoff,
    private readonly hooks: CourierHooks,
    /** Aborted when the miner abandons everything: no more attempts. */
    private readonly abandoned: AbortSignal,
  ) {}

  /** Tells the coordinator how a job ended; keeps the news when the coordinator cannot hear it yet. */
  async deliver(delivery: Delivery): Promise<void> {
    try {
      if (delivery.kind === 'complete') {
        const receipt = await this.link.complete(delivery.job_id, {miner_id: delivery.miner_id, result: delivery.result, units: delivery.units})
        this.hooks.coordinatorAnswers()
        await this.forget(delivery.job_id)
        this.hooks.report(delivery, {outcome: 'completed', units: receipt.units, receipt_id: receipt.receipt_id})
      } else {
        const job = await this.link.fail(delivery.job_id, {miner_id: delivery.miner_id, error: delivery.error.slice(0, MAX_ERROR_LENGTH)})
        this.hooks.coordinatorAnswers()
        await this.forget(delivery.job_id)
        this.hooks.report(delivery, {outcome: 'failed', error: delivery.error, requeued: job.status === 'pending'})
      }
    } catch (error) {
      if (isTransient(error) || isAuthFailure(error)) {
        if (isAuthFailure(error)) this.hooks.keyRefused(error)
        else this.hooks.coordinatorTrouble(error)
        if (!this.undelivered.has(delivery.job_id)) await this.keep(delivery)
        this.ensureRetrying()
      } else if (error instanceof ApiError && (error.status === 409 || error.status === 404)) {
        await this.forget(delivery.job_id)
        await this.settleRefused(delivery)
      } else if (error instanceof ApiError && delivery.kind === 'complete') {
        // The result itself was refused (too large, say): the job failed, and the coordinator should know.
        await this.forget(delivery.job_id)
        await this.deliver({...delivery, kind: 'fail', error: `the coordinator refused the result: ${error.detail}`})
      } else {
        await this.forget(delivery.job_id)
        this.hooks.report(delivery, {outcome: 'dropped', error: `the coordinator refused the report: ${(error as Error).message}`})
      }
    }
  }

  /** Delivers what an earlier run (or an earlier attempt) could not. */
  async deliverKept(): Promise<void> {
    for (const delivery of this.undelivered.list()) {
      if (this.abandoned.aborted) return
      await this.deliver(delivery)
    }
  }

  /**
   * After the last job: keeps trying until everything is delivered, or only once more when
   * `stopRequested` (a signal) has aborted; whatever is left stays in the file for the next start.
   */
  async finish(stopRequested: AbortSignal): Promise<void> {
    this.finishing = true
    this.retryWake.abort()
    await this.retryDone
    for (let attempt = 0; this.undelivered.size > 0 && !this.abandoned.aborted; attempt++) {
      await this.deliverKept()
      if (stopRequested.aborted || this.undelivered.size === 0) break
      await pause(attempt, this.backoff, stopRequested)
    }
    const left = this.undelivered.size
    if (left > 0) {
      const where = this.undelivered.file ? `kept in ${this.undelivered.file}; the miner delivers them when it next starts` : 'lost (no state directory)'
      this.hooks.warn(`${left} finished job result${left === 1 ? ' was' : 's were'} not delivered yet: ${where}`)
    }
  }

  /** Retries kept results in the background while the miner runs. */
  ensureRetrying(): void {
    if (this.retrying || this.finishing) return
    this.retrying = true
    this.retryDone = (async () => {
      for (let attempt = 0; ; attempt++) {
        if (this.undelivered.size === 0 || this.finishing || this.abandoned.aborted) break
        await pause(attempt, this.backoff, this.retryWake.signal)
        if (!this.finishing) await this.deliverKept()
      }
      this.retrying = false
    })()
  }

  /** A 409/404 may mean an earlier delivery got through and only its answer was lost: ask. */
  private async settleRefused(delivery: Delivery): Promise<void> {
    const job: Job | undefined = await this.link.job(delivery.job_id).catch(() => undefined)
    if (job?.miner_id === this.minerId && job.status === (delivery.kind === 'complete' ? 'completed' : 'failed')) {
      if (delivery.kind === 'fail') return this.hooks.report(delivery, {outcome: 'failed', error: delivery.error})
      const receipt = job.receipt_id ? await this.link.receipt(job.receipt_id).catch(() => undefined) : undefined
      return this.hooks.report(delivery, {outcome: 'completed', units: receipt?.units ?? delivery.units, receipt_id: job.receipt_id})
    }
    const now = job ? `it is ${job.status}${job.miner_id && job.miner_id !== this.minerId ? ` with miner ${job.miner_id}` : ''}` : 'it is gone or held by another miner'
    this.hooks.report(delivery, {outcome: 'dropped', error: `the coordinator no longer had the job running for this miner (${now})`})
  }

  private async keep(delivery: Delivery): Promise<void> {
    try {
      await this.undelivered.keep(delivery)
    } catch (error) {
      this.hooks.warn(`cannot save the undelivered result of job ${delivery.job_id} (${(error as Error).message}); it is retried while the miner runs`)
    }
  }

  private async forget(jobId: string): Promise<void> {
    try {
      await this.undelivered.forget(jobId)
    } catch (error) {
      this.hooks.warn(`cannot update ${this.undelivered.file} (${(error as Error).message})`)
    }
  }
}
