// The full job lifecycle as load: clients submit a job; miners long-poll for one and complete it (the
// coordinator signs the receipt), taking it as `aitbc miner run` does (claim-next: the job comes claimed)
// or by the seed routes (available, then claim); the client then reads its finished job once and submits the
// next. Clients hear that their job completed from the miners in this same process rather than by
// polling on a timer: a timer would measure the poll interval, not the coordinator, and every request
// a real client makes for a finished job (one GET) is still made. Runs for a fixed time (or a fixed
// number of jobs per client); clients then finish the job they have out, within a grace period.
import type {InitResult} from '../../src/server/data-dir.js'
import {LeanConnection} from './lean-http.js'

export interface LifecycleLoad {
  clients: number
  miners: number
  seconds: number
  /** Each client runs this many jobs instead of running for `seconds` (`--quick`: some jobs, however busy the machine). */
  jobsPerClient?: number
  /** How miners take jobs: one claim-next long poll (the default, as `aitbc miner run`), or available then claim. */
  minerPath?: MinerPath
}

export type MinerPath = 'claim-next' | 'available+claim'

export interface LifecycleResult {
  /** Jobs completed (as their clients saw them) per second. */
  jobsPerSec: number
  jobs: number
  /** Median milliseconds from submit until the client read the job completed. */
  p50Ms: number
}

const MODEL = 'bench-lifecycle'
const GRACE_MS = 10_000
/** A bound on the work a run may do, whatever the speed of the machine. */
const MAX_JOBS = 1_000_000

/** How a load is sized, for the figure's name. */
export function describeLifecycleLoad({clients, miners, seconds, jobsPerClient}: LifecycleLoad): string {
  return `${clients} clients, ${miners} miners, ${jobsPerClient === undefined ? `${seconds} s` : `${jobsPerClient} jobs each`}`
}

/** With several URLs (replicas of one coordinator), clients and miners are spread over them in turn. */
export async function lifecycleLoad(urls: string | readonly string[], keys: Pick<InitResult, 'client_key' | 'miner_key'>, load: LifecycleLoad): Promise<LifecycleResult> {
  const spread = typeof urls === 'string' ? [urls] : urls
  const stopMiners = new AbortController()
  const signal = stopMiners.signal
  const minerIds = Array.from({length: load.miners}, (_, i) => `bench-miner-${i + 1}`)
  const connections: LeanConnection[] = []
  const open = async (i: number, key: string) => {
    const connection = await LeanConnection.open(spread[i % spread.length], {'x-api-key': key})
    connections.push(connection)
    return connection
  }
  try {
    const clientConnections = await Promise.all(Array.from({length: load.clients}, (_, n) => open(n, keys.client_key)))
    const minerConnections = await Promise.all(minerIds.map((_, i) => open(i, keys.miner_key)))
    for (const [i, minerId] of minerIds.entries()) {
      await call(minerConnections[i], 'POST', '/v1/miners/register', JSON.stringify({miner_id: minerId, capabilities: [MODEL]}), 201)
    }
    // A miner's connection closes when the run ends: its long poll ends with it.
    signal.addEventListener('abort', () => minerConnections.forEach((connection) => connection.close()), {once: true})

    const started = performance.now()
    const deadline = started + load.seconds * 1000
    const latencies: number[] = []
    const completions = new Completions()
    const client = async (n: number) => {
      const connection = clientConnections[n]
      const more = (i: number) => (load.jobsPerClient === undefined ? performance.now() < deadline : i < load.jobsPerClient)
      for (let i = 0; more(i) && latencies.length < MAX_JOBS; i++) {
        const submitted = performance.now()
        const body = JSON.stringify({prompt: `Lifecycle job ${n}.${i}.`, model: MODEL, params: {max_tokens: 32}})
        const job = (await call(connection, 'POST', '/v1/jobs', body, 201))!
        if (typeof job.job_id !== 'string' || job.status !== 'pending') throw new Error(`POST /v1/jobs answered a job that is not a new pending one: ${JSON.stringify(job)}`)
        const result = await completions.of(job.job_id, Math.max(deadline, submitted) + GRACE_MS - performance.now())
        const seen = (await call(connection, 'GET', `/v1/jobs/${job.job_id}`, undefined, 200))!
        if (seen.status !== 'completed' || seen.result !== result) throw new Error(`job ${job.job_id} is ${seen.status} with result ${JSON.stringify(seen.result)} after its miner completed it`)
        latencies.push(performance.now() - submitted)
      }
    }
    const miner = async (minerId: string, i: number) => {
      const connection = minerConnections[i]
      const claimNext = JSON.stringify({miner_id: minerId, wait: 1})
      const claim = JSON.stringify({miner_id: minerId})
      const take = async (): Promise<Json | null> => {
        if (load.minerPath !== 'available+claim') return call(connection, 'POST', '/v1/miners/claim-next', claimNext, 200).catch(stopped)
        const job = await call(connection, 'GET', `/v1/jobs/available?miner_id=${minerId}&wait=1`, undefined, 200).catch(stopped)
        // Another miner may have claimed it first: 409, look again.
        return job && call(connection, 'POST', `/v1/jobs/${job.job_id}/claim`, claim, 200, [409]).catch(stopped)
      }
      while (!signal.aborted) {
        const job = await take()
        if (!job) continue
        if (job.status !== 'running' || job.miner_id !== minerId) throw new Error(`${minerId} was handed a job it does not hold: ${JSON.stringify(job)}`)
        const result = `Done: ${job.prompt}`
        const receipt = await call(connection, 'POST', `/v1/jobs/${job.job_id}/complete`, JSON.stringify({miner_id: minerId, result, units: 8}), 200).catch(stopped)
        if (!receipt) continue
        if (receipt.job_id !== job.job_id || typeof receipt.receipt_id !== 'string' || typeof receipt.signature !== 'object') {
          throw new Error(`completing ${job.job_id} answered no receipt of it: ${JSON.stringify(receipt)}`)
        }
        completions.done(job.job_id, result)
      }
    }
    // A miner that fails (a wrong answer) fails the run at once, not when its clients time out.
    const miners = minerIds.map((minerId, i) => miner(minerId, i).catch((error: Error) => completions.fail(error)))
    try {
      await Promise.all(Array.from({length: load.clients}, (_, n) => client(n)))
    } finally {
      stopMiners.abort()
      await Promise.allSettled(miners)
    }
    const elapsed = (performance.now() - started) / 1000
    const sorted = [...latencies].sort((a, b) => a - b)
    return {jobsPerSec: latencies.length / elapsed, jobs: latencies.length, p50Ms: sorted[sorted.length >> 1] ?? Number.NaN}
  } finally {
    for (const connection of connections) connection.close()
  }
}

