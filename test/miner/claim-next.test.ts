// `aitbc miner run`'s worker takes jobs through claim-next (one request per job, the job comes claimed)
// and, from a coordinator without that route, through available + claim. The older coordinator is the
// real one behind a proxy that sends claim-next to a path it does not have, so its 404 is the real one.
import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {type CountingProxy, startCountingProxy} from '../../bench/lib/counting-proxy.js'
import {OllamaBackend} from '../../src/miner/backends/ollama.js'
import {type FakeBackend, startFakeOllama} from '../helpers/fake-backends.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {getJob, startMiner, submitJob} from './worker-helpers.js'

/** Forwards to `target`; with `withoutClaimNext`, claim-next goes to a route the coordinator lacks. */
function startProxy(target: string, withoutClaimNext: boolean): Promise<CountingProxy> {
  return startCountingProxy(target, (url) => (withoutClaimNext && url.startsWith('/v1/miners/claim-next') ? '/v1/miners/claim-next-not-here' : url))
}

const count = (seen: string[], request: string | RegExp) => seen.filter((line) => (typeof request === 'string' ? line === request : request.test(line))).length

describe('miner worker and claim-next', () => {
  let server: TestServer
  let ollama: FakeBackend
  const proxies: CountingProxy[] = []
  before(async () => {
    server = await startTestServer()
    ollama = await startFakeOllama(['llama3.2:latest'])
  })
  after(async () => {
    for (const proxy of proxies) await proxy.close()
    await ollama.close()
    await server.close()
  })

  test('takes each job with one claim-next request: no available, no separate claim', async () => {
    const proxy = await startProxy(server.url, false)
    proxies.push(proxy)
    const ids = [await submitJob(server, 'cn one'), await submitJob(server, 'cn two'), await submitJob(server, 'cn three')]
    const miner = await startMiner({url: proxy.url, minerKey: server.minerKey}, new OllamaBackend(ollama.url), {minerId: 'cn-miner', maxJobs: 3})
    const summary = await miner.done
    assert.deepEqual({jobs: summary.jobs, completed: summary.completed}, {jobs: 3, completed: 3})
    for (const id of ids) {
      const job = await getJob(server, id)
      assert.equal(job.status, 'completed')
      assert.equal(job.miner_id, 'cn-miner')
      assert.equal(job.attempts, 1)
    }
    assert.equal(count(proxy.seen, 'POST /v1/miners/claim-next'), 3, proxy.seen.join('\n'))
    assert.equal(count(proxy.seen, 'GET /v1/jobs/available'), 0, proxy.seen.join('\n'))
    assert.equal(count(proxy.seen, /^POST \/v1\/jobs\/[^/]+\/claim$/), 0, proxy.seen.join('\n'))
    assert.equal(count(proxy.seen, /^POST \/v1\/jobs\/[^/]+\/complete$/), 3)
  })

  test('from a coordinator without claim-next (404): falls back to available + claim, asking claim-next only once', async () => {
    const proxy = await startProxy(server.url, true)
    proxies.push(proxy)
    const ids = [await submitJob(server, 'old one'), await submitJob(server, 'old two')]
    const miner = await startMiner({url: proxy.url, minerKey: server.minerKey}, new OllamaBackend(ollama.url), {minerId: 'old-miner', maxJobs: 2})
    const summary = await miner.done
    assert.deepEqual({jobs: summary.jobs, completed: summary.completed}, {jobs: 2, completed: 2})
    for (const id of ids) assert.equal((await getJob(server, id)).status, 'completed')
    assert.equal(count(proxy.seen, 'POST /v1/miners/claim-next'), 1, proxy.seen.join('\n'))
    assert.equal(count(proxy.seen, /^POST \/v1\/jobs\/[^/]+\/claim$/), 2, proxy.seen.join('\n'))
    assert.ok(count(proxy.seen, 'GET /v1/jobs/available') >= 2)
  })
})
