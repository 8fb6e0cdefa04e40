// The full job lifecycle as load: clients submit a job; miners long-poll for one and complete it (the
// coordinator signs the receipt), taking it as `aitbc miner run` does (claim-next: the job comes claimed)
// or by the seed routes (available, then claim); the client then reads its finished job once and submits the
// next. Clients hear that their job completed from the miners in this same process rather than by
// polling on a timer: a timer would measure the poll interval, not the coordinator, and every request
// a real client makes for a finished job (one GET) is still made. Runs for a fixed time; clients then
// finish the job they have out, within a grace period.
import {Agent, request} from 'node:http'

import type {InitResult} from '../../src/server/data-dir.js'

export interface LifecycleLoad {
  clients: number
  miners: number
  seconds: number
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

/** With several URLs (replicas of one coordinator), clients and miners are spread over them in turn. */
export async function lifecycleLoad(urls: string | readonly string[], keys: Pick<InitResult, 'client_key' | 'miner_key'>, load: LifecycleLoad): Promise<LifecycleResult> {
  const spread = typeof urls === 'string' ? [urls] : urls
  const stopMiners = new AbortController()
  const signal = stopMiners.signal
  const minerIds = Array.from({length: load.miners}, (_, i) => `bench-miner-${i + 1}`)
  for (const [i, minerId] of minerIds.entries()) await call(spread[i % spread.length], keys.miner_key, 'POST', '/v1/miners/register', {miner_id: minerId, capabilities: [MODEL]}, 201)

  const started = performance.now()
  const deadline = started + load.seconds * 1000
  const latencies: number[] = []
  const completions = new Completions()
  const client = async (n: number) => {
    const url = spread[n % spread.length]
    for (let i = 0; performance.now() < deadline && latencies.length < MAX_JOBS; i++) {
      const submitted = performance.now()
      const job = (await call(url, keys.client_key, 'POST', '/v1/jobs', {prompt: `Lifecycle job ${n}.${i}`, model: MODEL, params: {max_tokens: 32}}, 201))!
      await completions.of(job.job_id, deadline + GRACE_MS - performance.now())
      const seen = (await call(url, keys.client_key, 'GET', `/v1/jobs/${job.job_id}`, undefined, 200))!
      if (seen.status !== 'completed') throw new Error(`job ${job.job_id} is ${seen.status} after its miner completed it`)
      latencies.push(performance.now() - submitted)
    }
  }
  const miner = async (minerId: string, i: number) => {
    const url = spread[i % spread.length]
    const key = keys.miner_key
    const take = async (): Promise<Json | null> => {
      if (load.minerPath !== 'available+claim') return call(url, key, 'POST', '/v1/miners/claim-next', {miner_id: minerId, wait: 1}, 200, {signal}).catch(stopped)
      const job = await call(url, key, 'GET', `/v1/jobs/available?miner_id=${minerId}&wait=1`, undefined, 200, {signal}).catch(stopped)
      // Another miner may have claimed it first: 409, look again.
      return job && call(url, key, 'POST', `/v1/jobs/${job.job_id}/claim`, {miner_id: minerId}, 200, {signal, tolerated: [409]}).catch(stopped)
    }
    while (!signal.aborted) {
      const job = await take()
      if (!job) continue
      const result = {miner_id: minerId, result: `Done: ${job.prompt}`, units: 8}
      if (await call(url, key, 'POST', `/v1/jobs/${job.job_id}/complete`, result, 200, {signal}).catch(stopped)) completions.done(job.job_id)
    }
  }
  const miners = minerIds.map(miner)
  try {
    await Promise.all(Array.from({length: load.clients}, (_, n) => client(n)))
  } finally {
    stopMiners.abort()
    await Promise.allSettled(miners)
  }
  const elapsed = (performance.now() - started) / 1000
  const sorted = [...latencies].sort((a, b) => a - b)
  return {jobsPerSec: latencies.length / elapsed, jobs: latencies.length, p50Ms: sorted[sorted.length >> 1] ?? Number.NaN}
}

type Json = Record<string, unknown> & {job_id: string; status: string; prompt: string}

interface CallOptions {
  /** Statuses that give null instead of an error. */
  tolerated?: number[]
  signal?: AbortSignal
}

// node:http with kept-alive connections: fetch costs several times more CPU per request, and this
// process must not be what limits the run.
const agent = new Agent({keepAlive: true})

/** One JSON request; any status other than `expected` throws, except tolerated ones. */
function call(url: string, key: string, method: 'GET' | 'POST', pathname: string, body: unknown, expected: number, options: CallOptions = {}): Promise<Json | null> {
  const payload = body === undefined ? undefined : JSON.stringify(body)
  const headers: Record<string, string | number> = {'x-api-key': key}
  if (payload !== undefined) Object.assign(headers, {'content-type': 'application/json', 'content-length': Buffer.byteLength(payload)})
  return new Promise((resolve, reject) => {
    const req = request(url + pathname, {method, headers, agent, signal: options.signal}, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
      res.on('error', reject)
      res.on('end', () => {
        if (options.tolerated?.includes(res.statusCode!)) return resolve(null)
        if (res.statusCode !== expected) return reject(new Error(`${method} ${pathname} answered ${res.statusCode}: ${text}`))
        resolve(JSON.parse(text) as Json | null)
      })
    })
    req.on('error', reject)
    req.end(payload)
  })
}

/** Aborted by the end of the run: the miner stops. */
function stopped(error: unknown): null {
  if ((error as Error).name === 'AbortError') return null
  throw error
}

/** Jobs completed by the miners, told to the clients that wait for them. */
class Completions {
  private readonly waiting = new Map<string, () => void>()
  private readonly early = new Set<string>()

  done(jobId: string): void {
    const wake = this.waiting.get(jobId)
    if (wake) wake()
    else this.early.add(jobId)
  }

  of(jobId: string, withinMs: number): Promise<void> {
    if (this.early.delete(jobId)) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`job ${jobId} was not completed in time`)), withinMs)
      this.waiting.set(jobId, () => {
        clearTimeout(timer)
        this.waiting.delete(jobId)
        resolve()
      })
    })
  }
}
