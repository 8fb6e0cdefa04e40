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
import {conflict, forbidden, limitReached, minerCoolingDown, notFound, promptTooLarge, unauthorized} from '../domain-errors.js'
import {newId} from '../ids.js'
import type {Ledger} from '../ledger/ledger.js'
import {MinerHealth} from '../miners/miner-health.js'
import {issueReceipt, newReceiptId} from '../receipts/receipt-issuer.js'
import type {ChatMessage, JobParams, JobRecord, MinerRecord} from '../store/records.js'
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
  /** A chat job's messages (the gateway's); `prompt` is then their rendering. */
  messages?: ChatMessage[]
}

/** Told of every change to a job record (the stream fan-out follows attempts and ends with it). */
export type JobChangeListener = (job: JobRecord) => void

export interface JobResult {
  miner_id: string
  result: string
  units?: number
}

/** How long a job offered to one miner is held from the others; a miner claims within milliseconds. */
const OFFER_HOLD_MS = 2000
/** Retry-After for a cap on what is queued: pending jobs leave as miners claim them. */
const QUEUE_RETRY_SECONDS = 30

type AttemptEnd = 'miner_reported' | 'lease_expired' | 'key_revoked'

export class JobService {
  // When a hold lapses, every miner waiting for the model looks again, not only the one it was held for.
  private readonly offers = new JobOffers(OFFER_HOLD_MS, (model) => this.waiters.notifyAll(model))
  private readonly health: MinerHealth
  /** Open long polls per principal. */
  private readonly polls = new Map<string, number>()
  /** Pending jobs' miners that failed them (also on the job record): skipped when offering. */
  private readonly failedBy = new Map<string, Set<string>>()
  /** Set by the coordinator: the stream fan-out (streams/job-streams.ts). */
  onJobChange?: JobChangeListener

