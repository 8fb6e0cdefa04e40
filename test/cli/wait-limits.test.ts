// --timeout and --unreachable-timeout are promises whatever the coordinator does: `jobs watch` (plain and
// --stream) and `jobs submit --wait` against a coordinator that went after answering (its connections
// cut) or that accepts and never answers end with exit 8 when --timeout passes first, saying the
// coordinator was not answering, and with exit 6 when --unreachable-timeout passes first. One that is
// down from the start (a real one, closed: a wrong --url) fails the wait at once, as any command.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {type Behaviour, type HostileServer, startHostileServer} from '../hostile/hostile-server.js'
import {freePort} from '../helpers/ports.js'
import {aitbc, assertExit} from './aitbc.js'
import {Coordinator} from './coordinator.js'

/** A loaded machine's slack on top of a limit (a whole suite beside two others); the bugs this guards against took 30 and 60 s. */
const SLACK_S = 2.5

/**
 * Runs `aitbc ARGS`. `seconds` is from the first look at the job `server` saw (or from the start), for
 * upper bounds; `total` from the start, for lower bounds: on a busy machine the look reaches the server
 * a while after the command sent it, and its limit started counting then.
 */
async function timed(args: string[], env: Record<string, string>, server?: HostileServer) {
  const started = Date.now()
  const result = await aitbc(args, {env})
  const ended = Date.now()
  const first = server ? (server.seen.find((request) => request.method === 'GET')?.at ?? assert.fail(`no look at the job\n${result.stderr}`)) : started
  return {...result, seconds: (ended - first) / 1000, total: (ended - started) / 1000}
}