type Json = Record<string, unknown> & {job_id: string; status: string; prompt: string}

/** One JSON request; any status other than `expected` throws, except `tolerated` ones, which give null. */
async function call(connection: LeanConnection, method: 'GET' | 'POST', pathname: string, body: string | undefined, expected: number, tolerated: number[] = []): Promise<Json | null> {
  const answer = await connection.request(method, pathname, body)
  if (tolerated.includes(answer.status)) return null
  if (answer.status !== expected) throw new Error(`${method} ${pathname} answered ${answer.status}: ${answer.text}`)
  return JSON.parse(answer.text) as Json | null
}

/** Aborted by the end of the run: the miner stops. */
function stopped(error: unknown): null {
  if ((error as Error).name === 'AbortError') return null
  throw error
}

/** Jobs completed by the miners, told to the clients that wait for them. */
class Completions {
  private readonly waiting = new Map<string, (result: string | Error) => void>()
  private readonly early = new Map<string, string>()
  private failure: Error | undefined

  done(jobId: string, result: string): void {
    const wake = this.waiting.get(jobId)
    if (wake) wake(result)
    else this.early.set(jobId, result)
  }

  /** Every client waiting, and every later one, gets `error`. */
  fail(error: Error): void {
    this.failure ??= error
    for (const wake of this.waiting.values()) wake(error)
  }

  /** The result the job's miner completed it with. */
  of(jobId: string, withinMs: number): Promise<string> {
    if (this.failure) return Promise.reject(this.failure)
    const early = this.early.get(jobId)
    if (early !== undefined) {
      this.early.delete(jobId)
      return Promise.resolve(early)
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`job ${jobId} was not completed in time`)), withinMs)
      this.waiting.set(jobId, (result) => {
        clearTimeout(timer)
        this.waiting.delete(jobId)
        if (result instanceof Error) reject(result)
        else resolve(result)
      })
    })
  }
}
