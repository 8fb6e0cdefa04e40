// Where the coordinator's time goes under the full lifecycle load: `aitbc serve` runs with --cpu-prof
// (fsync on, or --fsync off) while the bench's lifecycle load runs against it; the profile is then
// summed by self time, per source file and per function, with idle time (waiting for syncs and for the
// network) on its own line. Functions in the bundle (dist/chunks) are named by the source file esbuild
// took them from. The coordinator's and this process's (the load's) CPU time per job are read from the
// kernel, which sampling under a loaded machine overstates. Not a row of the table: a tool for
// explaining one.
//
//   npm run build && node --import tsx bench/profile-lifecycle.ts [--seconds 10] [--fsync off] [--top 25] [--profile off] [--keep FILE.cpuprofile] [--syscalls on]
//   [--compare OTHER/bin/run.js [--rounds 3]] [--perf FILE.data]
//
// With --profile off the coordinator runs without the profiler (which costs it CPU of its own) and
// only the CPU times per job are printed. With --syscalls on, `perf stat` counts the coordinator's
// system calls per job (its fdatasyncs per job are the flushes that group commit could not share).
// With --compare, this tree's build and another (a checkout of main, built) run side by side, unprofiled:
// each is warmed up by one load, then they take turns under it for --rounds rounds, and the medians of
// their CPU per job are printed. On a shared machine only figures taken side by side compare.
import {readFileSync} from 'node:fs'
import {spawn} from 'node:child_process'
import {copyFile, mkdtemp, readdir, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {lifecycleLoad} from './lib/lifecycle-load.js'
import {startServer} from './lib/processes.js'
import {AITBC_BIN, createDataDir} from './lib/servers.js'

interface ProfileNode {
  id: number
  callFrame: {functionName: string; url: string; lineNumber: number}
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const argument = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`)
  return at === -1 ? fallback : process.argv[at + 1]
}
const seconds = Number(argument('seconds', '10'))
const fsync = argument('fsync', 'on')
const top = Number(argument('top', '25'))
const profiling = argument('profile', 'on') !== 'off'
/** Where to keep the .cpuprofile (for Chrome DevTools), if anywhere. */
const keep = argument('keep', '')
const syscalls = argument('syscalls', 'off') === 'on'
/** With --perf FILE, `perf record` samples the coordinator on the CPU (user and kernel, JIT code named) into FILE. */
const perfFile = argument('perf', '')
/** Another build's bin/run.js to compare with, round by round (no profiler then). */
const compare = argument('compare', '')
const rounds = Number(argument('rounds', '3'))
/** The system calls counted with --syscalls on. */
const COUNTED = ['fdatasync', 'writev', 'write', 'pwrite64', 'read', 'pread64', 'epoll_pwait', 'futex']

/** For each bundle file, the lines where esbuild's `// src/x.ts` (or node_modules/...) comments start a module. */
const modulesOf = new Map<string, Array<{line: number; source: string}>>()

interface Run {
  jobs: number
  jobsPerSec: number
  p50Ms: number
  /** CPU milliseconds (user + system) of the coordinator and of this process (the load) during the load. */
  serverMs: number
  loadMs: number
  wallMs: number
  counts?: Map<string, number>
}

/** A coordinator on a fresh data directory; with `profiles`, profiled into that directory. */
async function startCoordinator(bin: string, dir: string, profiles?: string) {
  const dataDir = await createDataDir(path.join(dir, 'data'), 0)
  const uncapped = ['--max-pending-per-client', '100000000', '--max-queued-prompt-bytes', '64gb']
  const profiler = profiles ? ['--cpu-prof', '--cpu-prof-dir', profiles] : []
  if (perfFile) profiler.push('--perf-basic-prof-only-functions', '--interpreted-frames-native-stack')
  const server = await startServer(process.execPath, [...profiler, bin, 'serve', '--data-dir', dataDir.dir, '--port', '0', '--fsync', fsync, ...uncapped])
  return {server, keys: dataDir.keys}
}

/** The load once against a running coordinator, with what it cost each side. */
async function measure({server, keys}: Awaited<ReturnType<typeof startCoordinator>>, loadSeconds = seconds): Promise<Run> {
  const counting = syscalls ? countSyscalls(server.child.pid!) : undefined
  const recording = perfFile ? perfRecord(server.child.pid!, perfFile) : undefined
  const serverBefore = cpuMsOf(server.child.pid!)
  const loadBefore = process.cpuUsage()
  const wallBefore = performance.now()
  const result = await lifecycleLoad(server.url, keys, {clients: 16, miners: 4, seconds: loadSeconds})
  const wallMs = performance.now() - wallBefore
  const serverMs = cpuMsOf(server.child.pid!) - serverBefore
  const load = process.cpuUsage(loadBefore)
  const counts = await counting?.()
  await recording?.()
  return {jobs: result.jobs, jobsPerSec: result.jobsPerSec, p50Ms: result.p50Ms, serverMs, loadMs: (load.user + load.system) / 1000, wallMs, counts}
}

function report(label: string, result: Run): void {
  console.log(`${label}lifecycle, fsync ${fsync}, ${seconds} s: ${result.jobsPerSec.toFixed(1)} jobs/s (${result.jobs} jobs), p50 ${result.p50Ms.toFixed(1)} ms`)
  const perJob = (ms: number) => `${(ms / result.jobs).toFixed(3)} ms`
  const busy = (ms: number) => `${((100 * ms) / result.wallMs).toFixed(0)}% of a core`
  console.log(`${label}CPU per job (user + system): coordinator ${perJob(result.serverMs)} (${busy(result.serverMs)}), load generator ${perJob(result.loadMs)} (${busy(result.loadMs)})`)
  const {counts} = result
  if (counts) console.log(`${label}system calls per job: ${COUNTED.map((name) => `${name} ${((counts.get(name) ?? 0) / result.jobs).toFixed(2)}`).join(', ')}`)
}

const work = await mkdtemp(path.join(tmpdir(), 'aitbc-profile-'))
try {
  if (compare) {
    // Side by side: both coordinators run at once, each warmed up by one load first (a cold one spends
    // its first seconds compiling), then take turns (the order flips each round), so a machine that gets
    // busier or quieter during the comparison weighs on both alike.
    const builds = [
      {label: 'this tree', bin: AITBC_BIN, runs: [] as Run[]},
      {label: compare, bin: compare, runs: [] as Run[]},
    ]
    const coordinators = await Promise.all(builds.map((build, i) => startCoordinator(build.bin, path.join(work, String(i)))))
    try {
      for (const coordinator of coordinators) await measure(coordinator)
      for (let round = 0; round < rounds; round++) {
        for (const i of round % 2 ? [1, 0] : [0, 1]) {
          const result = await measure(coordinators[i])
          builds[i].runs.push(result)
          report(`[${builds[i].label}, round ${round + 1}] `, result)
        }
      }
    } finally {
      await Promise.all(coordinators.map(({server}) => server.stop()))
    }
    for (const {label, runs} of builds) {
      const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]
      const cpu = median(runs.map((result) => result.serverMs / result.jobs))
      const rate = median(runs.map((result) => result.jobsPerSec))
      console.log(`${label}: median of ${runs.length}: coordinator ${cpu.toFixed(3)} ms of CPU per job, ${rate.toFixed(1)} jobs/s`)
    }
  } else {
    const profiles = path.join(work, 'profiles')
    const coordinator = await startCoordinator(AITBC_BIN, work, profiling ? profiles : undefined)
    let result: Run
    try {
      result = await measure(coordinator)
    } finally {
      await coordinator.server.stop()
    }
    report('', result)
    if (profiling) {
      const [file] = await readdir(profiles)
      if (keep) await copyFile(path.join(profiles, file), keep)
      summarise(JSON.parse(await readFile(path.join(profiles, file), 'utf8')) as Profile, result.jobs)
    }
  }
} finally {
  await rm(work, {recursive: true, force: true})
}

function summarise(profile: Profile, jobs: number): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const byFile = new Map<string, number>()
  const byFunction = new Map<string, number>()
  let total = 0
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0
    total += micros
    const {functionName, url, lineNumber} = byId.get(id)!.callFrame
    const where = url ? sourceOf(url, lineNumber) : `(${functionName})`
    byFile.set(where, (byFile.get(where) ?? 0) + micros)
    const name = `${functionName || '(anonymous)'} ${where}${url && where !== shortUrl(url) ? ` (${shortUrl(url)}:${lineNumber + 1})` : `:${lineNumber + 1}`}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros)
  })
  const busy = total - (byFile.get('(idle)') ?? 0)
  console.log(`profiled ${(total / 1e6).toFixed(1)} s; busy ${(busy / 1e6).toFixed(1)} s = ${(busy / jobs / 1000).toFixed(3)} ms of CPU per job`)
  const show = (title: string, table: Map<string, number>) => {
    console.log(`\n${title}`)
    for (const [name, micros] of [...table].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${((100 * micros) / total).toFixed(1).padStart(5)}%  ${name}`)
    }
  }
  show('self time by file', byFile)
  show('self time by function', byFunction)
}

