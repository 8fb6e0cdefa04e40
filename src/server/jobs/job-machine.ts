// The job state machine, pure: each move takes a job and returns the next version or why it cannot
// happen. pending -> running -> completed | failed | cancelled; a failed attempt or an expired lease
// sends a running job back to pending unless the caller gives up on it; a pending job nobody claimed
// within the pending TTL ends expired.
import type {JobRecord} from '../store/records.js'

export type Move = {job: JobRecord} | {refused: string}

export function claim(job: JobRecord, minerId: string, now: Date, leaseSeconds: number): Move {
  if (job.status !== 'pending') return {refused: `job ${job.job_id} is ${job.status}, not pending`}
  return {
    job: {
      // A previous failure's `error` stays visible while the job runs again.
      ...job,
      status: 'running',
      miner_id: minerId,
      attempts: job.attempts + 1,
      started_at: now.toISOString(),
      lease_expires_at: new Date(now.getTime() + leaseSeconds * 1000).toISOString(),
    },
  }
}

/** Only the miner holding a running job may finish it. */
export function checkHolder(job: JobRecord, minerId: string): string | undefined {
  if (job.status !== 'running') return `job ${job.job_id} is ${job.status}, not running`
  if (job.miner_id !== minerId) return `job ${job.job_id} is held by another miner`
  return undefined
}

export function complete(job: JobRecord, minerId: string, result: string, receiptId: string, now: Date): Move {
  const refused = checkHolder(job, minerId)
  if (refused) return {refused}
  const {lease_expires_at: _lease, error: _error, ...rest} = job
  return {job: {...rest, status: 'completed', result, receipt_id: receiptId, completed_at: now.toISOString()}}
}

export type AttemptOutcome = {job: JobRecord; requeued: boolean}

/** A running job's attempt ended badly (reported by its miner, or its lease ran out). */
export function failAttempt(job: JobRecord, error: string, now: Date, giveUp: boolean): AttemptOutcome {
  const {lease_expires_at: _lease, ...held} = job
  if (!giveUp) {
    const {miner_id: _miner, started_at: _started, ...unheld} = held
    return {job: {...unheld, status: 'pending', error, requeued_at: now.toISOString()}, requeued: true}
  }
  return {job: {...held, status: 'failed', error, completed_at: now.toISOString()}, requeued: false}
}

export function cancel(job: JobRecord, now: Date): Move {
  if (job.status !== 'pending' && job.status !== 'running') return {refused: `job ${job.job_id} is already ${job.status}`}
  const {lease_expires_at: _lease, ...rest} = job
  return {job: {...rest, status: 'cancelled', completed_at: now.toISOString()}}
}

export function expire(job: JobRecord, now: Date, ttlSeconds: number): JobRecord {
  return {...job, status: 'expired', error: `no miner claimed the job within ${ttlSeconds} s (--pending-ttl)`, completed_at: now.toISOString()}
}

export function leaseExpired(job: JobRecord, now: Date): boolean {
  return job.status === 'running' && job.lease_expires_at !== undefined && Date.parse(job.lease_expires_at) <= now.getTime()
}
