// `npm run test:only [-- FILES]`: runs the test files (default: every test/**/*.test.ts) with node's
// test runner, the slowest first (each in its own process), the others GROUP_SIZE to a process, then
// checks that no process the suite started is still alive. The processes start longest first, by the
// seconds each file took the last time it passed here (.test-build/timings.json), so that the run does
// not end with one long process going alone while the other slots sit idle. The files run as plain JavaScript from
// .test-build/, brought up to date first (scripts/build-tests.mjs: only what changed is transpiled
// again), so neither the test processes nor the ones they start pay for tsx. Every
// process started under this run inherits TEST_RUN_MARK (test helpers keep the environment, minus
// AITBC_*), so a survivor is found by its environment in /proc, named, killed, and the run fails.
// Their temporary files go under one directory (TMPDIR), removed at the end.
import {spawn} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

import {buildTests, OUT, outputOf, ROOT} from '../scripts/build-tests.mjs'

const MARK = 'TEST_RUN_MARK'
const CONCURRENCY = 4
/**
 * Files that run in a process of their own: the longest, so that they can start first, and the few that
 * must be alone whatever they take (said why). Longest first, as measured: the order of a run with no
 * timings yet (test/helpers/run-files.mjs starts them in the order given).
 */
const OWN_PROCESS = [
  // Wall seconds of each alone at load 11 (2 cores), from which the order.
  'test/ecosystem/readme-examples.test.ts', // 103
  'test/bench/quick.test.ts', // 60
  'test/e2e/package.test.ts', // 58
  // Measures its own process's memory (RSS), which other files' servers would add to. 52
  'test/reliability/slow-readers.test.ts',
  'test/server/database/replicas.test.ts', // 42
  'test/reliability/crash-harness.test.ts', // 32
  'test/miner/graceful-restart.test.ts', // 30
  'test/server/database/serve-database.test.ts', // 29
  'test/ecosystem/docs-browser.test.ts', // 29
  'test/reliability/limits.test.ts', // 27
  'test/reliability/crash.test.ts', // 26
  'test/server/serve-cli.test.ts', // 20
  'test/server/job-stream.test.ts', // 13
  // Replaces globalThis.fetch for a while. 13
  'test/e2e/exit-after-answer.test.ts',
]
/**
 * The other files share processes, this many to one (in path order, so neighbours go together): a test
 * process's start (node, the modules, a coordinator's contract and validators, oclif's config) cost
 * about as much CPU as the tests of a typical file. The files of a group load together, run their
 * tests one after another, and run their top-level before/after hooks at its start and end.
 */
const GROUP_SIZE = 8

function testFiles(dir) {
  return readdirSync(dir, {withFileTypes: true})
    .flatMap((entry) => (entry.isDirectory() ? testFiles(path.join(dir, entry.name)) : entry.name.endsWith('.test.ts') ? [path.join(dir, entry.name)] : []))
    .sort()
}

/** Processes (other than this one) whose environment carries this run's mark. */
function survivors(mark) {
  const found = []
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    if (Number(pid) === process.pid) continue
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`${MARK}=${mark}`)) continue
      found.push({pid: Number(pid), command: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()})
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found
}

/** `{own, shared}`: the files of OWN_PROCESS (in its order) and the others (in the order given). */
function partition(files) {
  const rank = (file) => OWN_PROCESS.indexOf(path.relative(ROOT, path.resolve(file)).split(path.sep).join('/'))
  const own = files.filter((file) => rank(file) !== -1).sort((a, b) => rank(a) - rank(b))
  return {own, shared: files.filter((file) => rank(file) === -1)}
}

/** A module that imports the compiled files, in `dir`; its name says which they are. */
function groupModule(dir, files, index) {
  const dirs = [...new Set(files.map((file) => path.basename(path.dirname(file))))].join('+')
  const module = path.join(dir, `${String(index + 1).padStart(2, '0')}-${dirs}.mjs`)
  mkdirSync(path.dirname(module), {recursive: true})
  writeFileSync(module, files.map((file) => `import ${JSON.stringify(pathToFileURL(file).href)}\n`).join(''))
  return module
}