/**
 * Starts counting the process's system calls (all its threads) with `perf stat`; the function it returns
 * stops the count (perf prints on SIGINT) and gives the counts by call.
 */
function countSyscalls(pid: number): () => Promise<Map<string, number>> {
  const events = COUNTED.map((name) => `syscalls:sys_enter_${name}`).join(',')
  let output = ''
  const stop = attachPerf(['stat', '-x', ',', '-e', events, '-p', String(pid)], 'pipe', (chunk) => (output += chunk))
  return async () => {
    await stop()
    const counts = new Map<string, number>()
    for (const line of output.split('\n')) {
      const [count, , event] = line.split(',')
      const name = event?.replace('syscalls:sys_enter_', '')
      if (name && COUNTED.includes(name)) counts.set(name, Number(count))
    }
    if (!counts.size) throw new Error(`perf stat counted nothing: ${output.trim()}`)
    return counts
  }
}

/**
 * Samples the process on the CPU (time it waits, preempted or idle, is not sampled, unlike the V8
 * profiler's) with call graphs, until the function it returns is called; `perf report -i FILE` reads it.
 */
function perfRecord(pid: number, file: string): () => Promise<void> {
  return attachPerf(['record', '-e', 'cpu-clock', '-F', '2000', '-g', '-p', String(pid), '-o', file], 'inherit')
}

