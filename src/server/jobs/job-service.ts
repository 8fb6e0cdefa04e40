// Everything that happens to a job, for the routes: each operation checks who is asking, applies a move
// from the state machine, records ledger transactions and commits before answering.
import {canonicalJson} from '../../protocol/canonical-json.js'
import type {Ed25519Signer} from '../../protocol/ed25519.js'
import {sha256Hex} from '../../protocol/encoding.js'
import type {JobStatus} from '../../protocol/job-states.js'
import type {Receipt} from '../../protocol/receipt.js'
import type {Principal} from '../auth/api-keys.js'
import type {Clock} from '../clock.js'
import {pricePer1000Tokens, type ServerConfig} from '../config.js'
import {conflict, forbidden, notFound, promptTooLarge} from '../http/api-error.js'
import {newId} from '../ids.js'
import type {Ledger} from '../ledger/ledger.js'
import {issueReceipt, newReceiptId} from '../receipts/receipt-issuer.js'
import type {JobParams, JobRecord, MinerRecord} from '../store/records.js'
import type {Store} from '../store/store.js'
import type {JobDefaults} from './job-defaults.js'
import * as machine from './job-machine.js'
import {JobOffers} from './job-offers.js'
import {canSeeJob} from './job-view.js'
import type {JobWaiters} from './job-waiters.js'
import {billedUnits} from './token-count.js'

export interface JobRequest {
  prompt: string
  model?: string
  params?: Partial<JobParams>
}

export interface JobResult {
  miner_id: string
  result: string
  units?: number
}

/** How long a job offered to one miner is held from the others; a miner claims within milliseconds. */
const OFFER_HOLD_MS = 2000

export class JobService {
  private readonly offers = new JobOffers(OFFER_HOLD_MS)

  constructor(
    private readonly store: Store,
    private readonly ledger: Ledger,
    private readonly signer: Ed25519Signer,
    private readonly config: ServerConfig,
    private readonly waiters: JobWaiters,
    private readonly defaults: JobDefaults,
    private readonly clock: Clock,
  ) {}

  /** A retry with the same Idempotency-Key gets the first job back (`replayed`); a different request under it is a 409. */
  async submit(principal: Principal, request: JobRequest, idempotencyKey?: string): Promise<{job: JobRecord; replayed: boolean}> {
    const promptBytes = Buffer.byteLength(request.prompt, 'utf8')
    if (promptBytes > this.config.maxPromptBytes) throw promptTooLarge(promptBytes, this.config.maxPromptBytes)
    const model = request.model ?? this.defaults.model
    const params = {...this.defaults.params, ...request.params}
    let idempotency: JobRecord['idempotency']
    if (idempotencyKey !== undefined) {
      // The request's hash tells a retry from a different request under the same key.
      idempotency = {key: idempotencyKey, request_sha256: sha256Hex(canonicalJson({prompt: request.prompt, model, params}))}
      const earlier = this.store.jobByIdempotencyKey(principal.name, idempotencyKey)
      if (earlier) {
        if (earlier.idempotency?.request_sha256 !== idempotency.request_sha256) {
          throw conflict('this Idempotency-Key was already used for a different request; use a new key')
        }
        await this.store.commit()
        return {job: earlier, replayed: true}
      }
    }
    const now = new Date(this.clock.now())
    const job: JobRecord = {
      job_id: newId('job'),
      status: 'pending',
      prompt: request.prompt,
      model,
      params,
      client: principal.name,
      attempts: 0,
      created_at: now.toISOString(),
      ...(idempotency ? {idempotency} : {}),
    }
    this.store.putJob(job)
    this.ledger.record('job_submitted', {job_id: job.job_id, client: job.client, model, prompt_sha256: sha256Hex(job.prompt), max_tokens: params.max_tokens}, now)
    this.waiters.notify(model)
    await this.store.commit()
    return {job, replayed: false}
  }

  list(principal: Principal, query: {status?: JobStatus; limit: number; offset: number}): JobRecord[] {
    return this.store.listJobs(principal.role === 'admin' ? query : {...query, client: principal.name})
  }

  get(principal: Principal, jobId: string): JobRecord {
    const job = this.store.getJob(jobId)
    if (!job || !canSeeJob(principal, job, this.store)) throw notFound(`job ${jobId} not found`)
    return job
  }

  async cancel(principal: Principal, jobId: string): Promise<JobRecord> {
    const job = this.store.getJob(jobId)
    if (!job || (principal.role !== 'admin' && job.client !== principal.name)) throw notFound(`job ${jobId} not found`)
    const now = new Date(this.clock.now())
    const moved = this.apply(machine.cancel(job, now))
    this.offers.release(jobId)
    this.ledger.record('job_cancelled', {job_id: jobId, by: principal.name, previous_status: job.status}, now)
    await this.store.commit()
    return moved
  }

  /**
   * The oldest pending job the miner serves that is not held for another miner (job-offers.ts); with
   * `waitSeconds`, waits for one before answering null.
   */
  async available(principal: Principal, minerId: string, waitSeconds: number, signal?: AbortSignal): Promise<JobRecord | null> {
    this.ownedMiner(principal, minerId)
    this.store.touchMiner(minerId, new Date(this.clock.now()).toISOString())
    // The wait itself is transport, not a decision: it runs on real time whatever the clock says.
    const deadline = performance.now() + waitSeconds * 1000
    for (;;) {
      const capabilities = this.store.getMiner(minerId)!.capabilities
      const now = this.clock.now()
      const job = this.store.oldestPendingJob(capabilities, (jobId) => this.offers.heldForAnother(jobId, minerId, now))
      if (job) {
        this.offers.offer(job.job_id, minerId, now)
        // A new job wakes one waiting miner: if this answer never reaches its miner, free the job for another.
        signal?.addEventListener('abort', () => (this.offers.release(job.job_id), this.waiters.notify(job.model)), {once: true})
        return job
      }
      const remaining = deadline - performance.now()
      if (remaining <= 0 || this.waiters.isClosed || signal?.aborted) return null
      await this.waiters.wait(new Set(capabilities), remaining, signal)
    }
  }

