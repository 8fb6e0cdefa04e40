// The miner's work loop: register, heartbeat, long-poll for jobs (claim-next: the job comes claimed;
// available + claim on an older coordinator), run on the backend, deliver.
// It never crashes on a coordinator or backend outage (it backs off with jitter and carries on), and a
// finished result is kept until the coordinator acknowledges it. Only a refused key stops it.
import type {Job} from '../client/client.js'
import {ApiError} from '../client/errors.js'
import {type Backoff, DEFAULT_BACKOFF, pause} from './backoff.js'
import {BackendError, type InferenceBackend} from './backends/backend.js'
import {withDeadline} from './deadline.js'
import {MinerError, minerUsageError} from './errors.js'
import {OutputBatcher, type StreamSettings} from './output-batcher.js'
import {type CoordinatorLink, isAuthFailure, isTransient, type MinerRegistration} from './coordinator-link.js'
import type {GpuInfo} from './gpu-info.js'
import type {JobReport, RegistrationReport, SummaryReport} from './reports.js'
import {type Outcome, ResultCourier} from './result-courier.js'
import type {Delivery, UndeliveredResults} from './undelivered-results.js'

export type MinerEvent =
  | ({type: 'registered'} & RegistrationReport)
  | ({type: 'job'} & JobReport)
  | {type: 'warning'; message: string}
  | {type: 'notice'; message: string}

export interface MinerOptions {
  minerId: string
  link: CoordinatorLink
  backend: InferenceBackend
  /** The models to serve; by default the ones the backend lists (refreshed at each heartbeat). */
  models?: string[]
  gpu?: GpuInfo
  concurrency: number
  /** One pass: take the jobs waiting now (up to `concurrency`), finish them, stop. */
  once?: boolean
  /** Stop after taking this many jobs. */
  maxJobs?: number
  /** The most a job may run on the backend; a job never runs past its lease either. */
  jobTimeoutMs?: number
  undelivered: UndeliveredResults
  onEvent: (event: MinerEvent) => void
  pollWaitSeconds?: number
  /** Gives up (exit 6) once the coordinator has not answered for this long; absent: retries for ever. */
  unreachableTimeoutMs?: number
  /** Re-registration period; by default a third of the job lease, at most DEFAULT_HEARTBEAT_MS. */
  heartbeatMs?: number
  backoff?: Backoff
  /** Stream each job's output to the coordinator as it is generated, batched so; false: only the result. */
  stream?: StreamSettings | false
}

export interface MinerSummary extends SummaryReport {
  /** Where results not acknowledged by the coordinator are kept for the next start. */
  undelivered_file?: string
  /** True when a second signal abandoned running jobs. */
  abandoned: boolean
}

export const DEFAULT_POLL_WAIT_SECONDS = 25
export const DEFAULT_HEARTBEAT_MS = 15_000
/** For a job that comes without a lease (the coordinator always sends one). */
export const DEFAULT_JOB_TIMEOUT_MS = 600_000
/** Time kept at the end of a lease to deliver the outcome before the coordinator requeues the job. */
const LEASE_MARGIN_MS = 5000
/** The coordinator's limits on capabilities (openapi MinerRegistration). */
const MAX_CAPABILITIES = 256
const MAX_MODEL_NAME_LENGTH = 128

export class MinerWorker {
  /** Aborted when no more jobs are to be taken: first signal, a fatal error, or the end of a bounded run. */
  private readonly stopping = new AbortController()
  /** Aborted by a signal (or a fatal error), not by a bounded run ending by itself. */
  private readonly stopRequested = new AbortController()
  /** Aborted when running jobs are abandoned: second signal or a fatal error. */
  private readonly abandoning = new AbortController()
  private readonly running = new Map<string, Promise<void>>()
  private readonly backoff: Backoff
  private readonly courier: ResultCourier
  private wake?: () => void
  private capabilities: string[] = []
  private registeredOnce = false
  private leaseMs?: number
  private heartbeatTimer?: NodeJS.Timeout
  private fatal?: unknown
  private coordinatorDown = false
  private unreachableTimer?: NodeJS.Timeout
  private backendDown = false
  private readonly counts = {jobs: 0, completed: 0, failed: 0, dropped: 0}

