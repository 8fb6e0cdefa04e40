// `npm run bench`: every figure of the performance table, each against its baseline measured in the same
// run, printed as one table (with the fsync setting of the coordinator each server row ran) and added
// to the runs in bench/results/latest.json; a full run to that file also regenerates the README's
// Performance table. `--quick` runs everything with tiny sizes (CI runs it so the benchmarks keep
// working; its figures mean little).
//
//   npm run build && npm run bench [-- --quick] [-- --out FILE] [-- --only PART]
//
// `--only PART` runs some rows alone, with their baselines, for repeating them: `throughput` (POST
// /v1/jobs and the lifecycle, against bare Koa), `startup` (`aitbc serve` start, against an empty store),
// `cold-start`, `verify` (receipts verify throughput and memory), `streaming` or `replicas` (PostgreSQL with
// 1 and 2 replicas beside the embedded store). Such a partial run goes to --out FILE only (it would not be a whole table for
// the README).
import {existsSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {cpus, loadavg, tmpdir} from 'node:os'
import path from 'node:path'

import {packageFile} from '../src/server/package-root.js'
import {coldStart} from './cold-start.js'
import {updateReadme, RESULTS as DEFAULT_RESULTS} from './readme-table.js'
import {appendRun} from './lib/results.js'
import {createDataDir} from './lib/servers.js'
import {row, renderTable, type Row} from './lib/table.js'
import {REPLICA_SIZES, replicaRows, type ReplicaSizes} from './replicas.js'
import {serveStartup} from './serve-startup.js'
import {serverThroughput, throughputRows, type ThroughputFigures, type ThroughputSizes} from './server-throughput.js'
import {streaming, type StreamingFigures, type StreamingSizes} from './streaming.js'
import {STORAGE_SIZES, storageRows, type StorageSizes} from './storage.js'
import {VERIFY_SIZES, verifyMemory, verifyThroughput, type VerifyMemory, type VerifyThroughput} from './verify-receipts.js'

interface Sizes {
  coldStartRuns: number
  /** An untimed round of the cold starts, and an untimed start of each store, first. */
  warm: boolean
  finishedJobs: number
  startupRuns: number
  throughput: ThroughputSizes
  verify: (typeof VERIFY_SIZES)['full']
  streaming: StreamingSizes
  storage: StorageSizes
  replicas: ReplicaSizes
}

const FULL: Sizes = {
  coldStartRuns: 15,
  warm: true,
  finishedJobs: 100_000,
  startupRuns: 5,
  throughput: {
    post: {connections: 32, seconds: 10},
    lifecycle: {clients: 16, miners: 4, seconds: 10},
    runs: 3,
    warmupSeconds: 2,
    freshLifecycleServers: true,
  },
  verify: VERIFY_SIZES.full,
  streaming: {jobs: 10, tokens: 40, firstTokenMs: 200, tokenMs: 25},
  storage: STORAGE_SIZES.full,
  replicas: REPLICA_SIZES.full,
}

// Every row once, as briefly as still gives a number, with no untimed runs: the loads are counted, not
// timed, so each answers some however busy the machine (the test needs every figure > 0).
const QUICK: Sizes = {
  coldStartRuns: 1,
  warm: false,
  finishedJobs: 200,
  startupRuns: 1,
  throughput: {
    post: {connections: 4, seconds: 0.5, requests: 40},
    lifecycle: {clients: 2, miners: 2, seconds: 0.5, jobsPerClient: 3},
    runs: 1,
    warmupSeconds: 0,
    freshLifecycleServers: false,
  },
  verify: VERIFY_SIZES.quick,
  streaming: {jobs: 1, tokens: 5, firstTokenMs: 50, tokenMs: 10},
  storage: STORAGE_SIZES.quick,
  replicas: REPLICA_SIZES.quick,
}

const ROOT = packageFile('.')
const outAt = process.argv.indexOf('--out')
const RESULTS = outAt === -1 ? DEFAULT_RESULTS : path.resolve(process.argv[outAt + 1])

const quick = process.argv.includes('--quick')
const onlyAt = process.argv.indexOf('--only')
const only = onlyAt === -1 ? undefined : process.argv[onlyAt + 1]
const PARTS = ['throughput', 'startup', 'cold-start', 'verify', 'streaming', 'replicas'] as const
type Part = (typeof PARTS)[number]
if (only !== undefined && !(PARTS as readonly string[]).includes(only)) {
  process.stderr.write(`bench: --only takes ${PARTS.join(', ')}; not ${JSON.stringify(only)}\n`)
  process.exit(1)
}
if (only && outAt === -1) {
  process.stderr.write('bench: --only needs --out FILE: a partial run does not go to bench/results/latest.json\n')
  process.exit(1)
}
const sizes = quick ? QUICK : FULL
const progress = (message: string) => process.stderr.write(`bench: ${message}\n`)

if (!existsSync(path.join(ROOT, 'dist', 'commands'))) {
  progress('the CLI is not built; run `npm run build` first (the benchmarks run bin/run.js as users do)')
  process.exit(1)
}

const loadAverageAtStart = loadavg()
const work = await mkdtemp(path.join(tmpdir(), 'aitbc-bench-'))
if (only !== undefined) {
  try {
    const part = await partialRun(only as Part)
    console.log(renderTable(part.rows))
    const machine = {node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAverage: loadavg(), loadAverageAtStart}
    console.log(`load average (1, 5, 15 min): ${loadAverageAtStart.map((l) => l.toFixed(2)).join(', ')} at the start, ${machine.loadAverage.map((l) => l.toFixed(2)).join(', ')} at the end`)
    await appendRun(RESULTS, {date: new Date().toISOString(), quick, sizes: {only, ...sizes}, machine, rows: part.rows, figures: part.figures})
  } finally {
    await rm(work, {recursive: true, force: true})
  }
  process.exit(0)
}
let rows: Row[]
let figures: {throughput: ThroughputFigures; verify: {throughput: VerifyThroughput; memory: VerifyMemory}; streaming: StreamingFigures}
try {
  progress(`cold start (${sizes.coldStartRuns} runs per command)`)
  const cold = await coldStart(sizes.coldStartRuns, work, sizes.warm)

  progress(`data directories: empty, and ${sizes.finishedJobs.toLocaleString('en-US')} finished jobs`)
  const empty = await createDataDir(path.join(work, 'empty'), 0)
  const full = await createDataDir(path.join(work, 'full'), sizes.finishedJobs)

  progress(`serve start (${sizes.startupRuns} runs each)`)
  const startup = await serveStartup(empty, full, sizes.finishedJobs, sizes.startupRuns, sizes.warm)

  progress(`POST /v1/jobs and the job lifecycle (${sizes.throughput.runs} runs each)`)
  const throughput = await serverThroughput(empty, full, work, sizes.throughput)

  progress(`receipts verify (${sizes.verify.throughputRuns} runs over ${sizes.verify.throughput} receipts; memory ${sizes.verify.memoryRuns} runs)`)
  const verify = {
    throughput: await verifyThroughput(sizes.verify.throughput, sizes.verify.throughputRuns, work),
    memory: await verifyMemory(sizes.verify.few, sizes.verify.many, sizes.verify.memoryRuns, work),
  }
  progress(`streaming through the coordinator (${sizes.streaming.jobs} jobs each way)`)
  const streamed = await streaming(empty, work, sizes.streaming)
  const storage = await storageRows(path.join(work, 'storage'), sizes.storage, progress)
  figures = {throughput, verify, streaming: streamed.figures}
  // Coordinators run on the default, fsync on, unless a row says otherwise.
  const onDefault = (serverRows: Row[]) => serverRows.map((r) => ({fsync: 'on' as const, ...r}))
  const replicas = await replicaRows(work, sizes.replicas, progress)
  rows = [...cold, ...onDefault([...throughputRows(throughput, sizes.throughput, sizes.finishedJobs), ...startup, ...storage]), ...verifyRows(verify), ...onDefault(streamed.rows), ...replicas]
} finally {
  await rm(work, {recursive: true, force: true})
}

console.log(renderTable(rows))
const missed = rows.filter((r) => !r.ok)
console.log(missed.length ? `\n${missed.length} of ${rows.length} rows miss their target.` : `\nAll ${rows.length} rows meet their target.`)
const machine = {node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAverage: loadavg(), loadAverageAtStart}
console.log(`load average (1, 5, 15 min): ${loadAverageAtStart.map((l) => l.toFixed(2)).join(', ')} at the start, ${machine.loadAverage.map((l) => l.toFixed(2)).join(', ')} at the end`)
const {runs} = await appendRun(RESULTS, {date: new Date().toISOString(), quick, sizes, machine, rows, figures})
progress(`added the run to ${path.relative(ROOT, RESULTS)} (${runs.length} runs)`)
if (!quick && RESULTS === DEFAULT_RESULTS) {
  await updateReadme()
  progress('regenerated the Performance table of README.md')
}

/** The rows of one part of the table, measured as the whole run measures them. */
async function partialRun(part: Part): Promise<{rows: Row[]; figures: Record<string, unknown>}> {
  const onDefault = (serverRows: Row[]) => serverRows.map((r) => ({fsync: 'on' as const, ...r}))
  switch (part) {
    case 'throughput': {
      const empty = await createDataDir(path.join(work, 'empty'), 0)
      const full = await createDataDir(path.join(work, 'full'), sizes.finishedJobs)
      progress(`POST /v1/jobs and the job lifecycle (${sizes.throughput.runs} runs each)`)
      const throughput = await serverThroughput(empty, full, work, sizes.throughput)
      return {rows: onDefault(throughputRows(throughput, sizes.throughput, sizes.finishedJobs)), figures: {throughput}}
    }
    case 'startup': {
      const empty = await createDataDir(path.join(work, 'empty'), 0)
      const full = await createDataDir(path.join(work, 'full'), sizes.finishedJobs)
      progress(`serve start (${sizes.startupRuns} runs each)`)
      return {rows: onDefault(await serveStartup(empty, full, sizes.finishedJobs, sizes.startupRuns, sizes.warm)), figures: {}}
    }
    case 'cold-start':
      progress(`cold start (${sizes.coldStartRuns} runs per command)`)
      return {rows: await coldStart(sizes.coldStartRuns, work, sizes.warm), figures: {}}
    case 'verify': {
      progress(`receipts verify (${sizes.verify.throughputRuns} runs over ${sizes.verify.throughput} receipts; memory ${sizes.verify.memoryRuns} runs)`)
      const verify = {
        throughput: await verifyThroughput(sizes.verify.throughput, sizes.verify.throughputRuns, work),
        memory: await verifyMemory(sizes.verify.few, sizes.verify.many, sizes.verify.memoryRuns, work),
      }
      return {rows: verifyRows(verify), figures: {verify}}
    }
    case 'streaming': {
      progress(`streaming through the coordinator (${sizes.streaming.jobs} jobs each way)`)
      const streamed = await streaming(await createDataDir(path.join(work, 'empty'), 0), work, sizes.streaming)
      return {rows: onDefault(streamed.rows), figures: {streaming: streamed.figures}}
    }
    case 'replicas':
      return {rows: await replicaRows(work, sizes.replicas, progress), figures: {}}
  }
}

/** The rows of the verification engineer's benchmark (bench/verify-receipts.ts). */
function verifyRows({throughput, memory}: {throughput: VerifyThroughput; memory: VerifyMemory}): Row[] {
  return [
    row(
      {
        figure: `aitbc receipts verify, ${throughput.receipts.toLocaleString('en-US')} receipts in one JSON Lines file`,
        value: throughput.cliPerSec,
        unit: 'receipts/s',
        baseline: {name: 'node:crypto verify loop', value: throughput.barePerSec, unit: 'receipts/s'},
        target: '>= 0.6',
        detail: `median of ${sizes.verify.throughputRuns}; process start included`,
      },
      (ratio) => ratio >= 0.6,
    ),
    row(
      {
        figure: `aitbc receipts verify peak memory, ${memory.many.toLocaleString('en-US')} receipts`,
        value: memory.manyRssMb,
        unit: 'MiB',
        baseline: {name: `${memory.few.toLocaleString('en-US')} receipts`, value: memory.fewRssMb, unit: 'MiB'},
        target: '<= 1.5',
        detail: `median of ${sizes.verify.memoryRuns}`,
      },
      (ratio) => ratio <= 1.5,
    ),
  ]
}
