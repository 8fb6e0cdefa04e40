// Miner-facing operations: register (and heartbeat), available (long poll), claim, claim-next (both in
// one long poll), complete, fail.
import type {Context} from 'koa'

import {jobView} from '../jobs/job-view.js'
import type {JobService} from '../jobs/job-service.js'
import {principalOf, type Operations} from '../http/operations.js'
import type {MinerService} from '../miners/miner-service.js'

export function minerRoutes(ops: Operations, jobs: JobService, miners: MinerService): void {
  ops.define('registerMiner', async (request) => ({
    status: 201,
    body: await miners.register(principalOf(request), request.body),
  }))

  ops.define('getAvailableJob', async (request) => {
    const {miner_id: minerId, wait} = request.query
    const job = await jobs.available(principalOf(request), minerId, wait, clientGone(request.ctx))
    return {body: job ? jobView(job) : null}
  })

  ops.define('claimNextJob', async (request) => {
    const {miner_id: minerId, wait} = request.body
    const job = await jobs.claimNext(principalOf(request), minerId, wait, clientGone(request.ctx))
    return {body: job ? jobView(job) : null}
  })

  ops.define('claimJob', async (request) => {
    const {miner_id: minerId} = request.body
    return {body: jobView(await jobs.claim(principalOf(request), request.params.job_id, minerId))}
  })

  ops.define('completeJob', async (request) => ({
    body: await jobs.complete(principalOf(request), request.params.job_id, request.body),
  }))

  ops.define('failJob', async (request) => ({
    body: jobView(await jobs.fail(principalOf(request), request.params.job_id, request.body)),
  }))
}

/** Aborts when the client closes the connection before the answer, ending its long poll early. */
function clientGone(ctx: Context): AbortSignal {
  const controller = new AbortController()
  ctx.res.once('close', () => {
    if (!ctx.res.writableFinished) controller.abort()
  })
  return controller.signal
}
