// Streaming through the coordinator: the time to first token of an OpenAI-style streamed chat
// completion sent to the coordinator (job queued, offered to a miner, claimed, the miner's first
// append fanned out) against the backend's own time to first token, same backend, same run; and the
// requests a streaming miner sends the coordinator per job against a miner with --no-stream, both
// counted alike: everything the miner sends (claim-next, output, complete, ...) but its registration
// and the polls that found no job, which belong to no job.
import {spawn} from 'node:child_process'
import {mkdtemp} from 'node:fs/promises'
import path from 'node:path'

import {type Answered, startCountingProxy} from './lib/counting-proxy.js'
import {stopChild} from './lib/processes.js'
import {AITBC_BIN, copyDataDir, startCoordinator, type DataDir} from './lib/servers.js'
import {median} from './lib/stats.js'
import {row, type Row} from './lib/table.js'
import {startTokenServer, timeToFirstToken} from './lib/token-server.js'

export interface StreamingSizes {
  jobs: number
  tokens: number
  firstTokenMs: number
  tokenMs: number
}

export interface StreamingFigures {
  backendTtftMs: number[]
  coordinatorTtftMs: number[]
  requestsPerJob: {stream: number; noStream: number}
  /** What each miner sent, by `METHOD path` (job ids as :id), and what was left out of the count. */
  minerRequests: {stream: MinerRequests; noStream: MinerRequests}
}

interface MinerRequests {
  perJob: number
  byRoute: Record<string, number>
  registrations: number
  emptyPolls: number
}

const MODEL = 'bench-model'
/** `aitbc miner run`'s default --stream-interval, which the bench leaves as it is. */
const STREAM_INTERVAL_MS = 250

export async function streaming(empty: DataDir, work: string, sizes: StreamingSizes): Promise<{rows: Row[]; figures: StreamingFigures}> {
  const backend = await startTokenServer(MODEL, sizes.tokens, sizes.firstTokenMs, sizes.tokenMs)
  try {
    const backendTtftMs: number[] = []
    for (let i = 0; i < sizes.jobs; i++) backendTtftMs.push(await timeToFirstToken(backend.url, {}, MODEL))
    const mark = backend.streamedMs.length
    const streamed = await throughCoordinator(empty, work, backend.url, sizes.jobs, true)
    // How long the backend really took to stream each job's answer: on a loaded machine its timers run
    // late, the generation lasts longer and the miner may send more often, still one send per interval.
    const generatedMs = backend.streamedMs.slice(mark)
    const plain = await throughCoordinator(empty, work, backend.url, sizes.jobs, false)
    const figures = {
      backendTtftMs,
      coordinatorTtftMs: streamed.ttftMs,
      requestsPerJob: {stream: streamed.requests.perJob, noStream: plain.requests.perJob},
      minerRequests: {stream: streamed.requests, noStream: plain.requests},
    }
    const generationMs = sizes.firstTokenMs + (sizes.tokens - 1) * sizes.tokenMs
    // Batched output: the first piece at once, then at most one send per interval while the job
    // generates, for as long as it really generated (the mean over the jobs streamed).
    const sends = generatedMs.map((ms) => Math.ceil(ms / STREAM_INTERVAL_MS) + 1)
    const outputSends = Number((sends.reduce((sum, n) => sum + n, 0) / sends.length).toFixed(2))
    const budget = plain.requests.perJob + outputSends
    const rows = [
      row(
        {
          figure: 'time to first token, OpenAI-style stream through the coordinator and a streaming miner',
          value: median(streamed.ttftMs),
          unit: 'ms',
          baseline: {name: "the backend's own", value: median(backendTtftMs), unit: 'ms'},
          target: '<= 1.5',
          detail: `median of ${sizes.jobs}; backend's first token after ${sizes.firstTokenMs} ms`,
        },
        (ratio) => ratio <= 1.5,
      ),
      row(
        {
          figure: 'requests from the miner per job, streaming on (all it sends but its registration and polls that found no job)',
          value: streamed.requests.perJob,
          unit: 'requests',
          baseline: {name: '--no-stream', value: plain.requests.perJob, unit: 'requests'},
          target: `<= --no-stream + ${outputSends} (one output send per 0.25 s of generation; per token: + ${sizes.tokens})`,
          detail: `${sizes.tokens} tokens over ${generationMs} ms (the backend took ${Math.round(median(generatedMs))} ms, median); streaming: ${describeRoutes(streamed.requests, sizes.jobs)}; --no-stream: ${describeRoutes(plain.requests, sizes.jobs)}`,
        },
        (_ratio, value) => value <= budget,
      ),
    ]
    return {rows, figures}
  } finally {
    await backend.close()
  }
}

