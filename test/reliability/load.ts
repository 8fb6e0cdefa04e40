// Load for the crash test, written with fetch in the test process: submitters, miners and a canceller
// that keep working while the coordinator is killed and restarted under them (on a new port each time,
// read from `target.url`). Everything the coordinator acknowledged is recorded, so the test can check
// afterwards that none of it was lost.
import {requestJson, type TestResponse} from '../helpers/server.js'
import type {JobBody, ReceiptBody} from '../server/fixtures.js'

export interface Target {
  url: string
}

export interface LoadKeys {
  clientKey: string
  minerKey: string
}

/** What the coordinator acknowledged with a 2xx. */
export interface Acknowledged {
  /** job_id of every 201 to a submit. */
  jobs: Set<string>
  /** Idempotency-Key -> the job_id its 201 named. */
  idempotent: Map<string, string>
  /** Every receipt a complete returned, by job_id. */
  completions: Map<string, ReceiptBody>
  /** job_id of every 200 to a cancel. */
  cancels: Set<string>
  /** Answers that must never come: 5xx, or an idempotent retry naming another job. */
  unexpected: string[]
  /** Claims a miner walked away from (it "died" mid-job). */
  abandoned: number
  /** Completes that failed in transit and were sent again after a restart. */
  redelivered: number
  /**
   * Claims answered 200 whose complete was then refused 409: the lease was lost (with a crash before the
   * claim reached the disk, or by running out). The lease they name must never come back.
   */
  lostLeases: Array<{jobId: string; minerId: string; startedAt: string}>
}

/** A small seeded generator (mulberry32), so a failing run can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** The longest a worker waits for a restart before it asks the same URL again (a timeout on a live server). */
const RETRY_AFTER_MS = 1000

export class Load {
  readonly acks: Acknowledged = {
    jobs: new Set(), idempotent: new Map(), completions: new Map(), cancels: new Set(), unexpected: [], abandoned: 0, redelivered: 0, lostLeases: [],
  }

  private running = false
  private workers: Promise<void>[] = []

  constructor(
    private readonly target: Target,
    private readonly keys: LoadKeys,
    private readonly random: () => number,
    private readonly shape = {submitters: 3, miners: 3, abandonRate: 0.1},
  ) {}

  start(): void {
    this.running = true
    for (let i = 0; i < this.shape.submitters; i++) this.workers.push(this.submitter(i))
    for (let i = 0; i < this.shape.miners; i++) this.workers.push(this.miner(`rig-${i}`))
    this.workers.push(this.canceller())
  }

  async stop(): Promise<void> {
    this.running = false
    await Promise.all(this.workers)
  }

  /** One request; undefined when it got no answer (refused, reset, timed out): its outcome is unknown. */
  private async call<T>(pathname: string, key: string, method: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse<T> | undefined> {
    const url = this.target.url
    try {
      const res = await requestJson<T>(url, pathname, {key, method, body, headers, signal: AbortSignal.timeout(5000)})
      if (res.status >= 500) this.acks.unexpected.push(`${method} ${pathname}: ${res.status} ${JSON.stringify(res.body)}`)
      return res
    } catch {
      await this.restarted(url)
      return undefined
    }
  }

  /**
   * After a request got no answer: until the coordinator answers on a new URL (the test restarted it), at
   * most RETRY_AFTER_MS. Its old port refuses at once; asking it again every few milliseconds until the
   * restart was three requests in four of the load, and most of its CPU.
   */
  private async restarted(url: string): Promise<void> {
    const deadline = Date.now() + RETRY_AFTER_MS
    await sleep(20)
    while (this.running && this.target.url === url && Date.now() < deadline) await sleep(20)
  }

  private async submitter(index: number): Promise<void> {
    for (let n = 0; this.running; n++) {
      // Every third submit carries an Idempotency-Key and is retried until it is answered.
      const idempotencyKey = n % 3 === 0 ? `s${index}-${n}` : undefined
      const headers = idempotencyKey ? {'Idempotency-Key': idempotencyKey} : undefined
      for (let attempt = 0; this.running && attempt < 100; attempt++) {
        const res = await this.call<JobBody>('/v1/jobs', this.keys.clientKey, 'POST', {prompt: `prompt s${index}-${n}`}, headers)
        if (res?.status === 201) {
          this.acks.jobs.add(res.body.job_id)
          if (idempotencyKey) this.recordIdempotent(idempotencyKey, res.body.job_id)
          break
        }
        if (!idempotencyKey) break
      }
      await sleep(this.random() * 15)
    }
  }

  private recordIdempotent(key: string, jobId: string): void {
    const earlier = this.acks.idempotent.get(key)
    if (earlier && earlier !== jobId) this.acks.unexpected.push(`Idempotency-Key ${key} answered with ${earlier} and then ${jobId}`)
    this.acks.idempotent.set(key, jobId)
  }

  private async miner(minerId: string): Promise<void> {
    const key = this.keys.minerKey
    let registered = false
    /** A result whose complete got no answer: sent again, as the real miner does with undelivered results. */
    let undelivered: {jobId: string; result: string} | undefined
    while (this.running) {
      if (!registered) {
        registered = (await this.call('/v1/miners/register', key, 'POST', {miner_id: minerId, capabilities: ['llama3.2']}))?.status === 201
        continue
      }
      if (undelivered) {
        const res = await this.complete(minerId, undelivered.jobId, undelivered.result)
        if (res) {
          this.acks.redelivered++
          undelivered = undefined
        }
        continue
      }
      const available = await this.call<JobBody | null>(`/v1/jobs/available?miner_id=${minerId}`, key, 'GET')
      if (available?.status === 404) registered = false
      if (available?.status !== 200 || !available.body) {
        await sleep(10)
        continue
      }
      const jobId = available.body.job_id
      const claim = await this.call<JobBody>(`/v1/jobs/${jobId}/claim`, key, 'POST', {miner_id: minerId})
      if (claim?.status !== 200) continue
      if (this.random() < this.shape.abandonRate) {
        this.acks.abandoned++
        continue
      }
      const result = `result of ${jobId} by ${minerId}`
      const answered = await this.complete(minerId, jobId, result)
      if (!answered) undelivered = {jobId, result}
      else if (answered === 409) this.acks.lostLeases.push({jobId, minerId, startedAt: String(claim.body.started_at)})
    }
  }

  /** Sends a result; false when no answer came, else the answer's status. */
  private async complete(minerId: string, jobId: string, result: string): Promise<false | number> {
    const res = await this.call<ReceiptBody>(`/v1/jobs/${jobId}/complete`, this.keys.minerKey, 'POST', {miner_id: minerId, result})
    if (!res) return false
    if (res.status === 200) {
      const earlier = this.acks.completions.get(jobId)
      if (earlier) this.acks.unexpected.push(`job ${jobId} completed twice: receipts ${earlier.receipt_id} and ${res.body.receipt_id}`)
      this.acks.completions.set(jobId, res.body)
    }
    return res.status
  }

  private async canceller(): Promise<void> {
    while (this.running) {
      await sleep(30 + this.random() * 60)
      const jobs = [...this.acks.jobs]
      if (jobs.length === 0) continue
      const jobId = jobs[Math.floor(this.random() * jobs.length)]
      const res = await this.call(`/v1/jobs/${jobId}/cancel`, this.keys.clientKey, 'POST')
      if (res?.status === 200) this.acks.cancels.add(jobId)
    }
  }
}
