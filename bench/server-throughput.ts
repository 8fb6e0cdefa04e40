// Coordinator throughput under load from this process, against the bare Koa app on the same machine:
// POST /v1/jobs with autocannon, then the full job lifecycle (miners on claim-next as `aitbc miner run`,
// and on available + claim). Each with an empty store and with a large
// history. Every server is a subprocess on its own copy of the data; the servers of a run start side by
// side and take turns, so each run of each sees the same machine load.
import {rm} from 'node:fs/promises'
import path from 'node:path'

import {describeLifecycleLoad, lifecycleLoad, type LifecycleLoad, type LifecycleResult, type MinerPath} from './lib/lifecycle-load.js'
import {describePostLoad, postLoad, type LoadResult, type PostLoad} from './lib/post-load.js'
import type {RunningServer} from './lib/processes.js'
import {copyDataDir, startBareKoa, startCoordinator, type DataDir} from './lib/servers.js'
import {median} from './lib/stats.js'
import {row, type Row} from './lib/table.js'

export const POST_RATIO_TARGET = 0.3
export const P99_TARGET_MS = 25
export const LIFECYCLE_RATIO_TARGET = 0.06
export const HISTORY_RATIO_TARGET = 0.8

export interface ThroughputSizes {
  post: Pick<PostLoad, 'connections' | 'seconds' | 'requests'>
  lifecycle: LifecycleLoad
  runs: number
  /** Of each load, before the measured one; 0 for none. */
  warmupSeconds: number
  /**
   * The lifecycle loads on coordinators started afresh on fresh copies (the full run: the POST load leaves
   * tens of thousands of pending jobs behind), or on the POST load's own coordinators right after it
   * (`--quick`: its few dozen pending jobs are of another model than the lifecycle's, and three starts
   * fewer).
   */
  freshLifecycleServers: boolean
}

const JOB_BODY = JSON.stringify({prompt: 'Summarise the plot of a short story in two sentences.', model: 'llama3.2'})

export interface ThroughputFigures {
  bare: LoadResult
  post: {empty: LoadResult; full: LoadResult; fsyncOff: LoadResult}
  /** Miners on claim-next (as `aitbc miner run`); `seedRoutes*`: the same coordinators, miners on available + claim. */
  lifecycle: {empty: LifecycleResult; full: LifecycleResult; fsyncOff: LifecycleResult; seedRoutes: LifecycleResult; seedRoutesFsyncOff: LifecycleResult}
  /**
   * Every run, for judging the spread: post as [bare, empty, full, empty with --fsync off], lifecycle as
   * [empty, full, --fsync off] on claim-next then [empty, --fsync off] on available + claim.
   */
  runs: {post: LoadResult[][]; lifecycle: LifecycleResult[][]}
}

/**
 * `work` is a scratch directory for the copies. Every run starts its servers afresh on fresh copies:
 * POST /v1/jobs leaves tens of thousands of pending jobs behind, which would otherwise pile up in both
 * the "empty" and the "100,000 finished jobs" store from one run to the next (and, unless
 * `freshLifecycleServers` is off, under the lifecycle load of the same run).
 */
