// Write latency of the coordinator's store: POST /v1/jobs with an empty store and with 100,000 finished
// jobs (each with its receipt and ledger transactions, sealed into blocks), to show that the cost of a
// write does not grow with history. History is seeded by the coordinator's services directly, then the real
// server is started on the data directory and timed over HTTP (sequential requests, so each one is a
// full write-and-flush), plus the bare store write (putJob + transaction + commit) without HTTP.
//
//   node --import tsx bench/store-write-latency.ts [--jobs 100000] [--requests 300]
// Warm-up: the first 20 requests of each case are not counted.
import {mkdtemp, rm, stat} from 'node:fs/promises'
import {execFile} from 'node:child_process'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'

import {initDataDir} from '../src/server/data-dir.js'
import {Ledger} from '../src/server/ledger/ledger.js'
import {startServer} from '../src/server/run-server.js'
import type {EmbeddedAsyncStore} from '../src/server/store/embedded-async-store.js'
import {STORE_FILES} from '../src/server/store/lowdb-store.js'
import {nodeScript} from '../test/helpers/process.js'
import {seedFinishedJobs} from './lib/seed-history.js'
import {median, round} from './lib/stats.js'

export interface WriteLatencyRow {
  finishedJobs: number
  historyMiB: number
  loadMs: number
  httpMedianMs: number
  httpP95Ms: number
  storeMedianMs: number
  storeP95Ms: number
  /** 1,000 submits from 50 concurrent clients: requests per second, and writes that shared each flush. */
  concurrentPerSec: number
  writesPerFlush: number
}

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]
}

async function historyBytes(dataDir: string): Promise<number> {
  const names = [STORE_FILES.jobs, STORE_FILES.receipts, STORE_FILES.transactions, STORE_FILES.blocks]
  const sizes = await Promise.all(names.map(async (name) => (await stat(path.join(dataDir, name))).size))
  return sizes.reduce((a, b) => a + b, 0)
}

export async function measure(finishedJobs: number, requests: number): Promise<WriteLatencyRow> {
  const root = await mkdtemp(path.join(tmpdir(), 'aitbc-bench-'))
  const dataDir = path.join(root, 'data')
  try {
    const keys = await initDataDir(dataDir)
    if (finishedJobs) await seedFinishedJobs(dataDir, finishedJobs)
    const loadStarted = performance.now()
    const server = await startServer({dataDir, port: 0, log: () => undefined})
    const loadMs = performance.now() - loadStarted
    const headers = {'X-Api-Key': keys.client_key, 'Content-Type': 'application/json'}
    const body = JSON.stringify({prompt: 'How long does this write take?'})
    const http: number[] = []
    for (let i = 0; i < requests + 20; i++) {
      const started = performance.now()
      const res = await fetch(`${server.url}/v1/jobs`, {method: 'POST', headers, body})
      await res.arrayBuffer()
      if (res.status !== 201) throw new Error(`POST /v1/jobs answered ${res.status}`)
      if (i >= 20) http.push(performance.now() - started)
    }
    const {signer} = server.app.coordinator
    const store = (server.app.coordinator.store as EmbeddedAsyncStore).embedded
    const ledger = new Ledger(store, signer)
    const flushesBefore = (store as {flushCount?: number}).flushCount ?? 0
    const concurrentStarted = performance.now()
    await Promise.all(
      Array.from({length: 50}, async () => {
        for (let i = 0; i < 20; i++) await (await fetch(`${server.url}/v1/jobs`, {method: 'POST', headers, body})).arrayBuffer()
      }),
    )
    const concurrentMs = performance.now() - concurrentStarted
    const flushes = ((store as {flushCount?: number}).flushCount ?? 0) - flushesBefore
    // The same write without HTTP: a job version, a ledger transaction, one flush.
    const bare: number[] = []
    for (let i = 0; i < requests; i++) {
      const at = new Date()
      const started = performance.now()
      store.putJob({job_id: `job_bare${i}`, status: 'pending', prompt: 'bare', model: 'llama3.2', params: {max_tokens: 1, temperature: 0, top_p: 1}, client: 'client', attempts: 0, created_at: at.toISOString()})
      ledger.record('job_submitted', {job_id: `job_bare${i}`}, at)
      await store.commit()
      bare.push(performance.now() - started)
    }
    await server.close()
    return {
      finishedJobs,
      historyMiB: round((await historyBytes(dataDir)) / 2 ** 20, 1),
      loadMs: round(loadMs, 0),
      httpMedianMs: round(median(http), 3),
      httpP95Ms: round(p95(http), 3),
      storeMedianMs: round(median(bare), 3),
      storeP95Ms: round(p95(bare), 3),
      concurrentPerSec: round(1000 / (concurrentMs / 1000), 0),
      writesPerFlush: round(1000 / flushes, 1),
    }
  } finally {
    await rm(root, {recursive: true, force: true})
  }
}

const run = promisify(execFile)

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(name)
  return at === -1 ? fallback : Number(process.argv[at + 1])
}

/** Each case in its own process, so neither inherits the other's JIT warm-up or heap. */
export async function storeWriteLatency(jobs: number, requests: number): Promise<WriteLatencyRow[]> {
  const rows: WriteLatencyRow[] = []
  for (const finished of [0, jobs]) {
    const args = [...nodeScript(new URL(import.meta.url)), '--case', String(finished), '--requests', String(requests)]
    const {stdout} = await run(process.execPath, args)
    rows.push(JSON.parse(stdout))
  }
  return rows
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const requests = argument('--requests', 300)
  if (process.argv.includes('--case')) {
    process.stdout.write(JSON.stringify(await measure(argument('--case', 0), requests)))
  } else {
    console.table(await storeWriteLatency(argument('--jobs', 100_000), requests))
  }
}
