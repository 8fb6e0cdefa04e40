// The miner's limits have flags, shared by `miner run` and `miner doctor`: --backend-list-timeout (how
// long an HTTP backend may take to list its models) and --probe-timeout (how long a command backend's
// test prompt may run). Each shows its default in help, refuses a bad value (exit 2), and, when hit,
// says which flag raises it. `miner doctor` runs in-process against a coordinator that is not there
// (its own check fails at once; the backend's is the one looked at).
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {MAX_TIMER_SECONDS} from '../../src/protocol/timers.js'
import {DEFAULT_LIST_TIMEOUT_MS, DEFAULT_PROBE_TIMEOUT_MS} from '../../src/miner/backends/backend.js'
import {helpText} from '../helpers/help-text.js'
import {freePort} from '../helpers/ports.js'
import {runCommand} from '../helpers/run-command.js'
import {startHostileServer} from '../hostile/hostile-server.js'

const doctor = async (args: string[]) =>
  runCommand(['miner', 'doctor', '--miner-id', 'limits-1', ...args], {env: {AITBC_URL: `http://127.0.0.1:${await freePort()}`, AITBC_API_KEY: 'aitbc_not-a-real-key-000000'}})

const backendLine = (stdout: string) => stdout.split('\n').find((line) => line.slice(6).startsWith('backend')) ?? assert.fail(stdout)

describe('the miner\'s limit flags', () => {
  for (const command of ['miner run', 'miner doctor']) {
    it(`${command} --help shows them with their defaults`, async () => {
      const help = await helpText(command.replace(' ', ':'))
      assert.match(help, new RegExp(`--backend-list-timeout=<value> .*\\[default: ${DEFAULT_LIST_TIMEOUT_MS / 1000}\\]`))
      assert.match(help, new RegExp(`--probe-timeout=<value> .*\\[default: ${DEFAULT_PROBE_TIMEOUT_MS / 1000}\\]`))
    })
  }

  for (const [flag, value] of [
    ['--backend-list-timeout', '0'],
    ['--backend-list-timeout', 'soon'],
    ['--probe-timeout', '-1'],
    ['--probe-timeout', ''],
    ['--probe-timeout', String(MAX_TIMER_SECONDS + 1)],
  ]) {
    it(`${flag} '${value}': exit 2 naming what is expected`, async () => {
      const result = await doctor(['--backend', flag === '--probe-timeout' ? 'command' : 'ollama', flag, value])
      assert.equal(result.code, 2, result.stdout + result.stderr)
      assert.match(result.stderr, new RegExp(`${flag}\\s+Expected a number greater than 0 and at most ${MAX_TIMER_SECONDS} but received: ${value}`))
    })
  }

  it('a backend that does not list its models within --backend-list-timeout fails the check, naming the flag', async () => {
    const silent = await startHostileServer(() => 'silent')
    try {
      const started = performance.now()
      const result = await doctor(['--backend', 'openai', '--backend-url', silent.url, '--backend-list-timeout', '0.2'])
      const seconds = (performance.now() - started) / 1000
      assert.equal(result.code, 1)
      assert.equal(backendLine(result.stdout), `FAIL  backend      OpenAI-compatible server at ${silent.url} did not answer within 0.2 s (--backend-list-timeout raises the limit)`)
      assert.ok(seconds < 5, `took ${seconds} s`)
    } finally {
      await silent.close()
    }
  })

  it('a command whose test prompt runs past --probe-timeout fails the check, naming the flag', async () => {
    const result = await doctor(['--command', 'sleep 30', '--model', 'm', '--probe-timeout', '0.2'])
    assert.equal(result.code, 1)
    assert.equal(backendLine(result.stdout), 'FAIL  backend      `sleep 30` failed a test prompt: did not finish within 0.2 s (--probe-timeout raises the limit)')
  })
})
