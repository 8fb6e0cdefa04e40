// Attacks from inside: keys the coordinator issued, used against it or against other users. A client
// flooding the queue, a miner failing jobs on purpose, a revoked key that keeps a long poll open, and a
// principal holding every poll it may. Each is bounded by a cap with a flag, or ended at once. Time is
// moved with a ManualClock where it decides (expiry, cool-downs), so nothing here waits for it.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {ManualClock} from '../../src/server/clock.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {assertError, claim, complete, register, submit, type JobBody} from '../server/fixtures.js'

async function createKey(server: TestServer, role: string, name: string): Promise<string> {
  const res = await server.request<{api_key: string}>('/v1/admin/keys', {key: server.adminKey, body: {role, name}})
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return res.body.api_key
}

function assertRetryAfter(res: {headers: Headers}): void {
  const retryAfter = Number(res.headers.get('retry-after'))
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After: ${res.headers.get('retry-after')}`)
}

describe('a client flooding the queue', () => {
  const clock = new ManualClock()
  let server: TestServer
  before(async () => {
    server = await startTestServer({config: {maxPendingPerClient: 20, maxQueuedPromptBytes: 30 * 10_000, pendingTtlSeconds: 3600}, clock})
    server.app.coordinator.sweeper.stop()
  })
  after(() => server.close())

  it('gets 429 naming --max-pending-per-client past its cap, and the queue stays at the cap', async () => {
    const prompt = 'p'.repeat(10_000)
    const answers = await Promise.all(Array.from({length: 60}, () => server.request('/v1/jobs', {key: server.clientKey, body: {prompt, model: 'nobody-serves'}})))
    const statuses = answers.map((res) => res.status)
    assert.equal(statuses.filter((s) => s === 201).length, 20)
    const refused = answers.find((res) => res.status === 429)!
    assertError(refused, 429, 'limit_reached', /20 pending jobs.*--max-pending-per-client 20/)
    assertRetryAfter(refused)
    const store = server.app.coordinator.store
    assert.equal(await store.countJobs({client: 'client', status: 'pending'}), 20)
    assert.equal(await store.pendingPromptBytes(), 20 * 10_000)
  })

  it('another client meets the total of queued prompt bytes (--max-queued-prompt-bytes)', async () => {
    const other = await createKey(server, 'client', 'flooder-2')
    const prompt = 'q'.repeat(10_000)
    for (let i = 0; i < 10; i++) assert.equal((await server.request('/v1/jobs', {key: other, body: {prompt, model: 'nobody-serves'}})).status, 201)
    const refused = await server.request('/v1/jobs', {key: other, body: {prompt, model: 'nobody-serves'}})
    assertError(refused, 429, 'limit_reached', /queue is full.*--max-queued-prompt-bytes/)
    assertRetryAfter(refused)
  })

  it('pending jobs expire after --pending-ttl: final state expired, a job_expired transaction, room again', async () => {
    const [oldest] = (await server.request<JobBody[]>('/v1/jobs?status=pending&limit=1&offset=19', {key: server.clientKey})).body
    clock.advance(3599_000)
    await server.app.coordinator.sweeper.sweep()
    assert.equal((await server.request<JobBody>(`/v1/jobs/${oldest.job_id}`, {key: server.clientKey})).body.status, 'pending')
    clock.advance(1000)
    await server.app.coordinator.sweeper.sweep()
    const expired = (await server.request<JobBody>(`/v1/jobs/${oldest.job_id}`, {key: server.clientKey})).body
    assert.equal(expired.status, 'expired')
    assert.match(expired.error!, /no miner claimed the job within 3600 s \(--pending-ttl\)/)
    assert.equal(await server.app.coordinator.store.countJobs({status: 'pending'}), 0)
    assert.equal(await server.app.coordinator.store.pendingPromptBytes(), 0)
    await server.app.coordinator.sealer.sealNow()
    const txs = (await server.request<{type: string; data: {job_id: string}}[]>('/explorer/transactions?limit=100')).body
    assert.equal(txs.filter((tx) => tx.type === 'job_expired').length, 30)
    assert.ok(txs.some((tx) => tx.type === 'job_expired' && tx.data.job_id === oldest.job_id))
    assertError(await server.request(`/v1/jobs/${oldest.job_id}/cancel`, {key: server.clientKey, method: 'POST'}), 409, 'conflict', /already expired/)
    assert.equal((await server.request('/v1/jobs', {key: server.clientKey, body: {prompt: 'again'}})).status, 201)
  })
})

describe('a miner failing jobs on purpose', () => {
  const clock = new ManualClock()
  let server: TestServer
  let badKey: string
  before(async () => {
    server = await startTestServer({config: {minerFailureLimit: 2, minerFailureWindowSeconds: 60, minerCooldownSeconds: 600}, clock})
    badKey = await createKey(server, 'miner', 'saboteur')
    await register(server, 'bad-rig', ['llama3.2'], badKey)
    await register(server, 'good-rig', ['llama3.2'])
  })
  after(() => server.close())

  const failAs = (jobId: string) => server.request<JobBody>(`/v1/jobs/${jobId}/fail`, {key: badKey, body: {miner_id: 'bad-rig', error: 'sabotage'}})

  it('cannot fail a job for good: it is neither offered nor given to that miner again, and another completes it', async () => {
    const job = await submit(server, {prompt: 'victim'})
    await claim(server, job.job_id, 'bad-rig', badKey)
    assert.equal((await failAs(job.job_id)).body.status, 'pending')
    for (let i = 0; i < 3; i++) {
      assertError(await server.request(`/v1/jobs/${job.job_id}/claim`, {key: badKey, body: {miner_id: 'bad-rig'}}), 409, 'conflict', /bad-rig already failed job/)
      assert.equal((await server.request('/v1/jobs/available?miner_id=bad-rig', {key: badKey})).body, null)
    }
    assert.equal((await server.request<JobBody>('/v1/jobs/available?miner_id=good-rig', {key: server.minerKey})).body.job_id, job.job_id)
    await claim(server, job.job_id, 'good-rig')
    await complete(server, job.job_id, 'done anyway', 'good-rig')
    const final = (await server.request<JobBody>(`/v1/jobs/${job.job_id}`, {key: server.clientKey})).body
    assert.equal(final.status, 'completed')
    assert.equal(final.attempts, 2, 'one attempt per miner')
  })

  it('failing more than --miner-failure-limit jobs within the window cools it down; its polls say why', async () => {
    for (let i = 0; i < 2; i++) {
      const job = await submit(server, {prompt: `victim ${i}`})
      await claim(server, job.job_id, 'bad-rig', badKey)
      await failAs(job.job_id)
    }
    const poll = await server.request('/v1/jobs/available?miner_id=bad-rig', {key: badKey})
    assertError(poll, 429, 'miner_cooling_down', /bad-rig failed more than 2 jobs within 60 s.*--miner-cooldown/)
    assert.equal(poll.headers.get('retry-after'), '600')
    const job = await submit(server, {prompt: 'not for the saboteur'})
    assertError(await server.request(`/v1/jobs/${job.job_id}/claim`, {key: badKey, body: {miner_id: 'bad-rig'}}), 429, 'miner_cooling_down')
    assert.equal((await server.request<JobBody>('/v1/jobs/available?miner_id=good-rig', {key: server.minerKey})).status, 200, 'other miners are not affected')
    clock.advance(600_000)
    assert.equal((await server.request('/v1/jobs/available?miner_id=bad-rig', {key: badKey})).status, 200, 'after the cool-down')
  })

  it('registration spam: miner ids per key and capabilities per miner are capped', async () => {
    const spam = await startTestServer({config: {maxMinersPerKey: 3, maxCapabilities: 4}})
    try {
      for (let i = 0; i < 3; i++) await register(spam, `spam-${i}`, ['a'])
      await register(spam, 'spam-0', ['a', 'b'])
      const fourth = await spam.request('/v1/miners/register', {key: spam.minerKey, body: {miner_id: 'spam-3', capabilities: ['a']}})
      assertError(fourth, 429, 'limit_reached', /3 miner ids.*--max-miners-per-key 3/)
      assertRetryAfter(fourth)
      const wide = await spam.request('/v1/miners/register', {key: spam.minerKey, body: {miner_id: 'spam-1', capabilities: ['a', 'b', 'c', 'd', 'e']}})
      assertError(wide, 429, 'limit_reached', /5 capabilities.*--max-capabilities/)
    } finally {
      await spam.close()
    }
  })
})

describe('a revoked key', () => {
  let server: TestServer
  before(async () => (server = await startTestServer()))
  after(() => server.close())

  it('its waiting poll is answered 401 within 1 s, and the job its miner held goes back to the queue', async () => {
    const key = await createKey(server, 'miner', 'to-revoke')
    await register(server, 'doomed', ['revoke-model'], key)
    await register(server, 'heir', ['revoke-model'])
    const held = await submit(server, {prompt: 'held by the doomed miner', model: 'revoke-model'})
    await claim(server, held.job_id, 'doomed', key)
    // A poll for a model with nothing pending: it waits (up to 30 s) until the revocation.
    const polling = server.request('/v1/jobs/available?miner_id=doomed&wait=30', {key, signal: AbortSignal.timeout(10_000)})
    await new Promise((resolve) => setTimeout(resolve, 200))
    const revokedAt = performance.now()
    assert.equal((await server.request(`/v1/admin/keys/to-revoke`, {key: server.adminKey, method: 'DELETE'})).status, 200)
    const answer = await polling
    const ms = performance.now() - revokedAt
    assertError(answer, 401, 'unauthorized', /revoked/)
    assert.ok(ms < 1000, `the poll was answered ${Math.round(ms)} ms after the revocation`)
    const requeued = (await server.request<JobBody>(`/v1/jobs/${held.job_id}`, {key: server.clientKey})).body
    assert.equal(requeued.status, 'pending')
    assert.match(requeued.error!, /key of miner doomed was revoked/)
    assert.equal((await server.request<JobBody>('/v1/jobs/available?miner_id=heir', {key: server.minerKey})).body.job_id, held.job_id)
  })
})

describe('a revoked key whose miners hold jobs among many running ones', () => {
  let server: TestServer
  before(async () => (server = await startTestServer()))
  after(() => server.close())

  it('has every job its miners held requeued at once, while other jobs finish in the middle of the scan', async () => {
    const {jobs, store} = server.app.coordinator
    const key = await createKey(server, 'miner', 'revoked-mid-scan')
    await register(server, 'doomed-2', ['scan-model'], key)
    await register(server, 'finisher', ['scan-model'])
    // Newest first, in pages of 2: [finisher's 2, finisher's 1], [doomed's 1, finisher's 0], [doomed's 0].
    const owners = ['doomed-2', 'finisher', 'doomed-2', 'finisher', 'finisher']
    const held: string[] = []
    const others: string[] = []
    for (const owner of owners) {
      const job = await submit(server, {prompt: `held by ${owner}`, model: 'scan-model'})
      await claim(server, job.job_id, owner, owner === 'finisher' ? server.minerKey : key)
      ;(owner === 'finisher' ? others : held).push(job.job_id)
    }
    // The first page's jobs finish once it is read: by offset, the next page skipped two jobs, one of them doomed's.
    const listJobs = store.listJobs
    let pages = 0
    store.listJobs = async (query) => {
      const page = await listJobs.call(store, query)
      if (query.status === 'running' && ++pages === 1) {
        for (const job of page) if (job.miner_id === 'finisher') await complete(server, job.job_id, 'done', 'finisher')
      }
      return page
    }
    jobs.revokeScanPage = 2
    try {
      assert.equal((await server.request('/v1/admin/keys/revoked-mid-scan', {key: server.adminKey, method: 'DELETE'})).status, 200)
    } finally {
      store.listJobs = listJobs
    }
    for (const jobId of held) {
      const job = (await server.request<JobBody>(`/v1/jobs/${jobId}`, {key: server.clientKey})).body
      assert.equal(job.status, 'pending', `${jobId} went back to the queue`)
    }
    assert.ok(pages >= 3, `${pages} pages`)
  })
})

describe('a principal holding every poll it may', () => {
  const MAX_POLLS = 40
  let server: TestServer
  let hogKey: string
  const stop = new AbortController()
  before(async () => {
    server = await startTestServer({config: {maxPollsPerKey: MAX_POLLS}})
    hogKey = await createKey(server, 'miner', 'hog')
    await register(server, 'hog-rig', ['fair-model'], hogKey)
    await register(server, 'honest-rig', ['fair-model'])
  })
  after(async () => {
    stop.abort()
    await server.close()
  })

  it('cannot open more than --max-polls-per-key, and an honest miner still gets a new job within 3 s', async (t) => {
    // The hog's polls never claim: when one is answered with a job, it asks again at once.
    const hogOffers = new Map<string, number>()
    const hogPoll = async (): Promise<void> => {
      while (!stop.signal.aborted) {
        const res = await server.request<JobBody | null>('/v1/jobs/available?miner_id=hog-rig&wait=30', {key: hogKey, signal: stop.signal}).catch(() => undefined)
        if (res?.body) hogOffers.set(res.body.job_id, (hogOffers.get(res.body.job_id) ?? 0) + 1)
        if (!res || res.status !== 200) return
      }
    }
    const hogs = Array.from({length: MAX_POLLS}, () => hogPoll())
    // Once all of them are open, one more (even one that would not wait) is refused.
    const probe = () => server.request('/v1/jobs/available?miner_id=hog-rig&wait=0', {key: hogKey})
    const deadline = performance.now() + 10_000
    let extra = await probe()
    while (extra.status === 200 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      extra = await probe()
    }
    assertError(extra, 429, 'limit_reached', new RegExp(`${MAX_POLLS} requests for jobs open.*--max-polls-per-key ${MAX_POLLS}`))
    assertRetryAfter(extra)

    // Twice: the first job is offered to the honest miner at once (its principal has the fewest polls
    // waiting); the second is the hog's turn, and the honest miner gets it when the hog's hold lapses.
    for (let round = 1; round <= 2; round++) {
      const honest = server.request<JobBody | null>('/v1/jobs/available?miner_id=honest-rig&wait=30', {key: server.minerKey, signal: AbortSignal.timeout(10_000)})
      await new Promise((resolve) => setTimeout(resolve, 200))
      const submittedAt = performance.now()
      const job = await submit(server, {prompt: `for an honest miner, round ${round}`, model: 'fair-model'})
      const got = await honest
      const ms = performance.now() - submittedAt
      assert.equal(got.body?.job_id, job.job_id)
      assert.ok(ms < 3000, `round ${round}: the honest miner got the job ${Math.round(ms)} ms after it was submitted`)
      await claim(server, job.job_id, 'honest-rig')
      t.diagnostic(`round ${round}: honest miner offered the job after ${Math.round(ms)} ms; offers to the hog so far: ${JSON.stringify(Object.fromEntries(hogOffers))}`)
    }
    // Held for one of the hog's polls, a job is not offered to its other polls (each would carry the prompt).
    for (const [jobId, count] of hogOffers) assert.equal(count, 1, `job ${jobId} was offered to the hog ${count} times`)
    stop.abort()
    await Promise.all(hogs)
  })
})
