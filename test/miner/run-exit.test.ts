// How `aitbc miner run` ends when it cannot work: a one-pass run against a coordinator that is down
// gives up within its bound (exit 6), and Ctrl-C is never reported as success (exit 130).
import assert from 'node:assert/strict'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {test} from 'node:test'

import {freePort} from '../helpers/ports.js'
import {startCli} from './cli-process.js'

const minerArgs = (...more: string[]) => [
  'miner', 'run', '--miner-id', 'cron-miner', '--command', 'cat', '--model', 'm', '--state-dir', mkdtempSync(path.join(tmpdir(), 'aitbc-exit-')), ...more,
]

test('--once with the coordinator down: exit 6 after --unreachable-timeout, saying why', async () => {
  const url = `http://127.0.0.1:${await freePort()}`
  const started = performance.now()
  const miner = startCli(minerArgs('--once', '--unreachable-timeout', '1'), {AITBC_URL: url, AITBC_API_KEY: 'aitbc_unused_key_123456'}, 20_000)
  assert.equal(await miner.exited, 6, miner.stderr())
  assert.ok(performance.now() - started < 15_000, 'ends within its bound (killed after 20 s otherwise)')
  assert.match(miner.stderr(), /cannot reach the coordinator at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED; gave up after 1 s without an answer \(--unreachable-timeout\)/)
  assert.match(miner.stderr(), /Is the coordinator running/)
})

test('Ctrl-C (SIGINT) while the coordinator is down exits 130, not 0', async () => {
  const url = `http://127.0.0.1:${await freePort()}`
  const miner = startCli(minerArgs(), {AITBC_URL: url, AITBC_API_KEY: 'aitbc_unused_key_123456'}, 20_000)
  await miner.waitFor(/cannot reach the coordinator/)
  miner.child.kill('SIGINT')
  assert.equal(await miner.exited, 130, miner.stderr())
  assert.match(miner.stderr(), /stopping: taking no more jobs/)
})
