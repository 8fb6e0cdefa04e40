// Coordinators on PostgreSQL beside the embedded store, in one run: POST /v1/jobs (autocannon), the job
// lifecycle (submit, long poll, claim, complete with a signed receipt, read), and the coordinator's CPU
// per job (user + system time of the `aitbc serve` processes, from /proc, over the measured phase;
// PostgreSQL's own CPU is not in it). One replica, then two replicas of one database with the load
// spread over both. On a 2-core machine the point is cost per job and that it works, not more
// throughput: two replicas and PostgreSQL share the same two cores.
//
// Rows of `npm run bench` (bench/run.ts); without a PostgreSQL server (AITBC_TEST_DATABASE_URL, default the
// local one, as the tests use) they are left out with a note, except under CI.
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {initCoordinatorDatabase} from '../src/server/store/postgres/coordinator-database.js'
import {createTestDatabase} from '../test/server/store-conformance/test-database.js'
import {describeLifecycleLoad, lifecycleLoad, type LifecycleLoad, type LifecycleResult} from './lib/lifecycle-load.js'
import {describePostLoad, postLoad, type LoadResult, type PostLoad} from './lib/post-load.js'
import {startServer, type RunningServer} from './lib/processes.js'
import {AITBC_BIN, createDataDir} from './lib/servers.js'
import {row, type Row} from './lib/table.js'

export interface ReplicaSizes {
  /** How many replicas of one database each PostgreSQL run has. */
  replicas: number[]
  post: Pick<PostLoad, 'connections' | 'seconds' | 'requests'>
  lifecycle: Pick<LifecycleLoad, 'clients' | 'miners' | 'seconds' | 'jobsPerClient'>
  /** Of each load, before the measured one; 0 for none. */
  warmupSeconds: number
}

export const REPLICA_SIZES: Record<'full' | 'quick', ReplicaSizes> = {
  full: {replicas: [1, 2], post: {connections: 16, seconds: 10}, lifecycle: {clients: 8, miners: 4, seconds: 10}, warmupSeconds: 1},
  // One run, of two replicas (the load spread as for any number). Counted, not timed: PostgreSQL on a
  // busy machine answers only a few POSTs a second; enough that the coordinator's CPU (in 10 ms ticks) shows.
  quick: {replicas: [2], post: {connections: 4, seconds: 1, requests: 60}, lifecycle: {clients: 2, miners: 2, seconds: 0.5, jobsPerClient: 4}, warmupSeconds: 0},
}
const UNCAPPED = ['--max-pending-per-client', '100000000', '--max-queued-prompt-bytes', '64gb']
const JOB_BODY = JSON.stringify({prompt: 'Summarise the plot of a short story in two sentences.', model: 'llama3.2'})
const TICKS_PER_SECOND = 100

interface Keys {
  client_key: string
  miner_key: string
}

interface Figures {
  post: LoadResult & {cpuMsPerJob: number}
  lifecycle: LifecycleResult & {cpuMsPerJob: number}
}

/**
 * The embedded store, then PostgreSQL with 1 and 2 replicas (`sizes.replicas`), in one run: throughput and coordinator CPU
 * per job as ratios to the embedded store. No targets: on 2 cores the point is the cost per job.
 */
export async function replicaRows(work: string, sizes: ReplicaSizes, progress: (message: string) => void): Promise<Row[]> {
  const probe = await createTestDatabase()
  if (!probe) {
    progress('no PostgreSQL server: the PostgreSQL rows are left out (see test/server/store-conformance/test-database.ts)')
    return []
  }
  await probe.drop()
  progress('embedded store, for the PostgreSQL rows')
  const dataDir = await createDataDir(path.join(work, 'replicas-embedded'), 0)
  // Like for like: the test databases run with synchronous_commit off, so the embedded store runs with --fsync off.
  const base = await measure([['serve', '--data-dir', dataDir.dir, '--fsync', 'off']], dataDir.keys, sizes)
  const rows: Row[] = []
  for (const replicas of sizes.replicas) {
    const database = await createTestDatabase()
    if (!database) throw new Error('the PostgreSQL server went away during the bench')
    try {
      progress(`PostgreSQL, ${replicas} replica(s)`)
      const keyFile = path.join(work, `replicas-key-${replicas}.pem`)
      const keys = await initCoordinatorDatabase({connectionString: database.url}, keyFile)
      const args = Array.from({length: replicas}, () => ['serve', '--database', database.url, '--key-file', keyFile])
      rows.push(...figureRows(replicaStore(replicas), await measure(args, keys, sizes), base, sizes))
    } finally {
      await database.drop()
    }
  }
  return rows
}

