// Where the coordinator's time goes under the full lifecycle load: `aitbc serve` runs with --cpu-prof
// (fsync on, or --fsync off) while the bench's lifecycle load runs against it; the profile is then
// summed by self time, per source file and per function, with idle time (waiting for syncs and for the
// network) on its own line. Functions in the bundle (dist/chunks) are named by the source file esbuild
// took them from. The coordinator's and this process's (the load's) CPU time per job are read from the
// kernel, which sampling under a loaded machine overstates. Not a row of the table: a tool for
// explaining one.
//
//   npm run build && node --import tsx bench/profile-lifecycle.ts [--seconds 10] [--fsync off] [--top 25] [--profile off] [--keep FILE.cpuprofile]
//
// With --profile off the coordinator runs without the profiler (which costs it CPU of its own) and
// only the CPU times per job are printed.
import {readFileSync} from 'node:fs'
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

/** For each bundle file, the lines where esbuild's `// src/x.ts` (or node_modules/...) comments start a module. */
const modulesOf = new Map<string, Array<{line: number; source: string}>>()

const work = await mkdtemp(path.join(tmpdir(), 'aitbc-profile-'))
try {
  const dataDir = await createDataDir(path.join(work, 'data'), 0)
  const profiles = path.join(work, 'profiles')
  const uncapped = ['--max-pending-per-client', '100000000', '--max-queued-prompt-bytes', '64gb']
  const profiler = profiling ? ['--cpu-prof', '--cpu-prof-dir', profiles] : []
  const server = await startServer(process.execPath, [...profiler, AITBC_BIN, 'serve', '--data-dir', dataDir.dir, '--port', '0', '--fsync', fsync, ...uncapped])
  const serverBefore = cpuMsOf(server.child.pid!)
  const loadBefore = process.cpuUsage()
  const result = await lifecycleLoad(server.url, dataDir.keys, {clients: 16, miners: 4, seconds})
  const serverMs = cpuMsOf(server.child.pid!) - serverBefore
  const load = process.cpuUsage(loadBefore)
  await server.stop()
  console.log(`lifecycle, fsync ${fsync}, ${seconds} s: ${result.jobsPerSec.toFixed(1)} jobs/s (${result.jobs} jobs)`)
  const perJob = (ms: number) => `${(ms / result.jobs).toFixed(3)} ms`
  console.log(`CPU per job (user + system): coordinator ${perJob(serverMs)}, load generator ${perJob((load.user + load.system) / 1000)}`)
  if (profiling) {
    const [file] = await readdir(profiles)
    if (keep) await copyFile(path.join(profiles, file), keep)
    summarise(JSON.parse(await readFile(path.join(profiles, file), 'utf8')) as Profile, result.jobs)
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