  constructor(
    private readonly store: Store,
    private readonly ledger: Ledger,
    private readonly signer: Ed25519Signer,
    private readonly config: ServerConfig,
    private readonly waiters: JobWaiters,
    private readonly defaults: JobDefaults,
    private readonly clock: Clock,
  ) {
    this.health = new MinerHealth(config, clock)
  }

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
    this.admit(principal, promptBytes)
    const now = new Date(this.clock.now())
    const job: JobRecord = {
      job_id: newId('job'),
      status: 'pending',
      prompt: request.prompt,
      model,
      params,
      ...(request.messages ? {messages: request.messages} : {}),
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

  /** The caps on what waits in the queue: pending jobs per client and queued prompt bytes in total. */
  private admit(principal: Principal, promptBytes: number): void {
    const pending = this.store.countJobs({client: principal.name, status: 'pending'})
    if (pending >= this.config.maxPendingPerClient) {
      throw limitReached(
        `${principal.name} already has ${pending} pending jobs, the most one client may have (--max-pending-per-client ${this.config.maxPendingPerClient}); wait for some to finish or cancel them`,
        QUEUE_RETRY_SECONDS,
      )
    }
    const queued = this.store.pendingPromptBytes()
    if (queued + promptBytes > this.config.maxQueuedPromptBytes) {
      throw limitReached(
        `the queue is full: pending prompts hold ${queued} bytes and this one would pass the limit of ${this.config.maxQueuedPromptBytes} bytes (--max-queued-prompt-bytes); try again later`,
        QUEUE_RETRY_SECONDS,
      )
    }
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
    this.forget(jobId)
    this.ledger.record('job_cancelled', {job_id: jobId, by: principal.name, previous_status: job.status}, now)
    await this.store.commit()
    return moved
  }

  /**
   * The oldest pending job the miner serves that is not held for another miner (job-offers.ts) and that
   * this miner has not failed; with `waitSeconds`, waits for one before answering null. A key may hold
   * --max-polls-per-key polls at once; a cooled-down miner is told why and for how long (429); a poll
   * whose key is revoked while it waits is answered 401 at once.
   */
  async available(principal: Principal, minerId: string, waitSeconds: number, signal?: AbortSignal): Promise<JobRecord | null> {
    this.ownedMiner(principal, minerId)
    this.refuseCoolingDown(minerId)
    const open = this.polls.get(principal.name) ?? 0
    if (open >= this.config.maxPollsPerKey) {
      throw limitReached(
        `${principal.name} already has ${open} requests for jobs open, the most one key may have (--max-polls-per-key ${this.config.maxPollsPerKey}); wait for one to answer`,
        Math.max(1, waitSeconds),
      )
    }
    this.polls.set(principal.name, open + 1)
    try {
      return await this.lookForJob(principal, minerId, waitSeconds, signal)
    } finally {
      const left = (this.polls.get(principal.name) ?? 1) - 1
      if (left > 0) this.polls.set(principal.name, left)
      else this.polls.delete(principal.name)
    }
  }

  private async lookForJob(principal: Principal, minerId: string, waitSeconds: number, signal?: AbortSignal): Promise<JobRecord | null> {
    this.store.touchMiner(minerId, new Date(this.clock.now()).toISOString())
    // The wait itself is transport, not a decision: it runs on real time whatever the clock says.
    const deadline = performance.now() + waitSeconds * 1000
    for (;;) {
      this.refuseRevoked(principal)
      const capabilities = this.store.getMiner(minerId)!.capabilities
      const now = this.clock.now()
      const skip = (jobId: string) => this.failedBy.get(jobId)?.has(minerId) === true || this.offers.heldForAnother(jobId, minerId, now, principal.name)
      const job = this.store.oldestPendingJob(capabilities, skip)
      if (job?.failed_miners?.includes(minerId)) {
        // Known from the record (e.g. after a restart) but not yet here: remember it and look again.
        this.rememberFailure(job.job_id, job.failed_miners)
        continue
      }
      if (job) {
        this.offers.offer(job.job_id, minerId, now, job.model, principal.name)
        // A new job wakes one waiting miner: if this answer never reaches its miner, free the job for another.
        signal?.addEventListener('abort', () => (this.offers.release(job.job_id), this.waiters.notify(job.model)), {once: true})
        return job
      }
      const remaining = deadline - performance.now()
      if (remaining <= 0 || this.waiters.isClosed || signal?.aborted) return null
      await this.waiters.wait(new Set(capabilities), remaining, signal, principal.name)
    }
  }

  async claim(principal: Principal, jobId: string, minerId: string): Promise<JobRecord> {
    const miner = this.ownedMiner(principal, minerId)
    const job = this.settleLease(this.requireJob(jobId))
    if (job.status === 'pending' && !miner.capabilities.includes(job.model)) {
      throw conflict(`miner ${minerId} does not serve model ${job.model}; register it with that capability first`)
    }
    if (job.status === 'pending' && job.failed_miners?.includes(minerId)) {
      this.rememberFailure(jobId, job.failed_miners)
      throw conflict(`miner ${minerId} already failed job ${jobId}; it goes to another miner`)
    }
    this.refuseCoolingDown(minerId)
    const now = new Date(this.clock.now())
    const claimed = this.apply(machine.claim(job, minerId, now, this.config.leaseSeconds))
    this.offers.release(jobId)
    this.failedBy.delete(jobId)
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
    this.forget(jobId)
    this.store.touchMiner(result.miner_id, now.toISOString())
    this.ledger.record('job_completed', {job_id: jobId, miner_id: result.miner_id, receipt_id: receipt.receipt_id, result_sha256: receipt.result_sha256}, now)
    // The whole signed receipt goes on the ledger, so `explorer verify` can check every one it holds.
    this.ledger.record('receipt_issued', {receipt_id: receipt.receipt_id, job_id: jobId, receipt}, now)
    await this.store.commit()
    return receipt
  }

  /**
   * The running job `minerId` holds, checked as `complete` checks it (the principal's miner, the holder,
   * the lease not run out); for a miner streaming output.
   */
  async heldJob(principal: Principal, jobId: string, minerId: string): Promise<JobRecord> {
    this.ownedMiner(principal, minerId)
    const job = this.settleLease(this.requireJob(jobId))
    const refused = machine.checkHolder(job, minerId)
    if (refused) throw conflict(refused)
    return job
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

  /** Pending jobs submitted more than --pending-ttl ago end as `expired`; returns how many. */
  async expirePending(now: Date): Promise<number> {
    const createdBefore = now.getTime() - this.config.pendingTtlSeconds * 1000
    let expired = 0
    for (;;) {
      // The oldest pending job (the pending index is in submit order); usually not due, and that is all.
      const total = this.store.countJobs({status: 'pending'})
      const [job] = total ? this.store.listJobs({status: 'pending', limit: 1, offset: total - 1}) : []
      if (!job || Date.parse(job.created_at) > createdBefore) break
      const expiredJob = machine.expire(job, now, this.config.pendingTtlSeconds)
      this.store.putJob(expiredJob)
      this.onJobChange?.(expiredJob)
      this.forget(job.job_id)
      this.ledger.record('job_expired', {job_id: job.job_id, client: job.client, pending_ttl_seconds: this.config.pendingTtlSeconds}, now)
      expired++
    }
    if (expired) await this.store.commit()
    return expired
  }

  /**
   * A key was revoked: its polls are answered 401 now, and the jobs its miners hold go back to the queue
   * (not counted against those miners), with the offers held for them.
   */
  async revokePrincipal(name: string): Promise<void> {
    this.waiters.wakePrincipal(name)
    const owned = (minerId: string | undefined) => minerId !== undefined && this.store.getMiner(minerId)?.principal === name
    const now = new Date(this.clock.now())
    const held = this.store.runningJobs().filter((job) => owned(job.miner_id))
    for (const job of held) this.endAttempt(job, `the key of miner ${job.miner_id} was revoked`, 'key_revoked', now)
    const minerIds = new Set<string>()
    for (const miner of this.store.miners()) if (miner.principal === name) minerIds.add(miner.miner_id)
    for (const model of this.offers.releaseMiners(minerIds)) this.waiters.notify(model)
    if (held.length) await this.store.commit()
  }

  /**
   * The attempt ends: the job goes back to the queue for other miners, or fails for good once
   * --max-attempts different miners failed it; a miner is never given a job it failed, so one miner
   * cannot fail a job for good. A revoked key's attempt does not count.
   */
  private endAttempt(job: JobRecord, error: string, reason: AttemptEnd, now: Date): JobRecord {
    const minerId = job.miner_id
    let failedMiners = job.failed_miners ?? []
    if (reason !== 'key_revoked' && minerId !== undefined) {
      failedMiners = [...new Set([...failedMiners, minerId])]
      this.health.recordFailure(minerId)
    }
    const outcome = machine.failAttempt({...job, failed_miners: failedMiners}, error, now, failedMiners.length >= this.config.maxAttempts)
    this.store.putJob(outcome.job)
    this.onJobChange?.(outcome.job)
    const data = {job_id: job.job_id, miner_id: job.miner_id, attempts: job.attempts, reason}
    this.ledger.record(outcome.requeued ? 'job_requeued' : 'job_failed', data, now)
    if (outcome.requeued) {
      this.rememberFailure(job.job_id, failedMiners)
      this.waiters.notify(job.model)
    } else {
      this.forget(job.job_id)
    }
    return outcome.job
  }

  private rememberFailure(jobId: string, minerIds: readonly string[]): void {
    if (minerIds.length) this.failedBy.set(jobId, new Set(minerIds))
  }

  /** The job left the queue for good: nothing about it is kept here. */
  private forget(jobId: string): void {
    this.offers.release(jobId)
    this.failedBy.delete(jobId)
  }

  private refuseCoolingDown(minerId: string): void {
    const ms = this.health.coolingDownMs(minerId)
    if (ms <= 0) return
    const seconds = Math.ceil(ms / 1000)
    throw minerCoolingDown(
      `miner ${minerId} failed more than ${this.config.minerFailureLimit} jobs within ${this.config.minerFailureWindowSeconds} s (--miner-failure-limit, --miner-failure-window); it gets no jobs for another ${seconds} s (--miner-cooldown)`,
      seconds,
    )
  }

  private refuseRevoked(principal: Principal): void {
    if (this.store.getApiKey(principal.name)?.revoked_at) throw unauthorized('this API key has been revoked')
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
    this.onJobChange?.(move.job)
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