async function throughCoordinator(empty: DataDir, work: string, backendUrl: string, jobs: number, stream: boolean): Promise<{ttftMs: number[]; requests: MinerRequests}> {
  const data = await copyDataDir(empty, path.join(work, stream ? 'streaming' : 'not-streaming'))
  const coordinator = await startCoordinator(data)
  const proxy = await startCountingProxy(coordinator.url)
  const miner = spawn(
    process.execPath,
    [AITBC_BIN, 'miner', 'run', '--miner-id', 'bench-miner', '--backend', 'openai', '--backend-url', backendUrl, '--model', MODEL, ...(stream ? [] : ['--no-stream']), '--state-dir', path.join(data.dir, 'miner')],
    {stdio: ['ignore', 'ignore', 'pipe'], env: {...process.env, AITBC_URL: proxy.url, AITBC_API_KEY: data.keys.miner_key, AITBC_CONFIG_DIR: await mkdtemp(path.join(work, 'config-'))}},
  )
  let stderr = ''
  miner.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)))
  try {
    const client = {Authorization: `Bearer ${data.keys.client_key}`}
    for (const started = performance.now(); !(await servesModel(coordinator.url, client)); ) {
      if (performance.now() - started > 30_000) throw new Error(`the bench miner did not register within 30 s: ${stderr}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const ttftMs: number[] = []
    for (let i = 0; i < jobs; i++) ttftMs.push(await timeToFirstToken(coordinator.url, client, MODEL))
    // A stream can end just before the proxy has passed on the answer to the miner's last complete;
    // the miner's next poll is still open (it found no job, and is not counted either way).
    const completes = () => proxy.answered.filter(({request}) => request.endsWith('/complete')).length
    for (const started = performance.now(); completes() < jobs; ) {
      if (performance.now() - started > 10_000) throw new Error(`the proxy saw ${completes()} of ${jobs} completions: ${stderr}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    return {ttftMs, requests: minerRequests(proxy.answered, jobs)}
  } finally {
    await stopChild(miner)
    await proxy.close()
    await coordinator.stop()
  }
}

async function servesModel(url: string, headers: Record<string, string>): Promise<boolean> {
  const response = await fetch(`${url}/v1/models`, {headers})
  const body = (await response.json()) as {data?: Array<{id: string}>}
  return body.data?.some((model) => model.id === MODEL) === true
}

/** The miner's requests per job: all it sent but its registrations (and heartbeats) and the polls that found no job. */
function minerRequests(answered: readonly Answered[], jobs: number): MinerRequests {
  const byRoute: Record<string, number> = {}
  let registrations = 0
  let emptyPolls = 0
  for (const {request, empty} of answered) {
    if (request === 'POST /v1/miners/register') registrations++
    else if (empty) emptyPolls++
    else {
      const route = request.replace(/\/job_[^/]+/, '/:id')
      byRoute[route] = (byRoute[route] ?? 0) + 1
    }
  }
  const counted = Object.values(byRoute).reduce((sum, n) => sum + n, 0)
  return {perJob: counted / jobs, byRoute, registrations, emptyPolls}
}

/** `claim-next 1, output 4.2, complete 1 per job; left out: 1 registration, 2 empty polls`. */
function describeRoutes({byRoute, registrations, emptyPolls}: MinerRequests, jobs: number): string {
  const routes = Object.entries(byRoute).map(([route, n]) => `${route.replace(/^\w+ \/v1\/(miners\/|jobs\/:id\/)?/, '')} ${Number((n / jobs).toFixed(2))}`)
  return `${routes.join(', ')} per job; left out: ${registrations} registration(s), ${emptyPolls} empty poll(s)`
}
