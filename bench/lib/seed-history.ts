// History for benchmarks: finished jobs in a data directory made by initDataDir, written by the
// coordinator's own services (submit, claim, complete with a signed receipt, blocks sealed as a busy
// coordinator seals them), so the records are exactly those the API writes. Without HTTP, in batches
// that share flushes, so 100,000 jobs take seconds, not minutes.
import type {Principal} from '../../src/server/auth/api-keys.js'
import {resolveConfig} from '../../src/server/config.js'
import {Coordinator} from '../../src/server/coordinator.js'
import {openDataDir} from '../../src/server/data-dir.js'
import {loadContract} from '../../src/server/http/contract.js'
import {EmbeddedAsyncStore} from '../../src/server/store/embedded-async-store.js'

const CLIENT: Principal = {name: 'client', role: 'client'}
const MINER: Principal = {name: 'miner', role: 'miner'}
const MINER_ID = 'bench-miner'
const MODEL = 'llama3.2'
/** Jobs per batch, and per block: about what a busy coordinator seals every block interval. */
const BATCH = 250

export async function seedFinishedJobs(dataDir: string, count: number): Promise<void> {
  const {store: embedded, signer} = await openDataDir(dataDir)
  const store = new EmbeddedAsyncStore(embedded)
  const {jobs, miners, sealer} = new Coordinator(store, signer, resolveConfig(), loadContract(), (message) => console.error(message))
  await miners.register(MINER, {miner_id: MINER_ID, capabilities: [MODEL]})
  for (let done = 0; done < count; done += BATCH) {
    const batch = Array.from({length: Math.min(BATCH, count - done)}, (_, i) => done + i)
    const submitted = await Promise.all(
      batch.map(async (n) => (await jobs.submit(CLIENT, {prompt: `Benchmark prompt number ${n}: summarise the plot of a short story in two sentences.`, model: MODEL})).job),
    )
    await Promise.all(submitted.map((job) => jobs.claim(MINER, job.job_id, MINER_ID)))
    await Promise.all(
      submitted.map((job, i) =>
        jobs.complete(MINER, job.job_id, {miner_id: MINER_ID, result: `A finished result for job ${batch[i]}, about as long as a short answer from a small model would be.`}),
      ),
    )
    await sealer.sealNow()
  }
  await store.close()
}