/** The start of the figures of a PostgreSQL run. */
export function replicaStore(replicas: number): string {
  return `PostgreSQL, ${replicas} replica${replicas > 1 ? 's' : ''}`
}

function figureRows(store: string, figures: Figures, base: Figures, sizes: ReplicaSizes): Row[] {
  const embedded = (value: number, unit: string) => ({name: 'embedded store', value, unit})
  const noTarget = () => true
  const post = describePostLoad(sizes.post)
  const life = describeLifecycleLoad(sizes.lifecycle)
  const rows = [
    row({figure: `${store}: POST /v1/jobs, ${post}`, value: figures.post.perSec, unit: 'req/s', baseline: embedded(base.post.perSec, 'req/s'), target: 'none (cost per job)', detail: `p99 ${figures.post.p99Ms} ms`}, noTarget),
    row({figure: `${store}: coordinator CPU per POSTed job`, value: figures.post.cpuMsPerJob, unit: 'ms', baseline: embedded(base.post.cpuMsPerJob, 'ms'), target: 'none (cost per job)'}, noTarget),
    row({figure: `${store}: full lifecycle, ${life}`, value: figures.lifecycle.jobsPerSec, unit: 'jobs/s', baseline: embedded(base.lifecycle.jobsPerSec, 'jobs/s'), target: 'none (cost per job)', detail: `submit to completed p50 ${figures.lifecycle.p50Ms.toFixed(1)} ms`}, noTarget),
    row({figure: `${store}: coordinator CPU per lifecycle job`, value: figures.lifecycle.cpuMsPerJob, unit: 'ms', baseline: embedded(base.lifecycle.cpuMsPerJob, 'ms'), target: 'none (cost per job)'}, noTarget),
  ]
  return rows.map((r) => ({...r, fsync: 'off' as const}))
}

/** Starts one server per argument list, warms up, then measures POST and the lifecycle spread over all of them. */
async function measure(serverArgs: string[][], keys: Keys, sizes: ReplicaSizes): Promise<Figures> {
  const {post: POST, lifecycle: LIFECYCLE} = sizes
  const servers: RunningServer[] = []
  try {
    for (const args of serverArgs) servers.push(await startServer(process.execPath, [AITBC_BIN, ...args, '--port', '0', ...UNCAPPED]))
    const urls = servers.map((server) => server.url)
    // A counted load is shared out among the servers like the connections.
    const requestsEach = POST.requests === undefined ? undefined : Math.max(1, Math.round(POST.requests / urls.length))
    const post = () =>
      Promise.all(
        urls.map((url) =>
          postLoad(`${url}/v1/jobs`, {
            connections: Math.max(1, POST.connections / urls.length),
            seconds: POST.seconds,
            requests: requestsEach,
            body: JOB_BODY,
            headers: {'x-api-key': keys.client_key},
          }),
        ),
      )
    const warm = sizes.warmupSeconds > 0
    if (warm) await Promise.all(urls.map((url) => postLoad(`${url}/v1/jobs`, {connections: 2, seconds: sizes.warmupSeconds, body: JOB_BODY, headers: {'x-api-key': keys.client_key}})))
    const postCpu = cpuMs(servers)
    const posted = await post()
    const postCpuMs = cpuMs(servers) - postCpu
    const perSec = posted.reduce((sum, r) => sum + r.perSec, 0)
    // Every request answered 2xx (postLoad throws otherwise): a counted load POSTed exactly that many.
    const postJobs = requestsEach === undefined ? perSec * POST.seconds : requestsEach * urls.length

    if (warm) await lifecycleLoad(urls, keys, {...LIFECYCLE, seconds: sizes.warmupSeconds, jobsPerClient: undefined})
    const lifeCpu = cpuMs(servers)
    const lifecycle = await lifecycleLoad(urls, keys, LIFECYCLE)
    const lifeCpuMs = cpuMs(servers) - lifeCpu
    return {
      post: {perSec, p50Ms: Math.max(...posted.map((r) => r.p50Ms)), p99Ms: Math.max(...posted.map((r) => r.p99Ms)), cpuMsPerJob: postCpuMs / postJobs},
      lifecycle: {...lifecycle, cpuMsPerJob: lifeCpuMs / lifecycle.jobs},
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()))
  }
}

/** User + system CPU milliseconds of the servers so far (Linux /proc). */
function cpuMs(servers: readonly RunningServer[]): number {
  let ticks = 0
  for (const server of servers) {
    const fields = readFileSync(`/proc/${server.child.pid}/stat`, 'utf8').split(') ')[1].split(' ')
    ticks += Number(fields[11]) + Number(fields[12])
  }
  return (ticks / TICKS_PER_SECOND) * 1000
}
