// Everything that happens to a job, for the routes: each operation checks who is asking, decides a move
// of the state machine with its ledger records, and has the store apply it atomically (AsyncStore: on
// the embedded store in this process, or on PostgreSQL shared by several replicas). The decisions are
// made inside the store's lock, from the job as it is there, so two replicas can never both move a job.
import {canonicalJson} from '../../protocol/canonical-json.js'
import type {Ed25519Signer} from '../../protocol/ed25519.js'
import {sha256Hex} from '../../protocol/encoding.js'
import type {Receipt} from '../../protocol/receipt.js'
import type {components} from '../../contract/api-schema.js'
import type {Principal} from '../auth/api-keys.js'
import type {Clock} from '../clock.js'
import {pricePer1000Tokens, type ServerConfig} from '../config.js'
import {conflict, forbidden, limitReached, minerCoolingDown, notFound, promptTooLarge, unauthorized} from '../domain-errors.js'
import {newId} from '../ids.js'
import {draft} from '../ledger/draft.js'
import {MinerHealth} from '../miners/miner-health.js'
import {issueReceipt, newReceiptId} from '../receipts/receipt-issuer.js'
import type {AsyncStore, QueueCounts, TransactionDraft} from '../store/async-store.js'
import type {ChatMessage, JobParams, JobRecord, MinerRecord, ReceiptRecord} from '../store/records.js'
import type {JobQuery} from '../store/store.js'
import type {JobDefaults} from './job-defaults.js'
import * as machine from './job-machine.js'
import {JobOffers} from './job-offers.js'
import {canSeeJob} from './job-view.js'
import type {JobWaiters} from './job-waiters.js'
import {billedUnits} from './token-count.js'

/**
 * What a submit asks for: the contract's JobRequest, whose defaults the service fills in (the gateway
 * leaves them out), and a chat job's messages (the gateway's), whose rendering is then the prompt.
 */
export type JobRequest = Omit<Schemas['JobRequest'], 'params'> & {params?: Partial<JobParams>; messages?: ChatMessage[]}

/** Told of every change to a job record (the stream fan-out follows attempts and ends with it). */
export type JobChangeListener = (job: JobRecord) => void

export type JobResult = Schemas['JobResult']

type Schemas = components['schemas']

/** How long a job offered to one miner is held from the others; a miner claims within milliseconds. */
const OFFER_HOLD_MS = 2000
/** Retry-After for a cap on what is queued: pending jobs leave as miners claim them. */
const QUEUE_RETRY_SECONDS = 30
/** Running jobs read per page when a revoked key's jobs are looked for. */
const SCAN_PAGE = 500

type AttemptEnd = 'miner_reported' | 'lease_expired' | 'key_revoked' | 'undelivered'
/** What this replica keeps in memory about a change (offers, failures, miner health): done once it is written. */
type Effect = () => void
/** The miners that failed a pending job, kept from it until `until` (ms). */
type FailedBy = {miners: Set<string>; until: number}
type PassedOver = {jobIds: string[]; opensAt: number}

/** A decided change of one job. */
interface Decision {
  job?: JobRecord
  receipt?: ReceiptRecord
  transactions?: TransactionDraft[]
  after?: Effect[]
}

export class JobService {
  // When a hold lapses, every miner waiting for the model looks again, not only the one it was held for.
  private readonly offers = new JobOffers(OFFER_HOLD_MS, (model) => this.waiters.notifyAll(model))
  private readonly health: MinerHealth
  /** Open long polls per principal (per replica, like the rate limits). */
  private readonly polls = new Map<string, number>()
  /** Pending jobs' miners that failed them (also on the job record): skipped when offering. */
  private readonly failedBy = new Map<string, FailedBy>()
  /** Set by the coordinator: the stream fan-out (streams/job-streams.ts). */
  onJobChange?: JobChangeListener
  /** Running jobs read per page when a revoked key's jobs are looked for (a test makes it small). */
  revokeScanPage = SCAN_PAGE

