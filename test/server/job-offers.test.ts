// Miners asking for work together get different jobs, and a new job wakes one waiting miner, not all:
// otherwise every miner gets the same oldest job and all but one of their claims are refused.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {JobOffers} from '../../src/server/jobs/job-offers.js'
import {JobWaiters} from '../../src/server/jobs/job-waiters.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {claim, register, sleep, submit, type JobBody} from './fixtures.js'

describe('JobOffers', () => {
  it('holds an offered job from every poll until the hold lapses, once per pending spell', () => {
    const offers = new JobOffers(1000)
    offers.offer('job_a', 'rig-1', 0, 'm', 'alice')
    assert.equal(offers.kept('job_a', 999, 'bob'), true)
    assert.equal(offers.kept('job_a', 999, 'alice'), true, 'from the polls of the principal it was offered to too')
    assert.deepEqual(offers.keptFrom(999, 'alice').jobIds, ['job_a'])
    assert.equal(offers.kept('job_a', 1000, 'bob'), false, 'lapsed')
    assert.equal(offers.kept('job_a', 1500, 'alice'), true, 'other principals first for as long again')
    assert.equal(offers.kept('job_a', 2000, 'alice'), false, 'then open to all')
    offers.offer('job_a', 'rig-1', 1500, 'm', 'alice')
    assert.equal(offers.kept('job_a', 1600, 'bob'), false, 'asking again does not hold it again')
    offers.release('job_a')
    offers.offer('job_a', 'rig-2', 2000, 'm', 'bob')
    assert.equal(offers.kept('job_a', 2500, 'alice'), true, 'pending again after a release: held anew')
    assert.equal(offers.kept('job_b', 0, 'alice'), false)
    assert.deepEqual(offers.keptFrom(2500, 'alice').jobIds, ['job_a'])
    offers.release('job_a')
  })

  it('says when the first job kept from a principal opens to it, so a waiting poll looks again then', () => {
    const offers = new JobOffers(1000)
    assert.equal(offers.keptFrom(0, 'alice').opensAt, Infinity, 'nothing kept')
    offers.offer('job_a', 'rig-1', 0, 'm', 'alice')
    offers.offer('job_b', 'rig-2', 400, 'm', 'bob')
    assert.equal(offers.keptFrom(500, 'carol').opensAt, 1000, 'job_a lapses first')
    assert.equal(offers.keptFrom(1000, 'carol').opensAt, 1400, 'then job_b')
    assert.equal(offers.keptFrom(500, 'alice').opensAt, 1400, "job_a is alice's own: kept from her till 2000, but job_b opens first")
    assert.equal(offers.keptFrom(1000, 'alice').opensAt, 1400)
    assert.equal(offers.keptFrom(1500, 'alice').opensAt, 2000)
    assert.equal(offers.keptFrom(2000, 'alice').opensAt, Infinity, 'both open to her')
    assert.equal(offers.keptFrom(2000, 'bob').opensAt, 2400, 'job_b, held for bob, goes to others first for as long again')
    assert.equal(offers.keptFrom(2400, 'bob').opensAt, Infinity)
    offers.release('job_a')
    offers.release('job_b')
  })
})

describe('JobWaiters', () => {
  it('wakes the longest-waiting miner of the model, one per new job', async () => {
    const waiters = new JobWaiters()
    const woken: string[] = []
    const wait = (name: string, models: string[]) => waiters.wait(new Set(models), 5000).then(() => woken.push(name))
    const all = [wait('first', ['a']), wait('second', ['a', 'b']), wait('third', ['a'])]
    waiters.notify('b')
    await sleep(10)
    assert.deepEqual(woken, ['second'])
    waiters.notify('a')
    await sleep(10)
    assert.deepEqual(woken, ['second', 'first'])
    waiters.close()
    await Promise.all(all)
    assert.deepEqual(woken, ['second', 'first', 'third'])
  })
})

describe('GET /v1/jobs/available with several miners', () => {
  let server: TestServer
  before(async () => (server = await startTestServer()))
  after(() => server.close())

  const available = (minerId: string, wait = 0) =>
    server.request<JobBody | null>(`/v1/jobs/available?miner_id=${minerId}&wait=${wait}`, {key: server.minerKey})

  it('offers miners that ask together different jobs, and a miner that asks again another one', async () => {
    for (const minerId of ['pair-1', 'pair-2', 'pair-3']) await register(server, minerId, ['model-pair'])
    const first = await submit(server, {prompt: 'one', model: 'model-pair'})
    const second = await submit(server, {prompt: 'two', model: 'model-pair'})
    const [a, b] = await Promise.all([available('pair-1'), available('pair-2')])
    assert.deepEqual(new Set([a.body!.job_id, b.body!.job_id]), new Set([first.job_id, second.job_id]))
    assert.equal((await available('pair-1')).body, null, 'asking again without claiming: its offer is held from it too')
    assert.equal((await available('pair-3')).body, null, 'both jobs are held for the miners they were offered to')
    await claim(server, a.body!.job_id, 'pair-1')
    await claim(server, b.body!.job_id, 'pair-2')
  })
})
