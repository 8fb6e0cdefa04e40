// Client-facing job operations: submit, list, get, cancel.
import {nextBefore, pageFromCursor} from '../http/cursor-page.js'
import {jobView} from '../jobs/job-view.js'
import type {JobService} from '../jobs/job-service.js'
import {principalOf, type Operations} from '../http/operations.js'
import type {MinerService} from '../miners/miner-service.js'

export function jobRoutes(ops: Operations, jobs: JobService, miners: MinerService, activeMinerSeconds: number, pageBytes: number): void {
  ops.define('submitJob', async (request) => {
    const key = request.headers['idempotency-key']
    const {job, replayed} = await jobs.submit(principalOf(request), request.body, key)
    // A typo in the model, or no miner up: the job would wait unnoticed, so the answer says so.
    const warning = (await miners.servedRecently(job.model, activeMinerSeconds))
      ? undefined
      : `no miner serving ${job.model} has been seen in the last ${activeMinerSeconds} s; the job waits until one comes`
    const headers = {Location: `/v1/jobs/${job.job_id}`, ...(replayed ? {'Idempotent-Replayed': 'true'} : {})}
    return {status: 201, body: {...jobView(job), ...(warning ? {warning} : {})}, headers}
  })

  // A page stops once it passes pageBytes (prompts and results may be 100s of KiB each), read one job at
  // a time so that the jobs it leaves out are never read; the event loop is let go between jobs, so that
  // small requests are answered while a page of big jobs is built. Its ids are taken first, at one
  // moment: read by offset job by job, a job submitted meanwhile shifted the page and one job was listed twice.
  ops.define('listJobs', async (request) => {
    const {status, offset, before} = request.query
    const page = await pageFromCursor(request.query, 'job', (limit) => jobs.listIds(principalOf(request), {status, limit, offset, before}))
    const ids = page.items
    const items: string[] = []
    let bytes = 0
    for (const jobId of ids) {
      if (bytes >= pageBytes) break
      if (items.length > 0) await new Promise((resolve) => setImmediate(resolve))
      // Jobs are never deleted: a listed id is always there.
      const item = JSON.stringify(jobView((await jobs.listed(jobId))!))
      items.push(item)
      bytes += Buffer.byteLength(item)
    }
    const cut = items.length < ids.length
    const headers = {...nextBefore(cut || page.more ? ids[items.length - 1] : undefined), ...(cut ? {'X-Next-Offset': String(offset + items.length)} : {})}
    return {content: `[${items.join(',')}]`, type: 'application/json', headers}
  })

  ops.define('getJob', async (request) => ({body: jobView(await jobs.get(principalOf(request), request.params.job_id))}))

  ops.define('cancelJob', async (request) => ({
    body: jobView(await jobs.cancel(principalOf(request), request.params.job_id)),
  }))
}
