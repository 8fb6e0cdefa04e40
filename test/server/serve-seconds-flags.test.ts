// Every flag of `aitbc serve` (and `serve init`) in seconds refuses more than a Node timer can wait
// (MAX_TIMER_SECONDS): a longer timer fires at once (a --block-interval of 30 days would seal every
// millisecond, a --keep-alive-timeout of 30 days warns and is cut short). The refusal is a parsing
// error (exit 2) naming the flag and the maximum, before anything starts; the maximum itself passes.
import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'

import Serve from '../../src/commands/serve/index.js'
import ServeInit from '../../src/commands/serve/init.js'
import {withReplicaDefaults} from '../../src/cli/database-flags.js'
import {MAX_TIMER_SECONDS} from '../../src/protocol/timers.js'
import {refusedRun} from './serve-process.js'

const SECONDS_FLAGS = {
  serve: [
    'lease-seconds', 'block-interval', 'headers-timeout', 'request-timeout', 'keep-alive-timeout', 'pending-ttl',
    'miner-failure-window', 'miner-cooldown', 'send-timeout', 'write-retry', 'lock-wait', 'gateway-timeout',
    'leader-retry', 'leader-lease', 'db-transaction-idle',
  ],
  'serve init': ['lock-wait'],
}

type FlagTable = Record<string, {summary?: string; parse?: (input: string, context: unknown, options: unknown) => Promise<unknown>}>
const commands: Record<keyof typeof SECONDS_FLAGS, FlagTable> = {serve: Serve.flags as FlagTable, 'serve init': ServeInit.flags as FlagTable}

describe('serve flags in seconds', () => {
  for (const [command, names] of Object.entries(SECONDS_FLAGS) as [keyof typeof SECONDS_FLAGS, string[]][]) {
    const flags = commands[command]

    it(`${command}: the list here is every flag whose summary speaks of seconds`, () => {
      const inSeconds = Object.keys(flags).filter((name) => /\bseconds\b/i.test(flags[name].summary ?? ''))
      assert.deepEqual([...inSeconds].sort(), [...names].sort())
    })

    it(`${command}: each takes ${MAX_TIMER_SECONDS} s, the most a timer can wait`, async () => {
      for (const name of names) assert.equal(await flags[name].parse?.(String(MAX_TIMER_SECONDS), {}, {}), MAX_TIMER_SECONDS, name)
    })

    for (const name of names) {
      it(`${command} --${name} 3000000 (past ${MAX_TIMER_SECONDS}): exit 2 naming the flag and the maximum, nothing created`, async () => {
        const dir = path.join(tmpdir(), `aitbc-never-${process.pid}-${name}`)
        // refusedRun stops, and fails, a run that starts serving instead.
        const result = await refusedRun([...command.split(' '), '--data-dir', dir, ...(command === 'serve' ? ['--port', '0'] : []), `--${name}`, '3000000'])
        assert.equal(result.code, 2, result.stderr)
        assert.match(result.stderr, new RegExp(`--${name}\\s+Expected a number greater than 0 and at most ${MAX_TIMER_SECONDS} but received: 3000000`))
        assert.equal(existsSync(dir), false)
      })
    }
  }
})

// The replica flags mean something only with --database (or AITBC_DATABASE_URL): without it they would
// be ignored, so they are refused; their defaults still show in help and reach the store.
describe('serve flags of a replica', () => {
  for (const [name, value] of [['leader-retry', '2'], ['leader-lease', '2'], ['db-transaction-idle', '2'], ['db-pool-size', '3'], ['key-file', 'key.pem']]) {
    it(`serve --${name} without --database: exit 2 saying it needs --database, nothing created`, async () => {
      const dir = path.join(tmpdir(), `aitbc-never-${process.pid}-${name}`)
      const result = await refusedRun(['serve', '--data-dir', dir, '--port', '0', `--${name}`, value])
      assert.equal(result.code, 2, result.stderr)
      assert.match(result.stderr.replaceAll(/\s+/g, ' '), new RegExp(`--${name}.*--database|--database.*--${name}`))
      assert.equal(existsSync(dir), false)
    })
  }

  it('the defaults show in help and fill in what was not given', () => {
    const flags = commands.serve
    for (const [name, value] of Object.entries(withReplicaDefaults({}))) assert.match(flags[name].summary ?? '', new RegExp(`\\[default: ${value}\\]\\.$`), name)
    assert.deepEqual(withReplicaDefaults({'leader-retry': 0.2}), {'db-pool-size': 10, 'leader-retry': 0.2, 'leader-lease': 5, 'db-transaction-idle': 10})
  })
})