  async claim(principal: Principal, jobId: string, minerId: string): Promise<JobRecord> {
    const miner = this.ownedMiner(principal, minerId)
    const job = this.settleLease(this.requireJob(jobId))
    if (job.status === 'pending' && !miner.capabilities.includes(job.model)) {
      throw conflict(`miner ${minerId} does not serve model ${job.model}; register it with that capability first`)
    }
    const now = new Date(this.clock.now())
    const claimed = this.apply(machine.claim(job, minerId, now, this.config.leaseSeconds))
    this.offers.release(jobId)
    this.store.touchMiner(minerId, now.toISOString())
    this.ledger.record('job_claimed', {job_id: jobId, miner_id: minerId, attempt: claimed.attempts, lease_expires_at: claimed.lease_expires_at}, now)
    await this.store.commit()
    return claimed
  }

  async complete(principal: Principal, jobId: string, result: JobResult): Promise<Receipt> {
    this.ownedMiner(principal, result.miner_id)
    const job = this.settleLease(this.requireJob(jobId))
    const refused = machine.checkHolder(job, result.miner_id)
    if (refused) throw conflict(refused)
    const now = new Date(this.clock.now())
    const receipt = issueReceipt(
      {
        receiptId: newReceiptId(),
        job,
        minerId: result.miner_id,
        result: result.result,
        units: billedUnits(result.units, result.result, job.params.max_tokens),
        pricePer1000: pricePer1000Tokens(this.config, job.model),
        completedAt: now,
      },
      this.signer,
    )
    this.store.putReceipt(receipt)
    this.apply(machine.complete(job, result.miner_id, result.result, receipt.receipt_id, now))
    this.store.touchMiner(result.miner_id, now.toISOString())
    this.ledger.record('job_completed', {job_id: jobId, miner_id: result.miner_id, receipt_id: receipt.receipt_id, result_sha256: receipt.result_sha256}, now)
    // The whole signed receipt goes on the ledger, so `explorer verify` can check every one it holds.
    this.ledger.record('receipt_issued', {receipt_id: receipt.receipt_id, job_id: jobId, receipt}, now)
    await this.store.commit()
    return receipt
  }

  async fail(principal: Principal, jobId: string, failure: {miner_id: string; error: string}): Promise<JobRecord> {
    this.ownedMiner(principal, failure.miner_id)
    const job = this.settleLease(this.requireJob(jobId))
    const refused = machine.checkHolder(job, failure.miner_id)
    if (refused) throw conflict(refused)
    const now = new Date(this.clock.now())
    const next = this.endAttempt(job, failure.error, 'miner_reported', now)
    this.store.touchMiner(failure.miner_id, now.toISOString())
    await this.store.commit()
    return next
  }

  /** Ends the attempt of every running job whose lease ran out; returns how many. */
  async expireLeases(now: Date): Promise<number> {
    const expired = this.store.runningJobs().filter((job) => machine.leaseExpired(job, now))
    for (const job of expired) this.endAttempt(job, leaseError(job, this.config), 'lease_expired', now)
    if (expired.length) await this.store.commit()
    return expired.length
  }

  private endAttempt(job: JobRecord, error: string, reason: 'miner_reported' | 'lease_expired', now: Date): JobRecord {
    const outcome = machine.failAttempt(job, error, now, this.config.maxAttempts)
    this.store.putJob(outcome.job)
    const data = {job_id: job.job_id, miner_id: job.miner_id, attempts: job.attempts, reason}
    this.ledger.record(outcome.requeued ? 'job_requeued' : 'job_failed', data, now)
    if (outcome.requeued) this.waiters.notify(job.model)
    return outcome.job
  }

  /**
   * A job whose lease ran out is dealt with before anyone acts on it, even between sweeps. Synchronous
   * on purpose: every check-and-change on a job happens without an await in between, which is what
   * makes a claim atomic. The commit of the caller (or of the sweeper) makes it durable.
   */
  private settleLease(job: JobRecord): JobRecord {
    const now = new Date(this.clock.now())
    if (!machine.leaseExpired(job, now)) return job
    const next = this.endAttempt(job, leaseError(job, this.config), 'lease_expired', now)
    this.store.commit().catch(() => undefined)
    return next
  }

  private apply(move: machine.Move): JobRecord {
    if ('refused' in move) throw conflict(move.refused)
    this.store.putJob(move.job)
    return move.job
  }

  private requireJob(jobId: string): JobRecord {
    const job = this.store.getJob(jobId)
    if (!job) throw notFound(`job ${jobId} not found`)
    return job
  }

  private ownedMiner(principal: Principal, minerId: string): MinerRecord {
    const miner = this.store.getMiner(minerId)
    if (!miner) throw notFound(`miner ${minerId} is not registered; register it with POST /v1/miners/register first`)
    if (miner.principal !== principal.name) throw forbidden(`miner ${minerId} belongs to another principal`)
    return miner
  }
}

function leaseError(job: JobRecord, config: ServerConfig): string {
  return `lease expired: miner ${job.miner_id ?? '?'} did not finish within ${config.leaseSeconds} s`
}
