// `npm run test:only [-- FILES]`: runs the test files (default: every test/**/*.test.ts) with node's
// test runner, the slowest first, then checks that no process the suite started is still alive. The files
// run as plain JavaScript from .test-build/, brought up to date first (scripts/build-tests.mjs: only what
// changed is transpiled again), so neither the test processes nor the ones they start pay for tsx. Every
// process started under this run inherits TEST_RUN_MARK (test helpers keep the environment, minus
// AITBC_*), so a survivor is found by its environment in /proc, named, killed, and the run fails.
import {spawn} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {buildTests, outputOf, ROOT} from '../scripts/build-tests.mjs'

const MARK = 'TEST_RUN_MARK'
const CONCURRENCY = 4
/**
 * The files that take longest, started first (test/helpers/run-files.mjs starts them in the order
 * given), so the run does not end with one of them still going alone while the other slots sit idle. Longest first,
 * from a measured run; a file not listed starts after these, in path order.
 */
const LONGEST_FIRST = [
  'test/reliability/crash-harness.test.ts',
  'test/reliability/slow-readers.test.ts',
  'test/ecosystem/readme-examples.test.ts',
  'test/reliability/crash.test.ts',
  'test/bench/quick.test.ts',
  'test/e2e/package.test.ts',
  'test/server/database/replicas.test.ts',
  'test/reliability/data-dir.test.ts',
  'test/miner/coordinator-restart.test.ts',
  'test/server/serve-cli.test.ts',
  'test/reliability/hostile-input.test.ts',
  'test/server/serve-start.test.ts',
  'test/server/database/migrate.test.ts',
  'test/server/store-conformance/postgres.test.ts',
]

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

/** Longest first, then the rest in the order given. */
function scheduled(files) {
  const rank = (file) => {
    const at = LONGEST_FIRST.indexOf(path.relative('.', file).split(path.sep).join('/'))
    return at === -1 ? LONGEST_FIRST.length : at
  }
  return files.map((file, order) => ({file, order})).sort((a, b) => rank(a.file) - rank(b.file) || a.order - b.order).map(({file}) => file)
}

const files = scheduled(process.argv.length > 2 ? process.argv.slice(2) : testFiles('test'))
await buildTests()
const compiled = files.map((file) => outputOf(path.relative(ROOT, path.resolve(file))))
const mark = randomUUID()
// Source maps, so a failure's stack names the .ts line: they cost little (one test file's process takes
// some 0.05 CPU-s more).
const runner = spawn(process.execPath, ['--enable-source-maps', path.join(import.meta.dirname, 'helpers', 'run-files.mjs'), String(CONCURRENCY), ...compiled], {
  stdio: 'inherit',
  env: {...process.env, [MARK]: mark},
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => runner.kill(signal))

runner.on('close', (code, signal) => {
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
