// What the API shows of a job, and who may see it: its client, the principal whose miner holds or
// held it, and admins. Everyone else is told it does not exist.
import type {Principal} from '../auth/api-keys.js'
import type {JobRecord} from '../store/records.js'
import type {AsyncStore} from '../store/async-store.js'

export type JobView = Omit<JobRecord, 'idempotency' | 'failed_miners' | 'requeued_at'>

export function jobView(job: JobRecord): JobView {
  const {idempotency: _idempotency, failed_miners: _failedMiners, requeued_at: _requeuedAt, ...view} = job
  return view
}

export async function canSeeJob(principal: Principal, job: JobRecord, store: Pick<AsyncStore, 'getMiner'>): Promise<boolean> {
  if (principal.role === 'admin' || job.client === principal.name) return true
  return job.miner_id !== undefined && (await store.getMiner(job.miner_id))?.principal === principal.name
}
