// Streaming through the coordinator: the time to first token of an OpenAI-style streamed chat
// completion sent to the coordinator (job queued, offered to a miner, claimed, the miner's first
// append fanned out) against the backend's own time to first token, same backend, same run; and the
// requests a streaming miner sends the coordinator per job against a miner with --no-stream.
import {spawn} from 'node:child_process'
import {mkdtemp} from 'node:fs/promises'
import path from 'node:path'

import {startCountingProxy} from './lib/counting-proxy.js'
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
}

const MODEL = 'bench-model'

export async function streaming(empty: DataDir, work: string, sizes: StreamingSizes): Promise<{rows: Row[]; figures: StreamingFigures}> {
  const backend = await startTokenServer(MODEL, sizes.tokens, sizes.firstTokenMs, sizes.tokenMs)
  try {
    const backendTtftMs: number[] = []
    for (let i = 0; i < sizes.jobs; i++) backendTtftMs.push(await timeToFirstToken(backend.url, {}, MODEL))
    const streamed = await throughCoordinator(empty, work, backend.url, sizes.jobs, true)
    const plain = await throughCoordinator(empty, work, backend.url, sizes.jobs, false)
    const figures = {backendTtftMs, coordinatorTtftMs: streamed.ttftMs, requestsPerJob: {stream: streamed.requestsPerJob, noStream: plain.requestsPerJob}}
    const generationMs = sizes.firstTokenMs + (sizes.tokens - 1) * sizes.tokenMs
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
          figure: 'requests from the miner per job, streaming on',
          value: streamed.requestsPerJob,
          unit: 'requests',
          baseline: {name: '--no-stream', value: plain.requestsPerJob, unit: 'requests'},
          target: '<= 3',
          detail: `${sizes.tokens} tokens over ${generationMs} ms, --stream-interval 0.25 s; polls, claim, output, complete`,
        },
        (ratio) => ratio <= 3,
      ),
    ]
    return {rows, figures}
  } finally {
    await backend.close()
  }
}

async function throughCoordinator(empty: DataDir, work: string, backendUrl: string, jobs: number, stream: boolean): Promise<{ttftMs: number[]; requestsPerJob: number}> {
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
    return {ttftMs, requestsPerJob: proxy.count((p) => p.startsWith('/v1/jobs')) / jobs}
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