/** Runs `perf ARGS` until the function it returns is called: perf stops on SIGINT, writing what it has. */
function attachPerf(args: string[], stderr: 'pipe' | 'inherit', onStderr?: (chunk: string) => void): () => Promise<void> {
  const perf = spawn('perf', args, {stdio: ['ignore', 'ignore', stderr]})
  if (onStderr) perf.stderr?.setEncoding('utf8').on('data', onStderr)
  const exited = new Promise<void>((resolve, reject) => {
    perf.on('error', reject)
    perf.on('close', () => resolve())
  })
  return async () => {
    perf.kill('SIGINT')
    await exited
  }
}

/** User and system CPU milliseconds a process has used (Linux: /proc/PID/stat, in clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may hold spaces), counted from field 3: utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** The source file a bundle's line came from, else the file itself. */
function sourceOf(url: string, lineNumber: number): string {
  const file = shortUrl(url)
  if (!file.startsWith('dist/chunks/') && !file.startsWith('dist/commands/')) return file
  let modules = modulesOf.get(url)
  if (!modules) {
    modules = []
    for (const [i, line] of readFileSync(new URL(url), 'utf8').split('\n').entries()) {
      const match = /^\/\/ ((?:src|node_modules)\/\S+)$/.exec(line)
      if (match) modules.push({line: i, source: match[1].replace(/^node_modules\//, '')})
    }
    modulesOf.set(url, modules)
  }
  let source = file
  for (const module of modules) {
    if (module.line > lineNumber) break
    source = module.source
  }
  return source
}

/** node_modules/koa/lib/x.js and dist/server/y.js rather than whole file URLs. */
function shortUrl(url: string): string {
  const at = url.lastIndexOf('node_modules/')
  if (at !== -1) return url.slice(at + 'node_modules/'.length)
  const dist = url.indexOf('/dist/')
  return dist !== -1 ? url.slice(dist + 1) : url.replace(/^file:\/\//, '')
}
