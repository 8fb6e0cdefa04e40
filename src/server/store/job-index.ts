// Jobs in memory with the indexes the hot paths need: by id, by client and status (newest first),
// pending per model (oldest first), running, and idempotency keys per client. No path scans all jobs.
import type {JobStatus} from '../../protocol/job-states.js'
import type {JobRecord} from './records.js'
import {SortedIds} from './sorted-ids.js'
import type {JobQuery} from './store.js'

interface Entry {
  job: JobRecord
  /** Submit order: the key every index sorts by. */
  order: number
}

export class JobIndex {
  private readonly entries = new Map<string, Entry>()
  private readonly all = new SortedIds()
  private readonly byClient = new Map<string, SortedIds>()
  private readonly byStatus = new Map<string, SortedIds>()
  private readonly byClientStatus = new Map<string, SortedIds>()
  private readonly pendingByModel = new Map<string, SortedIds>()
  private readonly running = new Set<string>()
  private readonly idempotency = new Map<string, string>()
  private nextOrder = 0

  get size(): number {
    return this.entries.size
  }

  get(jobId: string): JobRecord | undefined {
    return this.entries.get(jobId)?.job
  }

  put(job: JobRecord): void {
    const previous = this.entries.get(job.job_id)
    const order = previous ? previous.order : this.nextOrder++
    if (previous) {
      this.unindexStatus(previous.job, order)
    } else {
      this.all.insert(order, job.job_id)
      bucket(this.byClient, job.client).insert(order, job.job_id)
      if (job.idempotency) this.idempotency.set(idempotencyId(job.client, job.idempotency.key), job.job_id)
    }
    this.entries.set(job.job_id, {job, order})
    this.indexStatus(job, order)
  }

  byIdempotencyKey(client: string, key: string): JobRecord | undefined {
    const jobId = this.idempotency.get(idempotencyId(client, key))
    return jobId === undefined ? undefined : this.get(jobId)
  }

  list(query: JobQuery): JobRecord[] {
    const ids = this.listIndex(query.client, query.status)
    return ids ? ids.newestFirst(query.offset, query.limit).map((id) => this.entries.get(id)!.job) : []
  }

  oldestPending(models: Iterable<string>): JobRecord | undefined {
    let best: {key: number; id: string} | undefined
    for (const model of models) {
      const head = this.pendingByModel.get(model)?.first()
      if (head && (!best || head.key < best.key)) best = head
    }
    return best ? this.get(best.id) : undefined
  }

  runningJobs(): JobRecord[] {
    return [...this.running].map((id) => this.entries.get(id)!.job)
  }

  private listIndex(client: string | undefined, status: JobStatus | undefined): SortedIds | undefined {
    if (client !== undefined && status !== undefined) return this.byClientStatus.get(statusId(client, status))
    if (client !== undefined) return this.byClient.get(client)
    if (status !== undefined) return this.byStatus.get(status)
    return this.all
  }

  private indexStatus(job: JobRecord, order: number): void {
    bucket(this.byStatus, job.status).insert(order, job.job_id)
    bucket(this.byClientStatus, statusId(job.client, job.status)).insert(order, job.job_id)
    if (job.status === 'pending') bucket(this.pendingByModel, job.model).insert(order, job.job_id)
    if (job.status === 'running') this.running.add(job.job_id)
  }

  private unindexStatus(job: JobRecord, order: number): void {
    this.byStatus.get(job.status)?.remove(order)
    this.byClientStatus.get(statusId(job.client, job.status))?.remove(order)
    if (job.status === 'pending') this.pendingByModel.get(job.model)?.remove(order)
    if (job.status === 'running') this.running.delete(job.job_id)
  }
}

function bucket(map: Map<string, SortedIds>, key: string): SortedIds {
  let ids = map.get(key)
  if (!ids) map.set(key, (ids = new SortedIds()))
  return ids
}

// A newline cannot occur in a principal name, so these composite keys cannot collide.
function statusId(client: string, status: string): string {
  return `${client}\n${status}`
}

function idempotencyId(client: string, key: string): string {
  return `${client}\n${key}`
}
