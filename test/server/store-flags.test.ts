// The store's intervals and sizes have flags: --write-retry (how soon a failed write is tried again),
// --flush-log-bytes (when the flush log is checkpointed) and --lock-wait (how long a refused start
// waits for the data directory's holder to say its pid). Each shows its default in --help, refuses a
// bad value with a clear error, and reaches what it sets.
import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, it} from 'node:test'

import {ASK_HOLDER_MS, lockName} from '../../src/server/data-dir-lock.js'
import {SERVE_DEFAULTS, storeStartFromFlags} from '../../src/server/serve-flags.js'
import {CHECKPOINT_BYTES, RETRY_WRITE_MS} from '../../src/server/store/lowdb-store.js'
import {runCommand} from '../helpers/run-command.js'
import {assertBuilt, refusedRun, spawnCli} from './serve-process.js'

let root: string
before(async () => {
  assertBuilt()
  root = await mkdtemp(path.join(tmpdir(), 'aitbc-store-flags-'))
})
after(() => root && rm(root, {recursive: true, force: true}))

it('serve --help shows the three flags with their defaults', async () => {
  const help = spawnCli(['serve', '--help'])
  assert.equal(await help.exited, 0, help.stderr())
  const text = help.stdout().replaceAll(/\s+/g, ' ')
  assert.match(text, /--write-retry=<value>.*\[default: 2\]/)
  assert.match(text, /--flush-log-bytes=<value>.*\[default: 8mb\]/)
  assert.match(text, /--lock-wait=<value>.*\[default: 2\]/)
})

// In-process: a bad value is a parsing error, which stops the command before its run (and its
// process-wide settings) begins; the exit code and message are the binary's (the base command's path).
it('a bad value is refused with a message naming it, before anything starts', async () => {
  for (const args of [['--write-retry', '0'], ['--write-retry', 'soon'], ['--flush-log-bytes', 'lots'], ['--lock-wait', '-1']]) {
    const serve = await runCommand(['serve', '--data-dir', path.join(root, 'never'), '--port', '0', ...args])
    assert.equal(serve.code, 2, `${args.join(' ')}: ${serve.stderr}`)
    assert.ok(serve.stderr.includes(args[1]) || serve.stderr.includes(args[0]), `${args.join(' ')}: ${serve.stderr}`)
    assert.doesNotMatch(serve.stdout, /listening/)
  }
  assert.equal(existsSync(path.join(root, 'never')), false, 'nothing was created')
})

it('the flags reach the store and the lock; the defaults, where none is given, are the store\'s', () => {
  assert.deepEqual(storeStartFromFlags({'write-retry': 0.5, 'flush-log-bytes': '1mb', 'lock-wait': 3, fsync: 'off'}), {store: {retryWriteMs: 500, checkpointBytes: 1024 * 1024}, lockWaitMs: 3000, fsync: false})
  assert.deepEqual(storeStartFromFlags({}), {store: {retryWriteMs: RETRY_WRITE_MS, checkpointBytes: CHECKPOINT_BYTES}, lockWaitMs: ASK_HOLDER_MS, fsync: true})
  assert.equal(SERVE_DEFAULTS.lockWait * 1000, ASK_HOLDER_MS)
})

// A coordinator on PostgreSQL has no data directory store to tune: these flags would be ignored, so
// they are refused, before any connection (the URL leads nowhere).
it('with --database, the data directory store\'s flags are refused, saying why', async () => {
  const database = 'postgres://nobody@127.0.0.1:1/none'
  for (const args of [['serve', '--fsync', 'off'], ['serve', '--write-retry', '1', '--lock-wait', '1'], ['serve', '--flush-log-bytes', '1mb'], ['serve', 'init', '--lock-wait', '1']]) {
    const flags = args.filter((arg) => arg.startsWith('--'))
    const run = await refusedRun([...args, '--database', database, ...(args[1] === 'init' ? [] : ['--port', '0'])])
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`)
    assert.match(run.stderr.replaceAll(/\s+/g, ' '), new RegExp(`${flags.join(', ')} (is|are) for (the data directory's own store|a data directory); a coordinator on --database \\(PostgreSQL\\)`), args.join(' '))
    assert.doesNotMatch(run.stderr, /ECONNREFUSED|nobody/)
  }
})

it('--lock-wait: a holder that does not say its pid is waited for that long, and the refusal says so', async () => {
  const dir = path.join(root, 'held')
  // A holder that takes the lock and never answers.
  const silent = createServer(() => undefined)
  const socketName = await lockName(dir)
  await new Promise<void>((resolve) => silent.listen({path: socketName}, resolve))
  try {
    const serve = await refusedRun(['serve', '--data-dir', dir, '--port', '0', '--lock-wait', '1'])
    assert.equal(serve.code, 1, serve.stderr)
    assert.match(serve.stderr, /is in use by another process \(it did not say its pid within 1 s, --lock-wait\)/)
  } finally {
    silent.close()
  }
})