  constructor(
    private readonly store: AsyncStore,
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
    // The request's hash tells a retry from a different request under the same key.
    const idempotency: JobRecord['idempotency'] =
      idempotencyKey === undefined ? undefined : {key: idempotencyKey, request_sha256: sha256Hex(canonicalJson({prompt: request.prompt, model, params}))}
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
    const submitted = draft('job_submitted', {job_id: job.job_id, client: job.client, model, prompt_sha256: sha256Hex(job.prompt), max_tokens: params.max_tokens}, now)
    const stored = await this.store.submitJob(job, [submitted], (counts) => this.admit(principal, promptBytes, counts))
    if (stored.replayed && stored.job.idempotency?.request_sha256 !== idempotency?.request_sha256) {
      throw conflict('this Idempotency-Key was already used for a different request; use a new key')
    }
    return stored
  }

  /** The caps on what waits in the queue: pending jobs per client and queued prompt bytes in total. */
  private admit(principal: Principal, promptBytes: number, {pendingOfClient: pending, queuedPromptBytes: queued}: QueueCounts): void {
    if (pending >= this.config.maxPendingPerClient) {
      throw limitReached(
        `${principal.name} already has ${pending} pending jobs, the most one client may have (--max-pending-per-client ${this.config.maxPendingPerClient}); wait for some to finish or cancel them`,
        QUEUE_RETRY_SECONDS,
      )
    }
    if (queued + promptBytes > this.config.maxQueuedPromptBytes) {
      throw limitReached(
        `the queue is full: pending prompts hold ${queued} bytes and this one would pass the limit of ${this.config.maxQueuedPromptBytes} bytes (--max-queued-prompt-bytes); try again later`,
        QUEUE_RETRY_SECONDS,
      )
    }
  }

  /**
   * A page of the jobs the principal may list, newest first, as ids taken at one moment: read them with
   * `listed`. Undefined when `before` is not a job of that list: one that does not exist and another
   * client's are not told apart.
   */
  listIds(principal: Principal, query: Omit<JobQuery, 'client'>): Promise<string[] | undefined> {
    return this.store.listJobIds(principal.role === 'admin' ? query : {...query, client: principal.name})
  }

  /** A job of a page from `listIds`, as it is now (the principal may see it: it was listed for them). */
  listed(jobId: string): Promise<JobRecord | undefined> {
    return this.store.getJob(jobId)
  }

  async get(principal: Principal, jobId: string): Promise<JobRecord> {
    const job = await this.store.getJob(jobId)
    if (!job || !(await canSeeJob(principal, job, this.store))) throw notFound(`job ${jobId} not found`)
    return job
  }

  async cancel(principal: Principal, jobId: string): Promise<JobRecord> {
    return this.cancelJob(principal, jobId, false)
  }

  /**
   * Cancels the job only while no miner has taken it. For a client of the OpenAI gateway that went away
   * before its job started: no miner should work (and the client pay) for an answer nobody waits for.
   * A job already running goes on: its miner is at work, and the result stays at GET /v1/jobs/{id}.
   */
  async cancelUnstarted(principal: Principal, jobId: string): Promise<JobRecord> {
    return this.cancelJob(principal, jobId, true)
  }

  private async cancelJob(principal: Principal, jobId: string, onlyPending: boolean): Promise<JobRecord> {
    const now = new Date(this.clock.now())
    return this.changeJob(
      jobId,
      now,
      (job) => {
        if (principal.role !== 'admin' && job.client !== principal.name) throw notFound(`job ${jobId} not found`)
        if (onlyPending && job.status !== 'pending') return {}
        const move = machine.cancel(job, now)
        if ('refused' in move) throw conflict(move.refused)
        const cancelled = draft('job_cancelled', {job_id: jobId, by: principal.name, previous_status: job.status}, now)
        return {job: move.job, transactions: [cancelled], after: [() => this.forget(jobId)]}
      },
      {settleLease: false},
    )
  }

  /**
   * The oldest pending job the miner serves that is not held by an offer (job-offers.ts) and that
   * this miner has not failed; with `waitSeconds`, waits for one before answering null. A key may hold
   * --max-polls-per-key polls at once (on each replica); a cooled-down miner is told why and for how
   * long (429); a poll whose key is revoked while it waits is answered 401 at once.
   */
  async available(principal: Principal, minerId: string, waitSeconds: number, signal?: AbortSignal): Promise<JobRecord | null> {
    return this.poll(principal, minerId, waitSeconds, () => this.lookForJob(principal, minerId, waitSeconds, signal))
  }

