// Coordinators on PostgreSQL beside the embedded store, in one run: POST /v1/jobs (autocannon), the job
// lifecycle (submit, long poll, claim, complete with a signed receipt, read), and the coordinator's CPU
// per job (user + system time of the `aitbc serve` processes, from /proc, over the measured phase;
// PostgreSQL's own CPU is not in it). One replica, then two replicas of one database with the load
// spread over both. On a 2-core machine the point is cost per job and that it works, not more
// throughput: two replicas and PostgreSQL share the same two cores.
//
//   npm run build && node --import tsx bench/replicas.ts [--quick]
// Needs a PostgreSQL server as the tests do (AITBC_TEST_DATABASE_URL, default the local one).
import {readFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {loadavg, tmpdir} from 'node:os'
import path from 'node:path'

import {initCoordinatorDatabase} from '../src/server/store/postgres/coordinator-database.js'
import {createTestDatabase} from '../test/server/store-conformance/test-database.js'
import {lifecycleLoad, type LifecycleResult} from './lib/lifecycle-load.js'
import {postLoad, type LoadResult} from './lib/post-load.js'
import {startServer, type RunningServer} from './lib/processes.js'
import {AITBC_BIN, createDataDir} from './lib/servers.js'

const quick = process.argv.includes('--quick')
const POST = quick ? {connections: 8, seconds: 2} : {connections: 16, seconds: 10}
const LIFECYCLE = quick ? {clients: 4, miners: 2, seconds: 2} : {clients: 8, miners: 4, seconds: 10}
const UNCAPPED = ['--max-pending-per-client', '100000000', '--max-queued-prompt-bytes', '64gb']
const JOB_BODY = JSON.stringify({prompt: 'Summarise the plot of a short story in two sentences.', model: 'llama3.2'})
const TICKS_PER_SECOND = 100

interface Keys {
  client_key: string
  miner_key: string
}

interface Figures {
  store: string
  post: LoadResult & {cpuMsPerJob: number}
  lifecycle: LifecycleResult & {cpuMsPerJob: number}
}

const work = await mkdtemp(path.join(tmpdir(), 'aitbc-bench-replicas-'))
const results: Figures[] = []
const progress = (message: string) => process.stderr.write(`bench: ${message}\n`)
try {
  progress('embedded store')
  const dataDir = await createDataDir(path.join(work, 'embedded'), 0)
  results.push(await measure('embedded (data directory)', [['serve', '--data-dir', dataDir.dir]], dataDir.keys))

  for (const replicas of [1, 2]) {
    const database = await createTestDatabase()
    if (!database) throw new Error('no PostgreSQL server: see test/server/store-conformance/test-database.ts')
    try {
      progress(`PostgreSQL, ${replicas} replica(s)`)
      const keyFile = path.join(work, `key-${replicas}.pem`)
      const keys = await initCoordinatorDatabase({connectionString: database.url}, keyFile)
      const args = Array.from({length: replicas}, () => ['serve', '--database', database.url, '--key-file', keyFile])
      results.push(await measure(`PostgreSQL, ${replicas} replica${replicas > 1 ? 's' : ''}`, args, keys))
    } finally {
      await database.drop()
    }
  }
} finally {
  await rm(work, {recursive: true, force: true})
}

const [base] = results
const ratio = (value: number, baseline: number) => `${(value / baseline).toFixed(2)}x`
console.log('| store | POST /v1/jobs (jobs/s) | p99 (ms) | CPU per POSTed job (ms) | lifecycle (jobs/s) | lifecycle p50 (ms) | CPU per lifecycle job (ms) |')
console.log('| --- | --- | --- | --- | --- | --- | --- |')
for (const r of results) {
  const cells = [
    r.store,
    `${r.post.perSec.toFixed(0)} (${ratio(r.post.perSec, base.post.perSec)})`,
    r.post.p99Ms.toFixed(0),
    `${r.post.cpuMsPerJob.toFixed(2)} (${ratio(r.post.cpuMsPerJob, base.post.cpuMsPerJob)})`,
    `${r.lifecycle.jobsPerSec.toFixed(1)} (${ratio(r.lifecycle.jobsPerSec, base.lifecycle.jobsPerSec)})`,
    r.lifecycle.p50Ms.toFixed(0),
    `${r.lifecycle.cpuMsPerJob.toFixed(2)} (${ratio(r.lifecycle.cpuMsPerJob, base.lifecycle.cpuMsPerJob)})`,
  ]
  console.log(`| ${cells.join(' | ')} |`)
}
console.log(`\nload average at the end: ${loadavg().map((l) => l.toFixed(2)).join(', ')}; ${quick ? 'quick sizes' : 'full sizes'}`)

/** Starts one server per argument list, warms up, then measures POST and the lifecycle spread over all of them. */
async function measure(store: string, serverArgs: string[][], keys: Keys): Promise<Figures> {
  const servers: RunningServer[] = []
  try {
    for (const args of serverArgs) servers.push(await startServer(process.execPath, [AITBC_BIN, ...args, '--port', '0', ...UNCAPPED]))
    const urls = servers.map((server) => server.url)
    const post = () =>
      Promise.all(
        urls.map((url) =>
          postLoad(`${url}/v1/jobs`, {connections: Math.max(1, POST.connections / urls.length), seconds: POST.seconds, body: JOB_BODY, headers: {'x-api-key': keys.client_key}}),
        ),
      )
    await Promise.all(urls.map((url) => postLoad(`${url}/v1/jobs`, {connections: 2, seconds: 1, body: JOB_BODY, headers: {'x-api-key': keys.client_key}})))
    const postCpu = cpuMs(servers)
    const posted = await post()
    const postCpuMs = cpuMs(servers) - postCpu
    const perSec = posted.reduce((sum, r) => sum + r.perSec, 0)
    const postJobs = perSec * POST.seconds

    await lifecycleLoad(urls, keys, {...LIFECYCLE, seconds: 1})
    const lifeCpu = cpuMs(servers)
    const lifecycle = await lifecycleLoad(urls, keys, LIFECYCLE)
    const lifeCpuMs = cpuMs(servers) - lifeCpu
    return {
      store,
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
