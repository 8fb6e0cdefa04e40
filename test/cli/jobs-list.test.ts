// `aitbc jobs list`: the table, --status, --limit/--offset pages, and --all across several pages.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import type {Job} from '../../src/client/client.js'
import {aitbc, assertExit, json} from './aitbc.js'
import {Coordinator} from './coordinator.js'

const JOBS = 105 // more than one page of 100

describe('aitbc jobs list', {concurrency: 4}, () => {
  let coord: Coordinator
  let newestFirst: Job[]
  before(async () => {
    coord = await Coordinator.start()
    const jobs: Job[] = []
    for (let i = 0; i < JOBS; i++) jobs.push(await coord.submit(`job ${i}`))
    await coord.register('lister')
    await coord.claim(jobs[0].job_id, 'lister')
    newestFirst = jobs.reverse()
  })
  after(() => coord.close())

  it('shows a table of id, status, model, age and miner, newest first (20 by default)', async () => {
    const result = await aitbc(['jobs', 'list'], {env: coord.env()})
    assertExit(result, 0)
    const [head, ...rows] = result.stdout.trimEnd().split('\n')
    assert.match(head, /^ *ID +STATUS +MODEL +AGE +MINER$/)
    assert.equal(rows.length, 20)
    assert.match(rows[0], new RegExp(`^ *${newestFirst[0].job_id} +pending +llama3\\.2 +\\d+[smhd] +-$`))
  })

  it("an admin's list of several clients' jobs has a CLIENT column", async () => {
    const created = json<{api_key: string}>(await aitbc(['admin', 'keys', 'create', '--role', 'client', '--name', 'bob', '--json'], {env: coord.env('admin')}))
    assertExit(await aitbc(['jobs', 'submit', 'from bob'], {env: {...coord.env(), AITBC_API_KEY: created.api_key}}), 0)
    const admin = await aitbc(['jobs', 'list', '--limit', '2'], {env: coord.env('admin')})
    assertExit(admin, 0)
    const [head, bobs, other] = admin.stdout.trimEnd().split('\n')
    assert.match(head, /^ *ID +CLIENT +STATUS +MODEL +AGE +MINER$/)
    assert.match(bobs, /^ *job_\w+ +bob +pending /)
    assert.match(other, /^ *job_\w+ +(?!bob)\S+ +pending /)
    // Bob's own list is all bob's: no CLIENT column.
    const own = await aitbc(['jobs', 'list'], {env: {...coord.env(), AITBC_API_KEY: created.api_key}})
    assert.match(own.stdout, /^ *ID +STATUS +MODEL +AGE +MINER$/m)
  })

  it('--status filters; --json gives the array of jobs', async () => {
    const running = json<Job[]>(await aitbc(['jobs', 'list', '--status', 'running', '--json'], {env: coord.env()}))
    assert.deepEqual(running.map((job) => [job.job_id, job.miner_id]), [[newestFirst.at(-1)!.job_id, 'lister']])
    const table = await aitbc(['jobs', 'list', '--status', 'running'], {env: coord.env()})
    assert.match(table.stdout, / running +llama3\.2 +\S+ +lister$/m)
    const none = await aitbc(['jobs', 'list', '--status', 'failed'], {env: coord.env()})
    assertExit(none, 0)
    assert.equal(none.stdout, '')
    assert.match(none.stderr, /No failed jobs/)
    assert.deepEqual(json(await aitbc(['jobs', 'list', '--status', 'failed', '--json'], {env: coord.env()})), [])
  })

  it('--limit and --offset select one page', async () => {
    const page = json<Job[]>(await aitbc(['jobs', 'list', '--limit', '3', '--offset', '2', '--json'], {env: coord.env()}))
    assert.deepEqual(page.map((job) => job.job_id), newestFirst.slice(2, 5).map((job) => job.job_id))
  })

  it('--all follows every page', async () => {
    const all = json<Job[]>(await aitbc(['jobs', 'list', '--all', '--json'], {env: coord.env()}))
    assert.deepEqual(all.map((job) => job.job_id), newestFirst.map((job) => job.job_id))
    const table = await aitbc(['jobs', 'list', '--all'], {env: coord.env()})
    assert.equal(table.stdout.trimEnd().split('\n').length, JOBS + 1)
  })
})