  /**
   * Claim-next: as `available` then `claim` in one call, the job claimed under the store's lock
   * (claimNextJob: SKIP LOCKED on PostgreSQL), so racing miners never get the same job and never lose a
   * claim. Same rules as the two: the poll cap, cool-down, revoked keys, jobs the miner failed, offers
   * held for other miners. A job claimed for a poll whose client went away goes back to the queue.
   */
  async claimNext(principal: Principal, minerId: string, waitSeconds: number, signal?: AbortSignal): Promise<JobRecord | null> {
    return this.poll(principal, minerId, waitSeconds, () => this.waitToClaim(principal, minerId, waitSeconds, signal))
  }

  /** One long poll of a miner: counted against --max-polls-per-key while it runs. */
  private async poll(principal: Principal, minerId: string, waitSeconds: number, look: () => Promise<JobRecord | null>): Promise<JobRecord | null> {
    await this.ownedMiner(principal, minerId)
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
      return await look()
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
      await this.refuseRevoked(principal)
      const capabilities = (await this.store.getMiner(minerId))!.capabilities
      const passed = this.passedOver(minerId, principal.name)
      const job = await this.store.oldestPendingJob(capabilities, passed.jobIds)
      const now = this.clock.now()
      if (job && this.failedByMiner(job, minerId, now)) {
        // Known from the record (e.g. after a restart, or failed on another replica) but not yet here: remember it and look again.
        this.rememberFailure(job)
        continue
      }
      // Another poll may have been offered it while this one read: look again rather than both claim it.
      if (job && this.offers.kept(job.job_id, now, principal.name)) continue
      if (job) {
        this.offers.offer(job.job_id, minerId, now, job.model, principal.name)
        // A new job wakes one waiting miner: if this answer never reaches its miner, free the job for another.
        signal?.addEventListener('abort', () => (this.offers.release(job.job_id), this.waiters.notify(job.model)), {once: true})
        return job
      }
      if (!(await this.waitForJob(capabilities, deadline, passed, signal, principal.name))) return null
    }
  }

  private async waitToClaim(principal: Principal, minerId: string, waitSeconds: number, signal?: AbortSignal): Promise<JobRecord | null> {
    this.store.touchMiner(minerId, new Date(this.clock.now()).toISOString())
    // The wait itself is transport, not a decision: it runs on real time whatever the clock says.
    const deadline = performance.now() + waitSeconds * 1000
    for (;;) {
      await this.refuseRevoked(principal)
      const capabilities = (await this.store.getMiner(minerId))!.capabilities
      const passed = this.passedOver(minerId, principal.name)
      const claimed = await this.claimOldest(minerId, capabilities, passed.jobIds)
      if (claimed === 'look again') continue
      if (claimed) {
        if (signal?.aborted) {
          // Nobody is there to run it: back to the queue at once rather than when its lease runs out.
          await this.unclaim(claimed)
          return null
        }
        return claimed
      }
      if (!(await this.waitForJob(capabilities, deadline, passed, signal, principal.name))) return null
    }
  }

  /** Claims the oldest pending job this miner may take; 'look again' when it turned out to be one it failed. */
  private async claimOldest(minerId: string, capabilities: readonly string[], passedOver: string[]): Promise<JobRecord | undefined | 'look again'> {
    const now = new Date(this.clock.now())
    let failed: JobRecord | undefined
    const changed = await this.store.claimNextJob({models: capabilities, exclude: passedOver}, (job) => {
      // Failed on another replica or before a restart, and not yet known here: left alone, remembered below.
      if (this.failedByMiner(job, minerId, now.getTime())) {
        failed = job
        return {}
      }
      const move = machine.claim(job, minerId, now, this.config.leaseSeconds)
      if ('refused' in move) return {}
      const data = {job_id: job.job_id, miner_id: minerId, attempt: move.job.attempts, lease_expires_at: move.job.lease_expires_at}
      return {job: move.job, transactions: [draft('job_claimed', data, now)]}
    })
    if (!changed) return undefined
    if (failed) {
      this.rememberFailure(failed)
      return 'look again'
    }
    if (changed.job.status !== 'running' || changed.job.miner_id !== minerId) return 'look again'
    this.offers.release(changed.job.job_id)
    this.failedBy.delete(changed.job.job_id)
    this.onJobChange?.(changed.job)
    return changed.job
  }

  /** A claim whose answer cannot be delivered: the job is pending again, not counted against the miner. */
  private async unclaim(job: JobRecord): Promise<void> {
    const now = new Date(this.clock.now())
    await this.changeJob(job.job_id, now, (current) => (current.status === 'running' && current.miner_id === job.miner_id ? this.endAttempt(current, 'the claim was not delivered', 'undelivered', now) : {}), {
      settleLease: false,
    })
  }

  /** The jobs this miner's next look passes over (held by offers, job-offers.ts, or failed by it), and when the first of them opens to it. */
  private passedOver(minerId: string, principal: string): PassedOver {
    const now = this.clock.now()
    const passed = this.offers.keptFrom(now, principal)
    for (const [jobId, {miners, until}] of this.failedBy) {
      if (!miners.has(minerId) || now >= until) continue
      passed.jobIds.push(jobId)
      passed.opensAt = Math.min(passed.opensAt, until)
    }
    return passed
  }

  /**
   * Waits for a job until `deadline`, but no longer than until a job this look passed over opens to the
   * miner. Timers wake waiting miners when one opens, but one that fires while the look is still reading
   * (a busy machine) wakes nobody, and the poll slept out its whole wait beside a job it could take.
   */
  private async waitForJob(capabilities: readonly string[], deadline: number, passed: PassedOver, signal: AbortSignal | undefined, principal: string): Promise<boolean> {
    const remaining = deadline - performance.now()
    if (remaining <= 0 || this.waiters.isClosed || signal?.aborted) return false
    await this.waiters.wait(new Set(capabilities), Math.max(0, Math.min(remaining, passed.opensAt - this.clock.now())), signal, principal)
    return true
  }

  async claim(principal: Principal, jobId: string, minerId: string): Promise<JobRecord> {
    const miner = await this.ownedMiner(principal, minerId)
    const now = new Date(this.clock.now())
    const claimed = await this.changeJob(jobId, now, (job, after) => {
      if (job.status === 'pending' && !miner.capabilities.includes(job.model)) {
        throw conflict(`miner ${minerId} does not serve model ${job.model}; register it with that capability first`)
      }
      if (job.status === 'pending' && this.failedByMiner(job, minerId, now.getTime())) {
        after(() => this.rememberFailure(job))
        throw conflict(`miner ${minerId} already failed job ${jobId}; it goes to another miner`)
      }
      this.refuseCoolingDown(minerId)
      const move = machine.claim(job, minerId, now, this.config.leaseSeconds)
      if ('refused' in move) throw conflict(move.refused)
      const data = {job_id: jobId, miner_id: minerId, attempt: move.job.attempts, lease_expires_at: move.job.lease_expires_at}
      return {job: move.job, transactions: [draft('job_claimed', data, now)]}
    })
    this.offers.release(jobId)
    this.failedBy.delete(jobId)
    this.store.touchMiner(minerId, now.toISOString())
    return claimed
  }

  async complete(principal: Principal, jobId: string, result: JobResult): Promise<Receipt> {
    await this.ownedMiner(principal, result.miner_id)
    const now = new Date(this.clock.now())
    let receipt: ReceiptRecord | undefined
    await this.changeJob(jobId, now, (job) => {
      const refused = machine.checkHolder(job, result.miner_id)
      if (refused) throw conflict(refused)
      const issued = issueReceipt(
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
      const move = machine.complete(job, result.miner_id, result.result, issued.receipt_id, now)
      if ('refused' in move) throw conflict(move.refused)
      receipt = issued
      const transactions = [
        draft('job_completed', {job_id: jobId, miner_id: result.miner_id, receipt_id: issued.receipt_id, result_sha256: issued.result_sha256}, now),
        // The whole signed receipt goes on the ledger, so `explorer verify` can check every one it holds.
        draft('receipt_issued', {receipt_id: issued.receipt_id, job_id: jobId, receipt: issued}, now),
      ]
      return {job: move.job, receipt: issued, transactions, after: [() => this.forget(jobId)]}
    })
    this.store.touchMiner(result.miner_id, now.toISOString())
    return receipt!
  }

  /**
   * The running job `minerId` holds, checked as `complete` checks it (the principal's miner, the holder,
   * the lease not run out); for a miner streaming output.
   */
  async heldJob(principal: Principal, jobId: string, minerId: string): Promise<JobRecord> {
    await this.ownedMiner(principal, minerId)
    const now = new Date(this.clock.now())
    // Through changeJob so that a run-out lease is settled (and written) before the holder is checked.
    return await this.changeJob(jobId, now, (job) => {
      const refused = machine.checkHolder(job, minerId)
      if (refused) throw conflict(refused)
      return {}
    })
  }

  async fail(principal: Principal, jobId: string, failure: {miner_id: string; error: string}): Promise<JobRecord> {
    await this.ownedMiner(principal, failure.miner_id)
    const now = new Date(this.clock.now())
    const next = await this.changeJob(jobId, now, (job) => {
      const refused = machine.checkHolder(job, failure.miner_id)
      if (refused) throw conflict(refused)
      return this.endAttempt(job, failure.error, 'miner_reported', now)
    })
    this.store.touchMiner(failure.miner_id, now.toISOString())
    return next
  }

  /** Ends the attempt of every running job whose lease ran out; returns how many. */
  async expireLeases(now: Date): Promise<number> {
    const effects: Effect[] = []
    let ended = 0
    try {
      await this.store.sweepLeases(now, (job) => {
        if (!machine.leaseExpired(job, now)) return {}
        const {after = [], ...change} = this.endAttempt(job, leaseError(job, this.config), 'lease_expired', now)
        effects.push(...after, () => change.job && this.onJobChange?.(change.job))
        ended++
        return change
      })
    } finally {
      for (const effect of effects) effect()
    }
    return ended
  }

  /** Pending jobs submitted more than --pending-ttl ago end as `expired`; returns how many. */
  async expirePending(now: Date): Promise<number> {
    const createdBefore = now.getTime() - this.config.pendingTtlSeconds * 1000
    const due = (job: JobRecord) => job.status === 'pending' && Date.parse(job.created_at) <= createdBefore
    let expired = 0
    for (;;) {
      // The oldest pending job (the pending index is in submit order); usually not due, and that is all.
      const total = await this.store.countJobs({status: 'pending'})
      const [oldest] = total ? await this.store.listJobs({status: 'pending', limit: 1, offset: total - 1}) : []
      if (!oldest || !due(oldest)) break
      const next = await this.changeJob(
        oldest.job_id,
        now,
        (job) => {
          // Claimed or cancelled since it was read (perhaps on another replica): left as it is.
          if (!due(job)) return {}
          const data = {job_id: job.job_id, client: job.client, pending_ttl_seconds: this.config.pendingTtlSeconds}
          const after = [() => this.forget(job.job_id)]
          return {job: machine.expire(job, now, this.config.pendingTtlSeconds), transactions: [draft('job_expired', data, now)], after}
        },
        {settleLease: false},
      )
      if (next.status === 'expired') expired++
    }
    return expired
  }

  /**
   * A key was revoked: its polls are answered 401 now, and the jobs its miners hold go back to the queue
   * (not counted against those miners), with the offers held for them.
   */
  async revokePrincipal(name: string): Promise<void> {
    this.waiters.wakePrincipal(name)
    const minerIds = new Set((await this.store.listMiners({principal: name})).map((miner) => miner.miner_id))
    const owned = (job: JobRecord) => job.status === 'running' && job.miner_id !== undefined && minerIds.has(job.miner_id)
    // Paged from the last job of each page, not by offset: a job finishing mid-scan moved every later
    // one up a place, so one was passed over (and kept its lease till it ran out).
    const held: JobRecord[] = []
    for (let before: string | undefined; ; ) {
      const page = await this.store.listJobs({status: 'running', limit: this.revokeScanPage, offset: 0, before})
      held.push(...page.filter(owned))
      if (page.length < this.revokeScanPage) break
      before = page.at(-1)!.job_id
    }
    const now = new Date(this.clock.now())
    for (const job of held) {
      await this.changeJob(job.job_id, now, (current) => (owned(current) ? this.endAttempt(current, `the key of miner ${current.miner_id} was revoked`, 'key_revoked', now) : {}), {
        settleLease: false,
      })
    }
    for (const model of this.offers.releaseMiners(minerIds)) this.waiters.notify(model)
  }

  /**
   * Has the store change one job under its lock: `decide` gets the job as it is there, with a lease that
   * ran out already settled (a job's lease is dealt with before anyone acts on it, even between
   * sweeps). What `decide` throws is thrown after the settlement is written (nothing of the decision
   * is); `after` effects run once the write succeeded, refused or not.
   */
  private async changeJob(
    jobId: string,
    now: Date,
    decide: (job: JobRecord, after: (effect: Effect) => void) => Decision,
    options: {settleLease?: boolean} = {},
  ): Promise<JobRecord> {
    let refusal: {error: unknown} | undefined
    let effects: Effect[] = []
    const changed = await this.store.changeJob(jobId, (current) => {
      refusal = undefined
      effects = []
      const settled: Decision =
        options.settleLease !== false && machine.leaseExpired(current, now) ? this.endAttempt(current, leaseError(current, this.config), 'lease_expired', now) : {}
      effects.push(...(settled.after ?? []))
      const job = settled.job ?? current
      let decision: Decision = {}
      try {
        decision = decide(job, (effect) => effects.push(effect))
      } catch (error) {
        refusal = {error}
      }
      effects.push(...(decision.after ?? []))
      return {
        job: decision.job ?? settled.job,
        receipt: decision.receipt,
        transactions: [...(settled.transactions ?? []), ...(decision.transactions ?? [])],
      }
    })
    if (!changed) throw notFound(`job ${jobId} not found`)
    this.onJobChange?.(changed.job)
    for (const effect of effects) effect()
    if (refusal) throw refusal.error
    return changed.job
  }

  /**
   * The attempt ends: the job goes back to the queue for other miners, or fails for good once
   * --max-attempts different miners failed it; a miner is never given a job it failed, so one miner
   * cannot fail a job for good. A revoked key's attempt does not count. Waiting miners are woken by
   * the store's job_pending event (from whichever replica wrote it).
   */
  private endAttempt(job: JobRecord, error: string, reason: AttemptEnd, now: Date): Decision {
    const minerId = job.miner_id
    let failedMiners = job.failed_miners ?? []
    const after: Effect[] = []
    // A revoked key's attempt, or a claim that never reached its miner, is not the miner's failure.
    if (reason !== 'key_revoked' && reason !== 'undelivered' && minerId !== undefined) {
      failedMiners = [...new Set([...failedMiners, minerId])]
      after.push(() => this.health.recordFailure(minerId))
    }
    const outcome = machine.failAttempt({...job, failed_miners: failedMiners}, error, now, failedMiners.length >= this.config.maxAttempts)
    const data = {job_id: job.job_id, miner_id: job.miner_id, attempts: job.attempts, reason}
    after.push(outcome.requeued ? () => this.rememberFailure(outcome.job) : () => this.forget(job.job_id))
    return {job: outcome.job, transactions: [draft(outcome.requeued ? 'job_requeued' : 'job_failed', data, now)], after}
  }

  private rememberFailure(job: JobRecord): void {
    if (!job.failed_miners?.length) return
    const until = this.retryOpensAt(job)
    const known = this.failedBy.get(job.job_id)
    this.failedBy.set(job.job_id, {miners: new Set(job.failed_miners), until})
    // The miners kept from it may be waiting: wake them when they may try again.
    if (known?.until !== until) setTimeout(() => this.waiters.notifyAll(job.model), Math.max(0, until - this.clock.now())).unref()
  }

  /**
   * Whether `minerId` is kept from this job because it failed it. Only for a while: if no other miner
   * took the job within one lease period of its return to the queue, there may be none (a lone miner,
   * or its lease lost with a coordinator that died before answering the claim), and a miner that failed
   * it may try again. Failing it for good still takes --max-attempts different miners.
   */
  private failedByMiner(job: JobRecord, minerId: string, now: number): boolean {
    return job.failed_miners?.includes(minerId) === true && now < this.retryOpensAt(job)
  }

  private retryOpensAt(job: JobRecord): number {
    return Date.parse(job.requeued_at ?? job.created_at) + this.config.leaseSeconds * 1000
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

  private async refuseRevoked(principal: Principal): Promise<void> {
    if ((await this.store.getApiKey(principal.name))?.revoked_at) throw unauthorized('this API key has been revoked')
  }

  private async ownedMiner(principal: Principal, minerId: string): Promise<MinerRecord> {
    const miner = await this.store.getMiner(minerId)
    if (!miner) throw notFound(`miner ${minerId} is not registered; register it with POST /v1/miners/register first`)
    if (miner.principal !== principal.name) throw forbidden(`miner ${minerId} belongs to another principal`)
    return miner
  }
}

function leaseError(job: JobRecord, config: ServerConfig): string {
  return `lease expired: miner ${job.miner_id ?? '?'} did not finish within ${config.leaseSeconds} s`
}
