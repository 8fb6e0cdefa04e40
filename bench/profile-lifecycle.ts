// Where the coordinator's time goes under the full lifecycle load: `aitbc serve` runs with --cpu-prof
// (fsync on, or --fsync off) while the bench's lifecycle load runs against it; the profile is then
// summed by self time, per source file and per function, with idle time (waiting for syncs and for the
// network) on its own line. Not a row of the table: a tool for explaining one.
//
//   npm run build && node --import tsx bench/profile-lifecycle.ts [--seconds 10] [--fsync off] [--top 25]
import {mkdtemp, readdir, readFile, rm} from 'node:fs/promises'
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

const work = await mkdtemp(path.join(tmpdir(), 'aitbc-profile-'))
try {
  const dataDir = await createDataDir(path.join(work, 'data'), 0)
  const profiles = path.join(work, 'profiles')
  const uncapped = ['--max-pending-per-client', '100000000', '--max-queued-prompt-bytes', '64gb']
  const server = await startServer(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profiles, AITBC_BIN, 'serve', '--data-dir', dataDir.dir, '--port', '0', '--fsync', fsync, ...uncapped])
  const result = await lifecycleLoad(server.url, dataDir.keys, {clients: 16, miners: 4, seconds})
  await server.stop()
  const [file] = await readdir(profiles)
  const profile = JSON.parse(await readFile(path.join(profiles, file), 'utf8')) as Profile
  console.log(`lifecycle, fsync ${fsync}, ${seconds} s: ${result.jobsPerSec.toFixed(1)} jobs/s (${result.jobs} jobs)`)
  summarise(profile, result.jobs)
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
    const where = url ? shortUrl(url) : `(${functionName})`
    byFile.set(where, (byFile.get(where) ?? 0) + micros)
    const name = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`
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

/** node_modules/koa/lib/x.js and dist/server/y.js rather than whole file URLs. */
function shortUrl(url: string): string {
  const at = url.lastIndexOf('node_modules/')
  if (at !== -1) return url.slice(at + 'node_modules/'.length)
  const dist = url.indexOf('/dist/')
  return dist !== -1 ? url.slice(dist + 1) : url.replace(/^file:\/\//, '')
}
