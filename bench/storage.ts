// Memory bounded by what runs, not by what is stored: `aitbc serve` start RSS on a store holding a lot
// of pending prompts (1 GiB in the full run) against an empty store; and miner registration (POST
// /v1/miners/register, one after another) with 10,000 miners registered against 10. The stores are
// written with the coordinator's own store (LowdbStore), the records as the services write them.
import {mkdir} from 'node:fs/promises'
import path from 'node:path'

import {sha256Hex} from '../src/protocol/encoding.js'
import {openDataDir} from '../src/server/data-dir.js'
import {Ledger} from '../src/server/ledger/ledger.js'
import {NodeFileLayer} from '../src/server/store/file-layer.js'
import {createDataDir, startCoordinator, type DataDir} from './lib/servers.js'
import {median} from './lib/stats.js'
import {row, type Row} from './lib/table.js'
import {startOnce} from './serve-startup.js'

export const START_RSS_TARGET_MIB = 300
export const REGISTRATION_RATIO_TARGET = 0.8

export interface StorageSizes {
  pendingPromptBytes: number
  /** Bytes of each pending prompt: the default --max-prompt-bytes. */
  promptBytes: number
  manyMiners: number
  fewMiners: number
  registrations: number
  runs: number
  /** An untimed start first. */
  warm: boolean
}

export const STORAGE_SIZES: Record<'full' | 'quick', StorageSizes> = {
  full: {pendingPromptBytes: 1024 ** 3, promptBytes: 512 * 1024, manyMiners: 10_000, fewMiners: 10, registrations: 300, runs: 3, warm: true},
  quick: {pendingPromptBytes: 2 * 1024 ** 2, promptBytes: 512 * 1024, manyMiners: 100, fewMiners: 10, registrations: 3, runs: 1, warm: false},
}

/** Pending jobs whose prompts add up to `bytes`, each submitted as the job service records it. */
async function seedPending(dataDir: DataDir, bytes: number, promptBytes: number): Promise<number> {
  // Seeding is not what is measured: no syncs.
  const {store, signer} = await openDataDir(dataDir.dir, {files: new NodeFileLayer(false)})
  const ledger = new Ledger(store, signer)
  const count = Math.ceil(bytes / promptBytes)
  for (let i = 0; i < count; i++) {
    const prompt = `${i} `.padEnd(promptBytes, 'lorem ipsum ')
    const job = {
      job_id: `job_pending_${String(i).padStart(8, '0')}`, status: 'pending' as const, prompt, model: 'llama3.2',
      params: {max_tokens: 256, temperature: 0.7, top_p: 0.9}, client: 'client', attempts: 0, created_at: new Date().toISOString(),
    }
    store.putJob(job)
    ledger.record('job_submitted', {job_id: job.job_id, client: job.client, model: job.model, prompt_sha256: sha256Hex(prompt), max_tokens: 256}, new Date())
    if (i % 64 === 63) await store.commit()
  }
  await store.close()
  return count
}

async function seedMiners(dataDir: DataDir, count: number): Promise<void> {
  const {store} = await openDataDir(dataDir.dir, {files: new NodeFileLayer(false)})
  const now = new Date().toISOString()
  // Spread over principals: one key may register only so many miners (--max-miners-per-key).
  for (let i = 0; i < count; i++) store.putMiner({miner_id: `seeded-${i}`, capabilities: ['llama3.2'], principal: `seed-${i % 100}`, registered_at: now, last_seen: now})
  await store.close()
}

/** Median milliseconds of a registration, `count` in a row (each a new miner id). */
async function registrationMs(dataDir: DataDir, count: number, run: number): Promise<number> {
  const server = await startCoordinator(dataDir)
  try {
    const times: number[] = []
    for (let i = 0; i < count; i++) {
      const started = performance.now()
      const response = await fetch(`${server.url}/v1/miners/register`, {
        method: 'POST',
        headers: {'content-type': 'application/json', 'x-api-key': dataDir.keys.miner_key},
        body: JSON.stringify({miner_id: `bench-${run}-${i}`, capabilities: ['llama3.2']}),
      })
      await response.arrayBuffer()
      if (response.status !== 201 && response.status !== 200) throw new Error(`register answered ${response.status}`)
      times.push(performance.now() - started)
    }
    return median(times)
  } finally {
    await server.stop()
  }
}

export async function storageRows(work: string, sizes: StorageSizes, progress: (message: string) => void): Promise<Row[]> {
  await mkdir(work, {recursive: true})
  const empty = await createDataDir(path.join(work, 'storage-empty'), 0)
  const pending = await createDataDir(path.join(work, 'storage-pending'), 0)
  const mib = sizes.pendingPromptBytes / 1024 ** 2
  progress(`storage: seeding ${mib.toLocaleString('en-US')} MiB of pending prompts`)
  const jobs = await seedPending(pending, sizes.pendingPromptBytes, sizes.promptBytes)
  const few = await createDataDir(path.join(work, 'storage-few-miners'), 0)
  const many = await createDataDir(path.join(work, 'storage-many-miners'), 0)
  await seedMiners(few, sizes.fewMiners)
  await seedMiners(many, sizes.manyMiners)

  progress(`storage: start RSS and miner registrations (${sizes.runs} runs each)`)
  // An untimed start first, so the files are in the page cache as on a running machine.
  if (sizes.warm) await startOnce(pending)
  const emptyStarts = []
  const pendingStarts = []
  const fewMs = []
  const manyMs = []
  for (let run = 0; run < sizes.runs; run++) {
    emptyStarts.push(await startOnce(empty))
    pendingStarts.push(await startOnce(pending))
    fewMs.push(await registrationMs(few, sizes.registrations, run))
    manyMs.push(await registrationMs(many, sizes.registrations, run))
  }
  const rss = median(pendingStarts.map((start) => start.rssMiB))
  const perSec = (ms: number[]) => 1000 / median(ms)
  return [
    row(
      {
        figure: `aitbc serve start RSS, ${mib.toLocaleString('en-US')} MiB of pending prompts (${jobs.toLocaleString('en-US')} jobs)`,
        value: rss,
        unit: 'MiB',
        baseline: {name: 'empty store', value: median(emptyStarts.map((start) => start.rssMiB)), unit: 'MiB'},
        target: `< ${START_RSS_TARGET_MIB} MiB`,
        detail: `median of ${sizes.runs}; peak ${median(pendingStarts.map((start) => start.peakMiB)).toFixed(0)} MiB; start to /health ${median(pendingStarts.map((start) => start.ms)).toFixed(0)} ms`,
      },
      (_ratio, value) => value < START_RSS_TARGET_MIB,
    ),
    row(
      {
        figure: `POST /v1/miners/register, ${sizes.manyMiners.toLocaleString('en-US')} miners registered`,
        value: perSec(manyMs),
        unit: 'reg/s',
        baseline: {name: `${sizes.fewMiners} miners`, value: perSec(fewMs), unit: 'reg/s'},
        target: `>= ${REGISTRATION_RATIO_TARGET}`,
        detail: `median of ${sizes.runs} x ${sizes.registrations} in a row, fsync on; latency ${median(manyMs).toFixed(2)} ms vs ${median(fewMs).toFixed(2)} ms`,
      },
      (ratio) => ratio >= REGISTRATION_RATIO_TARGET,
    ),
  ]
}