export async function serverThroughput(empty: DataDir, full: DataDir, work: string, sizes: ThroughputSizes): Promise<ThroughputFigures> {
  // `seconds`: a warm-up of that long; without it, the measured load.
  const post = (server: RunningServer, dataDir?: DataDir, seconds?: number) =>
    postLoad(`${server.url}/v1/jobs`, {...(seconds === undefined ? sizes.post : {connections: sizes.post.connections, seconds}), body: JOB_BODY, headers: dataDir && {'x-api-key': dataDir.keys.client_key}})
  const lifecycle = (server: RunningServer, dataDir: DataDir, seconds?: number, minerPath: MinerPath = 'claim-next') =>
    lifecycleLoad(server.url, dataDir.keys, {...sizes.lifecycle, ...(seconds === undefined ? {} : {seconds, jobsPerClient: undefined}), minerPath})
  const warm = sizes.warmupSeconds > 0
  // The default (fsync on) on both stores, and --fsync off on the empty one: what the syncs cost.
  const copies = async (name: string, run: number) =>
    Promise.all([empty, full, empty].map((from, i) => copyDataDir(from, path.join(work, `${name}-${run}-${['empty', 'full', 'fsync-off'][i]}`))))
  const start = (dataDirs: DataDir[]) => dataDirs.map((dataDir, i) => startCoordinator(dataDir, i === 2 ? ['--fsync', 'off'] : []))

  const postRuns: LoadResult[][] = [[], [], [], []]
  const lifecycleRuns: LifecycleResult[][] = [[], [], [], [], []]
  for (let run = 0; run < sizes.runs; run++) {
    const lifecycles = async (coordinators: RunningServer[], dataDirs: DataDir[]) => {
      if (warm) for (const [i, server] of coordinators.entries()) await lifecycle(server, dataDirs[i], sizes.warmupSeconds)
      for (const [i, server] of coordinators.entries()) lifecycleRuns[i].push(await lifecycle(server, dataDirs[i]))
      // The seed routes on the same coordinators (empty, --fsync off), right after: what claim-next saves.
      for (const [n, i] of [0, 2].entries()) {
        if (warm) await lifecycle(coordinators[i], dataDirs[i], sizes.warmupSeconds, 'available+claim')
        lifecycleRuns[3 + n].push(await lifecycle(coordinators[i], dataDirs[i], undefined, 'available+claim'))
      }
    }
    const postDirs = await copies('post', run)
    await withServers([startBareKoa(), ...start(postDirs)], async ([bare, ...coordinators]) => {
      if (warm) await post(bare, undefined, sizes.warmupSeconds)
      if (warm) for (const [i, server] of coordinators.entries()) await post(server, postDirs[i], sizes.warmupSeconds)
      postRuns[0].push(await post(bare))
      for (const [i, server] of coordinators.entries()) postRuns[i + 1].push(await post(server, postDirs[i]))
      if (!sizes.freshLifecycleServers) await lifecycles(coordinators, postDirs)
    })
    const lifecycleDirs = sizes.freshLifecycleServers ? await copies('lifecycle', run) : []
    if (sizes.freshLifecycleServers) await withServers(start(lifecycleDirs), (coordinators) => lifecycles(coordinators, lifecycleDirs))
    await Promise.all([...postDirs, ...lifecycleDirs].map((dataDir) => rm(dataDir.dir, {recursive: true, force: true})))
  }
  const postFigures = postRuns.map(medianLoad)
  const lifecycleFigures = lifecycleRuns.map(medianLifecycle)

  return {
    bare: postFigures[0],
    post: {empty: postFigures[1], full: postFigures[2], fsyncOff: postFigures[3]},
    lifecycle: {empty: lifecycleFigures[0], full: lifecycleFigures[1], fsyncOff: lifecycleFigures[2], seedRoutes: lifecycleFigures[3], seedRoutesFsyncOff: lifecycleFigures[4]},
    runs: {post: postRuns, lifecycle: lifecycleRuns},
  }
}

