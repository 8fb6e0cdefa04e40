// The runner under test/run-suite.mjs: `node --enable-source-maps test/helpers/run-files.mjs CONCURRENCY
// TIMINGS FILE...` runs the (compiled) files with node's test runner, starting them in the order given
// (`node --test` sorts them by path), each in its own process with this one's node options, and reports
// as `node --test` does (spec on a terminal, TAP otherwise). Exit code 1 when a test failed.
// TIMINGS: a JSON file of seconds per test file (its top-level tests and hooks, from the last run that
// ran it), updated at the end of the run for the files that passed; run-suite.mjs orders the next run by it.
import {readFileSync, renameSync, writeFileSync} from 'node:fs'
import {run} from 'node:test'
import {spec, tap} from 'node:test/reporters'

// A file still running after this is killed and reported as timed out, naming it: a file whose test
// leaves a handle open never ends on its own, and would hold the whole run (and CI) until killed.
const FILE_TIMEOUT_MS = 10 * 60_000

const [concurrency, timingsFile, ...files] = process.argv.slice(2)
const stream = run({files, concurrency: Number(concurrency), timeout: FILE_TIMEOUT_MS})
/** Milliseconds of top-level tests per file (as the event names it), and the files with a failure. */
const spent = new Map()
const failed = new Set()
const count = (event) => {
  if (event.nesting === 0 && event.file) spent.set(event.file, (spent.get(event.file) ?? 0) + (event.details?.duration_ms ?? 0))
}
stream.on('test:pass', count)
stream.on('test:fail', (event) => {
  if (!event.todo) process.exitCode = 1
  if (event.file) failed.add(event.file)
  count(event)
})
stream.on('end', () => {
  // A file that failed may have stopped early: its old figure stays.
  const passed = [...spent].filter(([file]) => !failed.has(file))
  if (timingsFile === '-' || passed.length === 0) return
  let timings = {}
  try {
    timings = JSON.parse(readFileSync(timingsFile, 'utf8'))
  } catch {
    // None yet, or unreadable: start afresh.
  }
  for (const [file, ms] of passed) timings[file] = Math.round(ms) / 1000
  // Written whole, then moved into place: a second run in the same checkout reads one or the other.
  writeFileSync(`${timingsFile}.${process.pid}`, `${JSON.stringify(timings, null, 1)}\n`)
  renameSync(`${timingsFile}.${process.pid}`, timingsFile)
})
stream.compose(process.stdout.isTTY ? new spec() : tap).pipe(process.stdout)
