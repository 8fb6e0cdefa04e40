// The runner under test/run-suite.mjs: `node --enable-source-maps test/helpers/run-files.mjs CONCURRENCY
// FILE...` runs the (compiled) files with node's test runner, starting them in the order given (`node
// --test` sorts them by path), each in its own process with this one's node options, and reports as
// `node --test` does (spec on a terminal, TAP otherwise). Exit code 1 when a test failed.
import {run} from 'node:test'
import {spec, tap} from 'node:test/reporters'

// A file still running after this is killed and reported as timed out, naming it: a file whose test
// leaves a handle open never ends on its own, and would hold the whole run (and CI) until killed.
const FILE_TIMEOUT_MS = 10 * 60_000

const [concurrency, ...files] = process.argv.slice(2)
const stream = run({files, concurrency: Number(concurrency), timeout: FILE_TIMEOUT_MS})
stream.on('test:fail', (event) => {
  if (!event.todo) process.exitCode = 1
})
stream.compose(process.stdout.isTTY ? new spec() : tap).pipe(process.stdout)
