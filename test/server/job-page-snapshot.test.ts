// GET /v1/jobs builds a page one job at a time, letting the event loop go between jobs; a job submitted
// meanwhile must not shift the page under it (the job at the shift was listed twice, seen by the CLI's
// idempotent-retry test while other tests submitted on the same coordinator).
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import type {AsyncStore} from '../../src/server/store/async-store.js'
import {startTestServer, type TestServer} from '../helpers/server.js'
import {submit, type JobBody} from './fixtures.js'

let server: TestServer

before(async () => {
  server = await startTestServer()
})
after(() => server.close())

/** Runs `action` once, after the first job the store reads back, before that read is answered. */
function afterFirstJobRead(store: AsyncStore, action: () => Promise<unknown>): () => void {
  const originals = {getJob: store.getJob, listJobs: store.listJobs}
  let done = false
  const hold = async <T>(read: Promise<T>): Promise<T> => {
    const value = await read
    if (!done) {
      done = true
      await action()
    }
    return value
  }
  store.getJob = (jobId) => hold(originals.getJob.call(store, jobId))
  store.listJobs = (query) => hold(originals.listJobs.call(store, query))
  return () => Object.assign(store, originals)
}

describe('GET /v1/jobs while jobs are submitted', () => {
  it('lists each job once, in the order of the moment the page began', async () => {
    const earlier: string[] = []
    for (const prompt of ['a', 'b', 'c']) earlier.unshift((await submit(server, {prompt})).job_id)
    const restore = afterFirstJobRead(server.app.coordinator.store, () => submit(server, {prompt: 'submitted meanwhile'}))
    let page: JobBody[]
    try {
      page = (await server.request<JobBody[]>('/v1/jobs?limit=3', {key: server.clientKey})).body
    } finally {
      restore()
    }
    assert.deepEqual(page.map((job) => job.job_id), earlier)
    // The submit did happen while the page was built: it is the newest job now.
    const [newest] = (await server.request<JobBody[]>('/v1/jobs?limit=1', {key: server.clientKey})).body
    assert.equal(newest.prompt, 'submitted meanwhile')
  })
})
