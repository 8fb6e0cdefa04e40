// Streamed output: the miner holding a job appends it (appendJobOutput), and whoever may see the job
// follows it as Server-Sent Events (streamJobOutput). The job's result stays the authority.
import {ApiError} from '../http/api-error.js'
import {principalOf, type Operations} from '../http/operations.js'
import type {JobService} from '../jobs/job-service.js'
import {EventStream} from '../streams/event-stream.js'
import {type JobStreams, StreamMemoryFull} from '../streams/job-streams.js'
import {followOutput} from '../streams/output-follower.js'

/** Retry-After for a full stream memory: output is freed as jobs end. */
const STREAM_MEMORY_RETRY_SECONDS = 5

export function jobOutputRoutes(ops: Operations, jobs: JobService, streams: JobStreams, sendTimeoutSeconds: number): void {
  ops.define('appendJobOutput', async (request) => {
    const {miner_id: minerId, offset, text} = request.body
    const job = await jobs.heldJob(principalOf(request), request.params.job_id, minerId)
    try {
      return {body: {bytes: streams.append(job, offset, text)}}
    } catch (error) {
      if (error instanceof StreamMemoryFull) {
        throw new ApiError(503, 'service_unavailable', error.message, {'Retry-After': String(STREAM_MEMORY_RETRY_SECONDS)})
      }
      throw error
    }
  })

  ops.define('streamJobOutput', async (request) => {
    const principal = principalOf(request)
    const job = await jobs.get(principal, request.params.job_id)
    const closed = streams.admitFollower(principal.name)
    const events = new EventStream(request.ctx.res, sendTimeoutSeconds * 1000)
    try {
      for await (const event of followOutput(streams, job, events.closed)) {
        // Shutdown: the stream ends without `end`; the follower asks the job once the coordinator is back.
        if (event.type === 'closing') break
        const sent =
          event.type === 'text'
            ? await events.event('output', {text: event.text})
            : event.type === 'reset'
              ? await events.event('reset', {reason: event.reason})
              : await events.event('end', endOf(event.job))
        if (!sent) break
      }
    } finally {
      events.end()
      closed()
    }
    return {written: true}
  })
}

function endOf(job: {job_id: string; status: string; receipt_id?: string; error?: string}) {
  return {job_id: job.job_id, status: job.status, ...(job.receipt_id ? {receipt_id: job.receipt_id} : {}), ...(job.error ? {error: job.error} : {})}
}