export function throughputRows(figures: ThroughputFigures, sizes: ThroughputSizes, finishedJobs: number): Row[] {
  const {bare, post, lifecycle} = figures
  const jobs = finishedJobs.toLocaleString('en-US')
  const load = describePostLoad(sizes.post)
  const crowd = describeLifecycleLoad(sizes.lifecycle)
  const latency = (result: LoadResult) => `p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms`
  const jobLatency = (result: LifecycleResult) => `${result.jobs} jobs; submit to completed p50 ${result.p50Ms.toFixed(1)} ms`
  const bareBaseline = {name: 'bare Koa POST', value: bare.perSec, unit: 'req/s'}
  const medianOf = `median of ${sizes.runs}`
  return [
    row(
      {
        figure: `POST /v1/jobs, ${load}`,
        fsync: 'on',
        value: post.empty.perSec,
        unit: 'req/s',
        baseline: bareBaseline,
        target: `>= ${POST_RATIO_TARGET}, p99 < ${P99_TARGET_MS} ms`,
        detail: `${medianOf}; ${latency(post.empty)} (bare Koa ${latency(bare)})`,
      },
      (ratio) => ratio >= POST_RATIO_TARGET && post.empty.p99Ms < P99_TARGET_MS,
    ),
    row(
      {
        figure: `full lifecycle, ${crowd}`,
        fsync: 'on',
        value: lifecycle.empty.jobsPerSec,
        unit: 'jobs/s',
        baseline: bareBaseline,
        target: `>= ${LIFECYCLE_RATIO_TARGET}`,
        detail: `${medianOf}; ${jobLatency(lifecycle.empty)}`,
      },
      (ratio) => ratio >= LIFECYCLE_RATIO_TARGET,
    ),
    row(
      {
        figure: `POST /v1/jobs, ${load}`,
        fsync: 'off',
        value: post.fsyncOff.perSec,
        unit: 'req/s',
        baseline: bareBaseline,
        target: `>= ${POST_RATIO_TARGET} (fsync on must meet it too)`,
        detail: `${medianOf}; ${latency(post.fsyncOff)}; fsync on keeps ${(post.empty.perSec / post.fsyncOff.perSec).toFixed(2)}x of it`,
      },
      (ratio) => ratio >= POST_RATIO_TARGET,
    ),
    row(
      {
        figure: `full lifecycle, ${crowd}`,
        fsync: 'off',
        value: lifecycle.fsyncOff.jobsPerSec,
        unit: 'jobs/s',
        baseline: bareBaseline,
        target: `>= ${LIFECYCLE_RATIO_TARGET}`,
        detail: `${medianOf}; ${jobLatency(lifecycle.fsyncOff)}; fsync on keeps ${(lifecycle.empty.jobsPerSec / lifecycle.fsyncOff.jobsPerSec).toFixed(2)}x of it`,
      },
      (ratio) => ratio >= LIFECYCLE_RATIO_TARGET,
    ),
    ...(
      [
        ['on', lifecycle.seedRoutes, lifecycle.empty],
        ['off', lifecycle.seedRoutesFsyncOff, lifecycle.fsyncOff],
      ] as const
    ).map(([fsync, seed, claimNext]) =>
      row(
        {
          figure: `full lifecycle, miners on available + claim, ${crowd}`,
          fsync,
          value: seed.jobsPerSec,
          unit: 'jobs/s',
          baseline: bareBaseline,
          target: `>= ${LIFECYCLE_RATIO_TARGET}`,
          detail: `${medianOf}; ${jobLatency(seed)}; claim-next (the rows above) does ${(claimNext.jobsPerSec / seed.jobsPerSec).toFixed(2)}x of it`,
        },
        (ratio) => ratio >= LIFECYCLE_RATIO_TARGET,
      ),
    ),
    row(
      {
        figure: `POST /v1/jobs, ${load}, ${jobs} finished jobs`,
        value: post.full.perSec,
        unit: 'req/s',
        baseline: {name: 'empty store', value: post.empty.perSec, unit: 'req/s'},
        target: `>= ${HISTORY_RATIO_TARGET}, p99 < ${P99_TARGET_MS} ms`,
        detail: `${medianOf}; ${latency(post.full)}`,
      },
      (ratio) => ratio >= HISTORY_RATIO_TARGET && post.full.p99Ms < P99_TARGET_MS,
    ),
    row(
      {
        figure: `full lifecycle, ${crowd}, ${jobs} finished jobs`,
        value: lifecycle.full.jobsPerSec,
        unit: 'jobs/s',
        baseline: {name: 'empty store', value: lifecycle.empty.jobsPerSec, unit: 'jobs/s'},
        target: `>= ${HISTORY_RATIO_TARGET}`,
        detail: `${medianOf}; ${jobLatency(lifecycle.full)}`,
      },
      (ratio) => ratio >= HISTORY_RATIO_TARGET,
    ),
  ]
}

/** Starts the servers, runs `use`, and stops every server that started, whatever happens. */
async function withServers<T>(starting: Promise<RunningServer>[], use: (servers: RunningServer[]) => Promise<T>): Promise<T> {
  const started = await Promise.allSettled(starting)
  const servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  try {
    const failed = started.find((result) => result.status === 'rejected')
    if (failed) throw (failed as PromiseRejectedResult).reason
    return await use(servers)
  } finally {
    await Promise.all(servers.map((server) => server.stop()))
  }
}

function medianLoad(results: LoadResult[]): LoadResult {
  return {perSec: median(results.map((r) => r.perSec)), p50Ms: median(results.map((r) => r.p50Ms)), p99Ms: median(results.map((r) => r.p99Ms))}
}

function medianLifecycle(results: LifecycleResult[]): LifecycleResult {
  return {jobsPerSec: median(results.map((r) => r.jobsPerSec)), jobs: median(results.map((r) => r.jobs)), p50Ms: median(results.map((r) => r.p50Ms))}
}
