// A miner whose long poll meets a dead connection gives up on it after the poll's wait plus a margin
// and polls again, whatever garbage collection does (forced here, 250 ms apart), then runs the job.
import assert from 'node:assert/strict'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, it} from 'node:test'

import {createApiClient} from '../../src/client/client.js'
import {CommandBackend} from '../../src/miner/backends/command.js'
import {CoordinatorLink} from '../../src/miner/coordinator-link.js'
import {UndeliveredResults} from '../../src/miner/undelivered-results.js'
import {type MinerEvent, MinerWorker} from '../../src/miner/worker.js'
import {collectGarbage} from '../helpers/gc-pressure.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {FAST_BACKOFF, getJob, submitJob, until} from '../miner/worker-helpers.js'
import {type HostileServer, startHostileServer} from './hostile-server.js'

/** Room for the loopback proxy on a busy machine, and still well under the 30 s default. */
const REQUEST_TIMEOUT_MS = 3000
const POLL_WAIT_S = 1

const isPoll = (path: string) => path.startsWith('/v1/miners/claim-next') || path.startsWith('/v1/jobs/available')

let coordinator: TestServer
let proxy: HostileServer

before(async () => {
  coordinator = await startTestServer()
  let polls = 0
  // The first long poll (claim-next, as `aitbc miner run` polls) goes nowhere: the connection stays open
  // and silent. The rest pass through.
  proxy = await startHostileServer((request) => (isPoll(request.path) && polls++ === 0 ? 'silent' : 'forward'), coordinator.url)
})

after(async () => {
  await proxy.close()
  await coordinator.close()
})

it('a long poll on a dead connection ends after its wait plus a margin, and the miner polls again and runs the job', {timeout: 60_000}, async (t) => {
  t.after(collectGarbage())
  const client = createApiClient({
    baseUrl: proxy.url,
    apiKey: coordinator.minerKey,
    userAgent: 'aitbc-test',
    limits: {requestTimeoutMs: REQUEST_TIMEOUT_MS, connectTimeoutMs: REQUEST_TIMEOUT_MS},
  })
  const events: MinerEvent[] = []
  const worker = new MinerWorker({
    minerId: 'dead-poll-miner',
    link: new CoordinatorLink(client),
    backend: new CommandBackend('cat'),
    models: ['poll-model'],
    concurrency: 1,
    maxJobs: 1,
    pollWaitSeconds: POLL_WAIT_S,
    backoff: FAST_BACKOFF,
    undelivered: await UndeliveredResults.open(path.join(mkdtempSync(path.join(tmpdir(), 'aitbc-miner-')), 'm.json')),
    onEvent: (event) => events.push(event),
  })
  const done = worker.run()
  const polls = () => proxy.seen.filter((request) => isPoll(request.path))
  await until('the first (dead) long poll', () => polls().length >= 1)
  const jobId = await submitJob({...coordinator, url: coordinator.url}, 'echo me', 'poll-model')
  const summary = await done
  assert.equal(summary.completed, 1, JSON.stringify(events))
  assert.equal((await getJob(coordinator, jobId)).status, 'completed')
  const [dead, next] = polls()
  // The wait plus a margin (at most the request timeout), plus the miner's short backoff.
  const bound = POLL_WAIT_S * 1000 + REQUEST_TIMEOUT_MS + 1000
  assert.ok(next.at - dead.at < bound, `the next poll came ${next.at - dead.at} ms after the dead one (bound ${bound})`)
  assert.ok(events.some((event) => event.type === 'warning' && /no answer within/.test(event.message)), JSON.stringify(events))
})
