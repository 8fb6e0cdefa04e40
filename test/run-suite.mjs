// `npm run test:only [-- FILES]`: runs the test files (default: every test/**/*.test.ts) with node's
// test runner, the slowest first (each in its own process), the others GROUP_SIZE to a process, then
// checks that no process the suite started is still alive. The files run as plain JavaScript from
// .test-build/, brought up to date first (scripts/build-tests.mjs: only what changed is transpiled
// again), so neither the test processes nor the ones they start pay for tsx. Every
// process started under this run inherits TEST_RUN_MARK (test helpers keep the environment, minus
// AITBC_*), so a survivor is found by its environment in /proc, named, killed, and the run fails.
import {spawn} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

import {buildTests, OUT, outputOf, ROOT} from '../scripts/build-tests.mjs'

const MARK = 'TEST_RUN_MARK'
const CONCURRENCY = 4
/**
 * Files that run in a process of their own, started first and longest first (test/helpers/run-files.mjs
 * starts them in the order given), so the run does not end with one of them still going alone while the
 * other slots sit idle. From a measured run; then the ones that must be alone whatever they take.
 */
const OWN_PROCESS = [
  'test/bench/quick.test.ts',
  'test/reliability/crash.test.ts',
  'test/reliability/crash-harness.test.ts',
  'test/reliability/limits.test.ts',
  'test/ecosystem/readme-examples.test.ts',
  'test/server/database/replicas.test.ts',
  'test/miner/graceful-restart.test.ts',
  'test/server/database/serve-database.test.ts',
  'test/server/serve-start.test.ts',
  'test/server/job-stream.test.ts',
  'test/reliability/one-writer.test.ts',
  'test/reliability/data-dir.test.ts',
  'test/server/store-flags.test.ts',
  'test/server/serve-cli.test.ts',
  'test/e2e/package.test.ts',
  'test/server/store-durability.test.ts',
  'test/server/claim-next.test.ts',
  'test/ecosystem/docs-browser.test.ts',
  // Measures its own process's memory (RSS), which other files' servers would add to.
  'test/reliability/slow-readers.test.ts',
  // Replaces globalThis.fetch for a while.
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

const given = process.argv.length > 2 ? process.argv.slice(2) : testFiles('test')
await buildTests()
const compiled = (files) => files.map((file) => outputOf(path.relative(ROOT, path.resolve(file))))
const {own, shared} = partition(given)
const mark = randomUUID()
const groupDir = path.join(OUT, 'groups', mark)
const groups = []
for (let at = 0; at < shared.length; at += GROUP_SIZE) groups.push(compiled(shared.slice(at, at + GROUP_SIZE)))
const modules = [...compiled(own), ...groups.map((group, index) => (group.length === 1 ? group[0] : groupModule(groupDir, group, index)))]
// Source maps, so a failure's stack names the .ts line: they cost little (one test file's process takes
// some 0.05 CPU-s more).
const runner = spawn(process.execPath, ['--enable-source-maps', path.join(import.meta.dirname, 'helpers', 'run-files.mjs'), String(CONCURRENCY), ...modules], {
  stdio: 'inherit',
  env: {...process.env, [MARK]: mark},
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
  if (signal) process.stderr.write(`test runner ended by ${signal}\n`)
  process.exit(exitCode)
})
