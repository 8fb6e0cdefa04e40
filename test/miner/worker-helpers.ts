// Shared by the miner tests: submit jobs to a real coordinator, run a MinerWorker against it, and wait
// (boundedly) for things to happen.
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {setTimeout as delay} from 'node:timers/promises'

import {createApiClient, type Job} from '../../src/client/client.js'
import type {InferenceBackend} from '../../src/miner/backends/backend.js'
import {CoordinatorLink} from '../../src/miner/coordinator-link.js'
import {UndeliveredResults} from '../../src/miner/undelivered-results.js'
import {initDataDir} from '../../src/server/data-dir.js'
import {type MinerEvent, type MinerOptions, type MinerSummary, MinerWorker} from '../../src/miner/worker.js'
import {freePort} from '../helpers/ports.js'
import {requestJson} from '../helpers/server.js'

export interface Coordinator {
  url: string
  adminKey: string
  clientKey: string
  minerKey: string
}

export async function submitJob(coordinator: Coordinator, prompt: string, model = 'llama3.2', params?: Record<string, number>): Promise<string> {
  const response = await requestJson<Job>(coordinator.url, '/v1/jobs', {key: coordinator.clientKey, body: {prompt, model, ...(params ? {params} : {})}})
  if (response.status !== 201) throw new Error(`submit failed: ${response.status} ${JSON.stringify(response.body)}`)
  return response.body.job_id
}

export async function getJob(coordinator: Coordinator, jobId: string): Promise<Job> {
  const response = await requestJson<Job>(coordinator.url, `/v1/jobs/${jobId}`, {key: coordinator.adminKey})
  if (response.status !== 200) throw new Error(`get ${jobId} failed: ${response.status}`)
  return response.body
}

/** Polls until `check` returns a value (not undefined/false); fails after `timeoutMs`. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await delay(20)
  }
}

export interface RunningMiner {
  worker: MinerWorker
  events: MinerEvent[]
  done: Promise<MinerSummary>
  stateFile: string
}

export const FAST_BACKOFF = {baseDelayMs: 20, maxDelayMs: 200}

export async function startMiner(
  coordinator: {url: string; minerKey: string},
  backend: InferenceBackend,
  options: Partial<Omit<MinerOptions, 'link' | 'backend' | 'undelivered' | 'onEvent'>> & {stateFile?: string} = {},
): Promise<RunningMiner> {
  const events: MinerEvent[] = []
  const stateFile = options.stateFile ?? path.join(mkdtempSync(path.join(tmpdir(), 'aitbc-miner-')), 'm.undelivered.json')
  const client = createApiClient({baseUrl: coordinator.url, apiKey: coordinator.minerKey, userAgent: 'aitbc-test', retry: {retries: 0}})
  const worker = new MinerWorker({
    minerId: 'miner-1',
    concurrency: 1,
    backoff: FAST_BACKOFF,
    pollWaitSeconds: 5,
    ...options,
    link: new CoordinatorLink(client),
    backend,
    undelivered: await UndeliveredResults.open(stateFile),
    onEvent: (event) => events.push(event),
  })
  return {worker, events, done: worker.run(), stateFile}
}

export function jobEvents(events: MinerEvent[]) {
  return events.flatMap((event) => (event.type === 'job' ? [event] : []))
}

/** A promise and the function that settles it, for holding a fake backend mid-job. */
export function gate(): {opened: Promise<void>; open: () => void} {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return {opened, open}
}

/**
 * A data directory made as `serve init` makes it (in this process: the `serve` started on it is what the
 * tests watch), and a port kept for it so the coordinator can restart on it.
 */
export async function initCoordinatorDir(prefix: string): Promise<{dir: string; dataDir: string; port: number; coordinator: Coordinator}> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  const dataDir = path.join(dir, 'data')
  const keys = await initDataDir(dataDir)
  const port = await freePort()
  const coordinator: Coordinator = {url: `http://127.0.0.1:${port}`, adminKey: keys.admin_key, clientKey: keys.client_key, minerKey: keys.miner_key}
  return {dir, dataDir, port, coordinator}
}