  constructor(private readonly options: MinerOptions) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF
    this.courier = new ResultCourier(
      options.link,
      options.undelivered,
      options.minerId,
      this.backoff,
      {
        report: (delivery, outcome) => this.report(delivery, outcome),
        coordinatorTrouble: (error) => this.coordinatorTrouble(error),
        coordinatorAnswers: () => this.coordinatorAnswers(),
        keyRefused: (error) => this.halt(error),
        warn: (message) => this.warn(message),
      },
      this.abandoning.signal,
    )
  }

  /** First signal: take no more jobs, finish the running ones. */
  stop(): void {
    this.stopRequested.abort()
    this.stopping.abort()
    this.wake?.()
  }

  /** Second signal: also stop the running jobs and report them failed, so they go back to the queue. */
  abandon(): void {
    this.stop()
    this.abandoning.abort()
  }

  async run(): Promise<MinerSummary> {
    try {
      this.capabilities = await this.resolveCapabilities()
      if (await this.registerUntilAccepted()) {
        this.scheduleHeartbeat()
        await this.courier.deliverKept()
        if (this.options.undelivered.size > 0) this.courier.ensureRetrying()
        await this.takeJobs()
      }
    } catch (error) {
      this.halt(error)
    }
    await Promise.all(this.running.values())
    clearTimeout(this.heartbeatTimer)
    clearTimeout(this.unreachableTimer)
    await this.courier.finish(this.stopRequested.signal)
    if (this.fatal) throw this.fatal
    return {
      miner_id: this.options.minerId,
      ...this.counts,
      undelivered: this.options.undelivered.size,
      undelivered_file: this.options.undelivered.size > 0 ? this.options.undelivered.file : undefined,
      abandoned: this.abandoning.signal.aborted,
    }
  }

  // --- taking jobs -------------------------------------------------------------------------------

  private async takeJobs(): Promise<void> {
    const {concurrency, once, maxJobs} = this.options
    const limit = Math.min(maxJobs ?? Infinity, once ? concurrency : Infinity)
    const wait = once ? 0 : (this.options.pollWaitSeconds ?? DEFAULT_POLL_WAIT_SECONDS)
    let failures = 0
    let lost: string | undefined
    while (!this.stopping.signal.aborted && this.counts.jobs < limit) {
      while (this.running.size >= concurrency && !this.stopping.signal.aborted) await new Promise<void>((resolve) => (this.wake = resolve))
      await this.waitForBackend()
      if (this.stopping.signal.aborted) break
      let job: Job | null
      let claimedAlready: boolean
      try {
        ;({job, claimed: claimedAlready} = await this.options.link.takeJob(this.options.minerId, wait, this.stopping.signal))
        this.coordinatorAnswers()
        failures = 0
      } catch (error) {
        if (this.stopping.signal.aborted) break
        if (error instanceof ApiError && error.status === 404) {
          // The coordinator does not know this miner (any more): register again.
          await this.registerUntilAccepted()
        } else if (isTransient(error)) {
          this.coordinatorTrouble(error)
        } else throw error
        await this.pause(failures++, this.stopping.signal)
        continue
      }
      if (!job) {
        if (once) break
        continue
      }
      const claimed = claimedAlready ? job : await this.claim(job)
      if (!claimed) {
        // Another miner was faster; the same job offered and lost again means something is off: slow down.
        if (lost === job.job_id) await this.pause(failures++, this.stopping.signal)
        lost = job.job_id
        continue
      }
      lost = undefined
      // Offered again while this miner still holds it (a coordinator crash lost the claim; the result
      // is being delivered or waits to be): that delivery completes it, running it again would only
      // redo the work and report it twice.
      if (this.running.has(claimed.job_id) || this.options.undelivered.has(claimed.job_id)) continue
      this.counts.jobs++
      this.leaseMs = leaseOf(claimed) ?? this.leaseMs
      const done = this.runJob(claimed).finally(() => {
        this.running.delete(claimed.job_id)
        this.wake?.()
      })
      this.running.set(claimed.job_id, done)
    }
    this.stopping.abort()
  }

  /** The claimed job, or undefined when another miner got it first (or it was cancelled meanwhile). */
  private async claim(job: Job): Promise<Job | undefined> {
    try {
      const claimed = await this.options.link.claim(job.job_id, this.options.minerId)
      this.coordinatorAnswers()
      return claimed
    } catch (error) {
      if (error instanceof ApiError && (error.status === 409 || error.status === 404)) return undefined
      if (!isTransient(error)) throw error
      this.coordinatorTrouble(error)
      return this.confirmClaim(job.job_id)
    }
  }

  /** The claim may have gone through without its answer reaching us: ask when the coordinator answers again. */
  private async confirmClaim(jobId: string): Promise<Job | undefined> {
    for (let attempt = 0; !this.abandoning.signal.aborted; attempt++) {
      await this.pause(attempt, this.abandoning.signal)
      try {
        const job = await this.options.link.job(jobId)
        this.coordinatorAnswers()
        return job.status === 'running' && job.miner_id === this.options.minerId ? job : undefined
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return undefined
        if (!isTransient(error)) throw error
        this.coordinatorTrouble(error)
      }
    }
    return undefined
  }

  private async runJob(job: Job): Promise<void> {
    const started = performance.now()
    const budget = this.timeBudget(job)
    // Plain timers, not AbortSignal.timeout/any: on Node 20 a combined signal can stop firing after GC.
    const deadline = withDeadline(this.abandoning.signal, budget.ms)
    const base = {job_id: job.job_id, miner_id: this.options.minerId, model: job.model}
    const settings = this.options.stream
    const batcher = settings ? new OutputBatcher((offset, text) => this.options.link.appendOutput(job.job_id, this.options.minerId, offset, text), settings) : undefined
    let delivery: Delivery
    try {
      const generation = await this.options.backend.generate(
        {jobId: job.job_id, model: job.model, prompt: job.prompt, messages: job.messages, params: job.params, onText: batcher && ((text) => batcher.push(text))},
        deadline.signal,
      )
      this.backendAnswers()
      delivery = {...base, seconds: elapsed(started), kind: 'complete', result: generation.text, units: generation.units}
    } catch (error) {
      delivery = {...base, seconds: elapsed(started), kind: 'fail', error: this.failureMessage(error, deadline.timedOut(), budget)}
    } finally {
      deadline.clear()
    }
    await batcher?.finish()
    await this.courier.deliver(delivery)
  }

  /** The job timeout, cut short so that the outcome reaches the coordinator before the lease ends. */
  private timeBudget(job: Job): {ms: number; byLease: boolean} {
    const lease = leaseOf(job)
    const byLease = lease === undefined ? Infinity : Math.max(1000, lease - Math.min(LEASE_MARGIN_MS, lease / 10))
    const chosen = this.options.jobTimeoutMs ?? (lease === undefined ? DEFAULT_JOB_TIMEOUT_MS : Infinity)
    return byLease < chosen ? {ms: byLease, byLease: true} : {ms: chosen, byLease: false}
  }

  private failureMessage(error: unknown, timedOut: boolean, budget: {ms: number; byLease: boolean}): string {
    if (this.abandoning.signal.aborted) return 'the miner was stopped before the job finished'
    if (timedOut) return `the backend did not finish within ${budget.ms / 1000} s${budget.byLease ? ", the job's lease" : ''}`
    if (error instanceof BackendError) {
      if (error.kind === 'unavailable') this.backendTrouble(error)
      return error.message
    }
    return `the miner could not run the job: ${(error as Error)?.message ?? String(error)}`
  }

  private report(delivery: Delivery, outcome: Outcome): void {
    this.counts[outcome.outcome]++
    this.options.onEvent({type: 'job', job_id: delivery.job_id, model: delivery.model, seconds: delivery.seconds, ...outcome})
  }

  // --- registration and heartbeat ----------------------------------------------------------------

  private async resolveCapabilities(): Promise<string[]> {
    const {backend, models} = this.options
    if (models?.length) {
      await this.checkBackendAtStart()
      return capabilityList(models)
    }
    for (let attempt = 0; !this.stopping.signal.aborted; attempt++) {
      try {
        const listed = await backend.listModels(this.stopping.signal)
        this.backendAnswers()
        if (!listed) throw minerUsageError(`The ${backend.kind} backend cannot list its models.`, 'Pass --model NAME (repeatable).')
        if (listed.length === 0) {
          throw new MinerError(`The ${backend.kind} backend at ${backend.target} serves no model yet.`, 'setup', 'Load or pull one there (for Ollama: `ollama pull llama3.2`), or pass --model NAME.')
        }
        return capabilityList(listed)
      } catch (error) {
        if (this.stopping.signal.aborted) break
        if (!(error instanceof BackendError)) throw error
        this.backendTrouble(error)
        await this.pause(attempt, this.stopping.signal)
      }
    }
    return []
  }

  /** A backend that can never work as set up stops the miner before it claims (and fails) any job. */
  private async checkBackendAtStart(): Promise<void> {
    try {
      await this.options.backend.check(this.stopping.signal)
    } catch (error) {
      if (this.stopping.signal.aborted || !(error instanceof BackendError)) throw error
      if (error.kind === 'misconfigured') {
        throw minerUsageError(`Cannot use the ${this.options.backend.kind} backend: ${error.message}.`, 'Fix --command (`aitbc miner doctor` runs a test prompt through it).')
      }
      this.backendTrouble(error)
    }
  }

  private registration(): MinerRegistration {
    const gpu = this.options.gpu
    return {miner_id: this.options.minerId, capabilities: this.capabilities, ...(gpu ? {gpu_info: gpu} : {})}
  }

  /** Registers, retrying while the coordinator is down; false when stopped first. */
  private async registerUntilAccepted(): Promise<boolean> {
    for (let attempt = 0; !this.stopping.signal.aborted; attempt++) {
      try {
        await this.options.link.register(this.registration(), this.stopping.signal)
        this.coordinatorAnswers()
        if (!this.registeredOnce) {
          this.registeredOnce = true
          this.options.onEvent({type: 'registered', miner_id: this.options.minerId, capabilities: this.capabilities, gpu_info: this.options.gpu})
        }
        return true
      } catch (error) {
        if (this.stopping.signal.aborted) break
        if (!isTransient(error)) throw error
        this.coordinatorTrouble(error)
        await this.pause(attempt, this.stopping.signal)
      }
    }
    return false
  }

  /** Re-registers well inside the lease; also picks up models loaded into the backend meanwhile. */
  private scheduleHeartbeat(): void {
    const period = this.options.heartbeatMs ?? Math.min(DEFAULT_HEARTBEAT_MS, (this.leaseMs ?? Infinity) / 3)
    this.heartbeatTimer = setTimeout(async () => {
      if (this.stopping.signal.aborted) return
      if (!this.options.models?.length) {
        const listed = await this.options.backend.listModels(this.stopping.signal).catch(() => undefined)
        if (listed?.length) this.capabilities = capabilityList(listed)
      }
      try {
        await this.options.link.register(this.registration(), this.stopping.signal)
        this.coordinatorAnswers()
      } catch (error) {
        if (isAuthFailure(error)) return this.halt(error)
        if (!this.stopping.signal.aborted) this.coordinatorTrouble(error)
      }
      if (!this.stopping.signal.aborted) this.scheduleHeartbeat()
    }, period)
  }

  // --- backend and coordinator health ------------------------------------------------------------

  private async waitForBackend(): Promise<void> {
    for (let attempt = 0; this.backendDown && !this.stopping.signal.aborted; attempt++) {
      await this.pause(attempt, this.stopping.signal)
      try {
        await this.options.backend.check(this.stopping.signal)
        this.backendAnswers()
      } catch (error) {
        if (error instanceof BackendError) this.backendTrouble(error)
      }
    }
  }

  private backendTrouble(error: BackendError): void {
    if (this.backendDown) return
    this.backendDown = true
    this.warn(`${error.message}; taking no jobs until it answers (retrying with backoff)`)
  }

  private backendAnswers(): void {
    if (!this.backendDown) return
    this.backendDown = false
    this.options.onEvent({type: 'notice', message: `the ${this.options.backend.kind} backend answers again`})
  }

  /** One line when the coordinator goes away (a restart is quiet), and a bounded wait when asked for. */
  private coordinatorTrouble(error: unknown): void {
    if (this.coordinatorDown) return
    this.coordinatorDown = true
    const reason = error instanceof ApiError ? `the coordinator answered ${error.status}: ${error.detail}` : (error as Error).message
    this.warn(`${reason}; retrying with backoff`)
    const limit = this.options.unreachableTimeoutMs
    if (limit === undefined) return
    this.unreachableTimer = setTimeout(() => {
      this.halt(
        new MinerError(
          `${reason}; gave up after ${limit / 1000} s without an answer (--unreachable-timeout)`,
          'unreachable',
          'Is the coordinator running (`aitbc serve`)? Check --url, AITBC_URL or the profile.',
        ),
      )
    }, limit)
  }

  private coordinatorAnswers(): void {
    if (!this.coordinatorDown) return
    this.coordinatorDown = false
    clearTimeout(this.unreachableTimer)
    this.options.onEvent({type: 'notice', message: 'the coordinator answers again'})
  }

  /** A refused key (or another failure retrying cannot fix): stop everything and report it. */
  private halt(error: unknown): void {
    this.fatal ??= error
    this.abandon()
  }

  private warn(message: string): void {
    this.options.onEvent({type: 'warning', message})
  }

  private pause(attempt: number, signal: AbortSignal): Promise<void> {
    return pause(attempt, this.backoff, signal)
  }
}

/** How long the coordinator gave this claim, measured on its own clock. */
function leaseOf(job: Job): number | undefined {
  if (!job.lease_expires_at || !job.started_at) return undefined
  const lease = Date.parse(job.lease_expires_at) - Date.parse(job.started_at)
  return Number.isFinite(lease) && lease > 0 ? lease : undefined
}

function elapsed(startedMs: number): number {
  return Math.round(performance.now() - startedMs) / 1000
}

/** Model names the coordinator accepts as capabilities, once each. */
function capabilityList(models: string[]): string[] {
  return [...new Set(models)].filter((name) => name.length > 0 && name.length <= MAX_MODEL_NAME_LENGTH).slice(0, MAX_CAPABILITIES)
}
