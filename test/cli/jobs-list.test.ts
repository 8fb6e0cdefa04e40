// `aitbc jobs list`: the table, --status, --limit/--before/--offset pages, and --all across several pages,
// also while jobs are submitted and change status between its pages.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import type {Job} from '../../src/client/client.js'
import type {AsyncStore} from '../../src/server/store/async-store.js'
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

  it('--before pages from the last id of a page, which a note gives while more follow', async () => {
    const first = await aitbc(['jobs', 'list', '--limit', '3'], {env: coord.env()})
    assertExit(first, 0)
    const cursor = newestFirst[2].job_id
    assert.match(first.stderr, new RegExp(`More jobs follow: the next page is --before ${cursor}\\.`))
    const second = json<Job[]>(await aitbc(['jobs', 'list', '--limit', '3', '--before', cursor, '--json'], {env: coord.env()}))
    assert.deepEqual(second.map((job) => job.job_id), newestFirst.slice(3, 6).map((job) => job.job_id))
    const last = await aitbc(['jobs', 'list', '--limit', '3', '--before', newestFirst.at(-2)!.job_id], {env: coord.env()})
    assert.doesNotMatch(last.stderr, /More jobs follow/)
    assert.equal(last.stdout.trimEnd().split('\n').length, 2)
  })

  it('a cursor that is not one of your jobs, or --all with a page flag, is a usage error', async () => {
    const unknown = await aitbc(['jobs', 'list', '--before', 'job_01KBQ4Y0Z8G6W3T0M7N5C2H1XA'], {env: coord.env()})
    assertExit(unknown, 2)
    assert.match(unknown.stderr, /before: job_01KBQ4Y0Z8G6W3T0M7N5C2H1XA is not a job of this list/)
    const empty = await aitbc(['jobs', 'list', '--before', ''], {env: coord.env()})
    assertExit(empty, 2)
    assert.match(empty.stderr, /before/)
    const both = await aitbc(['jobs', 'list', '--all', '--before', newestFirst[0].job_id], {env: coord.env()})
    assertExit(both, 2)
    assert.match(both.stderr, /--before.*cannot also be provided when using --all|--all.*--before/)
  })

  it('--all follows every page', async () => {
    const all = json<Job[]>(await aitbc(['jobs', 'list', '--all', '--json'], {env: coord.env()}))
    assert.deepEqual(all.map((job) => job.job_id), newestFirst.map((job) => job.job_id))
    const table = await aitbc(['jobs', 'list', '--all'], {env: coord.env()})
    assert.equal(table.stdout.trimEnd().split('\n').length, JOBS + 1)
  })
})

describe('aitbc jobs list --all while jobs are submitted and claimed between its pages', () => {
  const PAGE_BYTES = 1000 // a few jobs a page: --all reads several pages of fewer than 100
  let coord: Coordinator
  let store: AsyncStore
  let newestFirst: string[]
  before(async () => {
    coord = await Coordinator.start({config: {pageBytes: PAGE_BYTES}})
    store = coord.server.app.coordinator.store
    const jobs: Job[] = []
    for (let i = 0; i < 12; i++) jobs.push(await coord.submit(`job ${i}`))
    await coord.register('pager')
    newestFirst = jobs.reverse().map((job) => job.job_id)
  })
  after(() => coord.close())

  /** Runs `between` after each page's ids are taken, until `restore()`. */
  function betweenPages(between: (page: number) => Promise<unknown>): {pages: () => number; restore: () => void} {
    const original = store.listJobIds
    let pages = 0
    store.listJobIds = async (query) => {
      const ids = await original.call(store, query)
      await between(++pages)
      return ids
    }
    return {pages: () => pages, restore: () => void (store.listJobIds = original)}
  }

  it('lists each pending job of its start once: jobs submitted meanwhile shift nothing, one claimed meanwhile is not skipped', async () => {
    // By offset, the claim moved every later pending job up one place (one skipped) and each submit down one (one listed twice).
    const hook = betweenPages(async (page) => {
      if (page === 1) await coord.claim(newestFirst[0], 'pager')
      await coord.submit(`submitted after page ${page}`)
    })
    let listed: Job[]
    try {
      listed = json<Job[]>(await aitbc(['jobs', 'list', '--all', '--status', 'pending', '--json'], {env: coord.env()}))
    } finally {
      hook.restore()
    }
    assert.ok(hook.pages() >= 3, `${hook.pages()} pages`)
    assert.deepEqual(listed.map((job) => job.job_id), newestFirst)
  })

  it('stops with an error, not a page repeated, at a coordinator that ignores before (one older than it)', async () => {
    const original = store.listJobIds
    store.listJobIds = (query) => original.call(store, {...query, before: undefined})
    try {
      const result = await aitbc(['jobs', 'list', '--all', '--json'], {env: coord.env()})
      assertExit(result, 1)
      assert.match(result.stdout, /listed job job_\w+ twice: it does not page by --before/)
    } finally {
      store.listJobIds = original
    }
  })
})