describe('waiting for a job while the coordinator does not answer', {concurrency: true}, () => {
  let live: Coordinator
  /** The URL and keys of a coordinator that was closed: every connection is refused. */
  let down: Record<string, string>
  let downJob: string
  before(async () => {
    live = await Coordinator.start()
    const gone = await Coordinator.start()
    downJob = (await gone.submit('nobody serves this', {model: 'absent-model'})).job_id
    await gone.close()
    // Not its own port, which the OS may hand to another test's server: one that no listener will get.
    down = {...gone.env(), AITBC_URL: `http://127.0.0.1:${await freePort()}`}
  })
  after(() => live.close())

  /** A server in front of `live` that passes on the first `passed` requests, then answers none. */
  async function fallingSilent(passed: number, t: {after: (fn: () => Promise<void>) => void}): Promise<HostileServer> {
    let seen = 0
    const server = await startHostileServer((): Behaviour => (seen++ < passed ? 'forward' : 'silent'), live.server.url)
    t.after(() => server.close())
    return server
  }

  /**
   * A server in front of `live` that answers the first request (a look is passed on; the output stream
   * gets its headers, then its end, which the forwarding could not give), then cuts every connection.
   */
  async function fallingDown(t: {after: (fn: () => Promise<void>) => void}): Promise<HostileServer> {
    let seen = 0
    const first = ({path}: {path: string}): Behaviour => (path.endsWith('/stream') ? (_, response) => response.writeHead(200, {'content-type': 'text/event-stream'}).end() : 'forward')
    const server = await startHostileServer((request): Behaviour => (seen++ < 1 ? first(request) : (cut) => cut.socket.destroy()), live.server.url)
    t.after(() => server.close())
    return server
  }

  for (const stream of [[], ['--stream']]) {
    it(`jobs watch ${stream.join(' ')} --timeout 5, the coordinator down from the start: exit 6 at once, as any command (a wrong --url is not waited on)`, async () => {
      const result = await timed(['jobs', 'watch', downJob, '--timeout', '5', ...stream], down)
      assertExit(result, 6)
      assert.match(result.stderr, new RegExp(`cannot reach the coordinator at ${down.AITBC_URL}: ECONNREFUSED`))
      assert.ok(result.seconds < SLACK_S, `took ${result.seconds} s`)
    })

    it(`jobs watch ${stream.join(' ')} --timeout 1, the coordinator gone after answering: exit 8 on time, saying why`, async (t) => {
      const job = await live.submit('nobody serves this', {model: 'absent-model'})
      const gone = await fallingDown(t)
      const result = await timed(['jobs', 'watch', job.job_id, '--timeout', '1', ...stream], {...live.env(), AITBC_URL: gone.url}, gone)
      assertExit(result, 8)
      assert.match(result.stderr, new RegExp(`Timed out after 1 s waiting for job ${job.job_id}.*; the coordinator at ${gone.url} was not answering \\(E[A-Z]+\\)\\.`))
      assert.ok(result.seconds < 1 + SLACK_S, `took ${result.seconds} s`)
    })

    it(`jobs watch ${stream.join(' ')} --timeout 5 --unreachable-timeout 0.3, the coordinator gone after answering: exit 6 when the shorter passes`, async (t) => {
      const job = await live.submit('nobody serves this', {model: 'absent-model'})
      const gone = await fallingDown(t)
      const result = await timed(['jobs', 'watch', job.job_id, '--timeout', '5', '--unreachable-timeout', '0.3', ...stream], {...live.env(), AITBC_URL: gone.url}, gone)
      assertExit(result, 6)
      // The last look may be cut by the limit before the connection is (a busy machine): no answer then.
      assert.match(result.stderr, /cannot reach the coordinator at \S+: (E[A-Z]+|no answer); gave up after 0\.3 s without an answer \(--unreachable-timeout\)/)
      assert.ok(result.total >= 0.3 && result.seconds < 0.3 + SLACK_S, `took ${result.seconds} s (${result.total} s in all)`)
    })
  }

  it('jobs watch --timeout 1 --json, the coordinator silent after the first look: exit 8 on time, the last state and why', async (t) => {
    const job = await live.submit('nobody serves this', {model: 'absent-model'})
    const silent = await fallingSilent(1, t)
    // 1 s: the first look, through the proxy, must be answered before --timeout cuts it.
    const result = await timed(['jobs', 'watch', job.job_id, '--timeout', '1', '--json'], {...live.env(), AITBC_URL: silent.url}, silent)
    assertExit(result, 8)
    const lines = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as {status?: string; error?: {message: string}})
    assert.equal(lines[0].status, 'pending')
    assert.equal(lines.at(-1)!.error?.message, `Timed out after 1 s waiting for job ${job.job_id} (still pending); the coordinator at ${silent.url} was not answering (no answer).`)
    assert.ok(result.seconds < 1 + SLACK_S, `took ${result.seconds} s`)
  })

  it('jobs watch --unreachable-timeout 0.3, the coordinator silent from the start: exit 6 on time (not after the 30 s request timeout)', async (t) => {
    const silent = await fallingSilent(0, t)
    const result = await timed(['jobs', 'watch', downJob, '--unreachable-timeout', '0.3'], {...down, AITBC_URL: silent.url}, silent)
    assertExit(result, 6)
    assert.match(result.stderr, /cannot reach the coordinator at \S+: no answer; gave up after 0\.3 s without an answer \(--unreachable-timeout\)/)
    assert.ok(result.seconds < 0.3 + SLACK_S, `took ${result.seconds} s`)
  })

  // The stream waits for its headers no longer than --unreachable-timeout, and the follower after it only
  // what is left of it: 3 s in all, not the 30 s --request-timeout and then 3 s more (nor 3 + 3).
  it('jobs watch --stream --unreachable-timeout 3, the coordinator silent from the start: exit 6 when it passes, counted from the stream\'s start', async (t) => {
    const silent = await fallingSilent(0, t)
    const result = await timed(['jobs', 'watch', downJob, '--stream', '--unreachable-timeout', '3'], {...down, AITBC_URL: silent.url}, silent)
    assertExit(result, 6)
    assert.match(result.stderr, new RegExp(`cannot reach the coordinator at ${silent.url}: no answer; gave up after 3 s without an answer \\(--unreachable-timeout\\)`))
    assert.ok(result.total >= 3 && result.seconds < 3 + SLACK_S, `took ${result.seconds} s (${result.total} s in all)`)
  })

  // --request-timeout bounds the submit too, whose answer comes through the proxy: long enough for a busy machine.
  it('jobs submit --wait --stream --request-timeout 1 --unreachable-timeout 1.5, the coordinator silent after the submit: exit 6 on time', async (t) => {
    const silent = await fallingSilent(1, t)
    const args = ['jobs', 'submit', '--wait', '--stream', '--request-timeout', '1', '--unreachable-timeout', '1.5', '--model', 'absent-model', 'nobody serves this']
    const result = await timed(args, {...live.env(), AITBC_URL: silent.url}, silent)
    assertExit(result, 6)
    assert.match(result.stderr, /cannot reach the coordinator at \S+: no answer; gave up after 1\.5 s without an answer \(--unreachable-timeout\)/)
    assert.ok(result.total >= 1.5 && result.seconds < 1.5 + SLACK_S, `took ${result.seconds} s (${result.total} s in all)`)
  })

  it('jobs submit --wait --timeout 0.5, the coordinator silent after the submit: exit 8 on time, the last state and why', async (t) => {
    const silent = await fallingSilent(1, t)
    const result = await timed(['jobs', 'submit', '--wait', '--timeout', '0.5', '--model', 'absent-model', 'nobody serves this'], {...live.env(), AITBC_URL: silent.url}, silent)
    assertExit(result, 8)
    assert.match(result.stderr, /Timed out after 0\.5 s waiting for job job_\S+ \(still pending\); the coordinator at \S+ was not answering \(no answer\)\./)
    assert.ok(result.seconds < 0.5 + SLACK_S, `took ${result.seconds} s`)
  })
})