/** Seconds per test file (by its absolute .ts path) from earlier runs (test/helpers/run-files.mjs writes them). */
const TIMINGS = path.join(OUT, 'timings.json')

function readTimings() {
  try {
    return JSON.parse(readFileSync(TIMINGS, 'utf8'))
  } catch {
    return {}
  }
}

/**
 * The units (a file, or a group's files) longest first by their files' last timings, so two cores stay
 * busy to the end. A file not timed yet counts as the median one. With no timings at all (a fresh
 * checkout) the order stays: OWN_PROCESS's, then the groups in path order.
 */
function longestFirst(units, timings) {
  const known = Object.values(timings).sort((a, b) => a - b)
  if (known.length === 0) return units
  const typical = known[Math.floor(known.length / 2)]
  const estimate = (unit) => unit.reduce((sum, file) => sum + (timings[file] ?? typical), 0)
  return units.map((unit, index) => ({unit, index, seconds: estimate(unit)})).sort((a, b) => b.seconds - a.seconds || a.index - b.index).map(({unit}) => unit)
}

/**
 * The environment without NODE_EXTRA_CA_CERTS, which makes every node process read and parse those
 * certificates as it starts (0.05 CPU-s with Debian's bundle of 220 KB, on each of the suite's some 350
 * node processes) for TLS that the tests never speak: their servers are on 127.0.0.1. The one test that
 * reaches the registry (npm, in test/e2e/package.test.ts) gets it back from EXTRA_CA_CERTS_FOR_NPM.
 */
function withoutExtraCertificates(env) {
  const {NODE_EXTRA_CA_CERTS: certificates, ...rest} = env
  return certificates === undefined ? rest : {...rest, EXTRA_CA_CERTS_FOR_NPM: certificates}
}

const given = process.argv.length > 2 ? process.argv.slice(2) : testFiles('test')
await buildTests()
const compiled = (files) => files.map((file) => outputOf(path.relative(ROOT, path.resolve(file))))
const {own, shared} = partition(given)
const mark = randomUUID()
const groupDir = path.join(OUT, 'groups', mark)
const groups = []
for (let at = 0; at < shared.length; at += GROUP_SIZE) groups.push(shared.slice(at, at + GROUP_SIZE))
// Timed by their .ts files (the test events' source-mapped locations), run as their compiled ones.
const units = longestFirst([...own.map((file) => [file]), ...groups].map((unit) => unit.map((file) => path.resolve(file))), readTimings()).map(compiled)
const modules = units.map((unit, index) => (unit.length === 1 ? unit[0] : groupModule(groupDir, unit, index)))
// Every temporary file a test or a process it starts makes (os.tmpdir() follows TMPDIR) goes under one
// directory, removed when the run ends: what files left behind (some 900 directories a run) would
// otherwise pile up in /tmp, run after run.
const scratch = mkdtempSync(path.join(tmpdir(), 'aitbc-test-run-'))
// Source maps, so a failure's stack names the .ts line: they cost little (one test file's process takes
// some 0.05 CPU-s more).
const runner = spawn(process.execPath, ['--enable-source-maps', path.join(import.meta.dirname, 'helpers', 'run-files.mjs'), String(CONCURRENCY), TIMINGS, ...modules], {
  stdio: 'inherit',
  env: {...withoutExtraCertificates(process.env), [MARK]: mark, TMPDIR: scratch},
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => runner.kill(signal))

runner.on('close', (code, signal) => {
  rmSync(groupDir, {recursive: true, force: true})
  let exitCode = code ?? 1
  const left = process.platform === 'linux' ? survivors(mark) : []
  if (left.length > 0) {
    process.stderr.write(`\nThe suite left ${left.length} process(es) running; killing them:\n`)
    for (const {pid, command} of left) {
      process.stderr.write(`  ${pid} ${command}\n`)
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }
    exitCode = 1
  }
  rmSync(scratch, {recursive: true, force: true})
  if (signal) process.stderr.write(`test runner ended by ${signal}\n`)
  process.exit(exitCode)
})
