// Every request ends: against a server that never answers, one that sends headers and then nothing, and
// one that drips its answer, each command exits 6 within its request timeout plus 1 s, and a wait
// (--timeout) ends with 8 on time, while full garbage collections run 250 ms apart. The commands run
// in-process (the collections reach their timers there as well as in a process of their own).
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {startAitbc} from '../cli/aitbc.js'
import {collectGarbage} from '../helpers/gc-pressure.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {type Behaviour, type HostileServer, startHostileServer} from './hostile-server.js'

const REQUEST_TIMEOUT_S = 1

/**
 * Runs `aitbc ARGS` against `server`; the time is from the first request the server saw (of `method`)
 * until the command reported its error (the exit itself may lag on a busy machine; it must follow).
 */
async function timedRun(server: HostileServer, args: string[], env: Record<string, string> = {}, method?: string) {
  const running = startAitbc(args, {env: {AITBC_URL: server.url, AITBC_API_KEY: 'aitbc_not-a-real-key-000000', ...env}})
  await running.waitFor(/Error:/, 'stderr').catch(() => undefined)
  const ended = Date.now()
  const result = await running.result
  const first = server.seen.find((request) => !method || request.method === method)?.at ?? assert.fail(`the server saw no request\n${result.stderr}`)
  return {...result, seconds: (ended - first) / 1000}
}

const COMMANDS: [string, string[]][] = [
  ['health', ['health']],
  ['jobs get', ['jobs', 'get', 'job_01']],
  ['miner register (a POST, not repeated)', ['miner', 'register', '--miner-id', 'm-1', '--model', 'llama3.2']],
]

describe('requests end on hostile servers', {concurrency: 3}, () => {
  let stopCollecting: () => void
  before(() => void (stopCollecting = collectGarbage()))
  after(() => stopCollecting())
  for (const behaviour of ['silent', 'headers-only', 'drip'] as const) {
    for (const [name, args] of COMMANDS) {
      // A test timeout too, so that timers that never fire fail the test instead of hanging the suite.
      it(`${name} on a server that is ${behaviour}: exit 6 within the request timeout plus 1 s`, {timeout: 60_000}, async () => {
        const server = await startHostileServer((): Behaviour => behaviour)
        try {
          const result = await timedRun(server, args, {AITBC_REQUEST_TIMEOUT: String(REQUEST_TIMEOUT_S)})
          assert.equal(result.code, 6, `${result.stdout}\n${result.stderr}`)
          assert.ok(result.seconds <= REQUEST_TIMEOUT_S + 1, `took ${result.seconds} s`)
          assert.match(result.stderr, /--request-timeout/)
        } finally {
          await server.close()
        }
      })
    }
  }
})

describe('a wait ends on time when the coordinator stops answering', () => {
  let coordinator: TestServer
  let stopCollecting: () => void
  before(async () => {
    coordinator = await startTestServer()
    stopCollecting = collectGarbage()
  })
  after(async () => {
    stopCollecting()
    await coordinator.close()
  })

  it('jobs submit --wait --timeout 1: exit 8 within 2 s of the first look at the job, with the default request timeout', async () => {
    // The submit reaches the coordinator; every look at the job after it hangs.
    const proxy = await startHostileServer((request) => (request.method === 'POST' ? 'forward' : 'silent'), coordinator.url)
    try {
      const result = await timedRun(proxy, ['jobs', 'submit', '--wait', '--timeout', '1', 'Say hi'], {AITBC_API_KEY: coordinator.clientKey}, 'GET')
      assert.equal(result.code, 8, `${result.stdout}\n${result.stderr}`)
      assert.ok(result.seconds <= 2, `took ${result.seconds} s`)
      assert.match(result.stderr, /Timed out after 1 s/)
    } finally {
      await proxy.close()
    }
  })
})
