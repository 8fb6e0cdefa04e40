// Jobs with the indexes the hot paths need: by id, by client and status (newest first), pending per
// model (oldest first), running, and idempotency keys per client. No path scans all jobs.
//
// Once a job's current version is on disk, only where it is stays in memory, with what the indexes
// need; `get` reads it back (from the page cache, microseconds). Pending and running jobs too: memory
// grows with the number of jobs by a small entry each, never by their prompts and results, so a
// restart with a gigabyte of queued prompts starts in little memory.
//
// What an entry holds is also what the history index (history-index.ts) keeps of a job: `section` writes
// it out, `restore` loads it back without reading the job's records.
import type {JobStatus} from '../../protocol/job-states.js'
import {DuplicateEntryError, type JobSection} from './history-index.js'
import type {LineAt} from './jsonl-file.js'
import {NamePool} from './name-pool.js'
import type {JobRecord} from './records.js'
import {SortedIds} from './sorted-ids.js'
import type {JobQuery} from './store.js'

interface Entry {
  /** Submit order: the key every index sorts by. */
  order: number
  status: JobStatus
  client: string
  model: string
  /** UTF-8 bytes of the prompt: what the queued-prompt total counts while the job is pending. */
  promptBytes: number
  /** The current version while it may still change or is not yet on disk. */
  job: JobRecord | undefined
  /** Where the current version's line is on disk once written (-1 before); two numbers, not an object per job. */
  offset: number
  length: number
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
  private readonly names = new NamePool()
  private nextOrder = 0
  private pendingBytes = 0

  /** `read` reads a job version back from where it was written. */
  constructor(private readonly read: (at: LineAt) => JobRecord) {}

  get size(): number {
    return this.entries.size
  }

  get(jobId: string): JobRecord | undefined {
    const entry = this.entries.get(jobId)
    return entry && (entry.job ?? this.read({offset: entry.offset, length: entry.length}))
  }

  put(job: JobRecord): void {
    const previous = this.entries.get(job.job_id)
    const order = previous ? previous.order : this.nextOrder++
    if (previous) {
      this.unindexStatus(job.job_id, previous)
    } else {
      this.all.insert(order, job.job_id)
      bucket(this.byClient, job.client).insert(order, job.job_id)
      if (job.idempotency) this.idempotency.set(idempotencyId(job.client, job.idempotency.key), job.job_id)
    }
    const promptBytes = previous ? previous.promptBytes : Buffer.byteLength(job.prompt, 'utf8')
    const entry: Entry = {order, status: job.status, client: this.names.intern(job.client), model: this.names.intern(job.model), promptBytes, job, offset: -1, length: 0}
    this.entries.set(job.job_id, entry)
    this.indexStatus(job.job_id, entry)
  }

  /** `job` is on disk at `at`; if it is still the current version, only its place is kept from now on. */
  written(job: JobRecord, at: LineAt): void {
    const entry = this.entries.get(job.job_id)
    if (entry?.job !== job) return
    entry.offset = at.offset
    entry.length = at.length
    entry.job = undefined
  }

  /** The entries in submit order, for the history index; undefined while a current version is not on disk. */
  section(): JobSection | undefined {
    const names = new Map<string, number>()
    const name = (value: string) => names.get(value) ?? (names.set(value, names.size), names.size - 1)
    const out: JobSection = {names: [], ids: [], status: [], client: [], model: [], promptBytes: [], offset: [], length: [], idempotency: []}
    const positions = new Map<string, number>()
    for (const id of this.all.ascending()) {
      const entry = this.entries.get(id)!
      if (entry.job) return undefined
      positions.set(id, out.ids.push(id) - 1)
      out.status.push(name(entry.status))
      out.client.push(name(entry.client))
      out.model.push(name(entry.model))
      out.promptBytes.push(entry.promptBytes)
      out.offset.push(entry.offset)
      out.length.push(entry.length)
    }
    for (const [composite, jobId] of this.idempotency) out.idempotency.push([positions.get(jobId)!, composite.slice(composite.indexOf('\n') + 1)])
    out.names = [...names.keys()]
    return out
  }

  /** Loads the history index's entries into this index, which must be empty (history-index.ts checked their shape). */
  restore(section: JobSection): void {
    if (this.entries.size) throw new Error('a job index is restored only when empty')
    const {names, ids} = section
    // The buckets by name position: what put() finds by building a key string per job, found here without one.
    const pooled = names.map((name) => this.names.intern(name))
    const byName = (map: Map<string, SortedIds>) => names.map((_, at) => () => bucket(map, pooled[at]))
    const clientBuckets = byName(this.byClient)
    const statusBuckets = byName(this.byStatus)
    const pendingBuckets = byName(this.pendingByModel)
    const pairBuckets = new Map<number, SortedIds>()
    for (let order = 0; order < ids.length; order++) {
      const id = ids[order]
      const client = section.client[order]
      const status = section.status[order]
      const model = section.model[order]
      const entry: Entry = {
        order, status: pooled[status] as JobStatus, client: pooled[client], model: pooled[model],
        promptBytes: section.promptBytes[order], job: undefined, offset: section.offset[order], length: section.length[order],
      }
      this.entries.set(id, entry)
      this.all.insert(order, id)
      clientBuckets[client]().insert(order, id)
      statusBuckets[status]().insert(order, id)
      const pair = client * names.length + status
      let pairIds = pairBuckets.get(pair)
      if (!pairIds) pairBuckets.set(pair, (pairIds = bucket(this.byClientStatus, statusId(entry.client, entry.status))))
      pairIds.insert(order, id)
      if (entry.status === 'pending') {
        pendingBuckets[model]().insert(order, id)
        this.pendingBytes += entry.promptBytes
      }
      if (entry.status === 'running') this.running.add(id)
    }
    if (this.entries.size !== ids.length) throw new DuplicateEntryError('job')
    for (const [order, key] of section.idempotency) this.idempotency.set(idempotencyId(this.entries.get(ids[order])!.client, key), ids[order])
    this.nextOrder = ids.length
  }

  byIdempotencyKey(client: string, key: string): JobRecord | undefined {
    const jobId = this.idempotency.get(idempotencyId(client, key))
    return jobId === undefined ? undefined : this.get(jobId)
  }

  list(query: JobQuery): JobRecord[] {
    return (this.listIds(query) ?? []).map((id) => this.get(id)!)
  }

  listIds(query: JobQuery): string[] | undefined {
    let below: number | undefined
    if (query.before !== undefined) {
      const cursor = this.entries.get(query.before)
      if (!cursor || (query.client !== undefined && cursor.client !== query.client)) return undefined
      below = cursor.order
    }
    return this.listIndex(query.client, query.status)?.newestFirst(query.offset, query.limit, below) ?? []
  }

  oldestPending(models: Iterable<string>, skip?: (jobId: string) => boolean): JobRecord | undefined {
    let best: {key: number; id: string} | undefined
    for (const model of models) {
      const head = this.pendingByModel.get(model)?.first(skip)
      if (head && (!best || head.key < best.key)) best = head
    }
    return best ? this.get(best.id) : undefined
  }

  count(query: {client?: string; status?: JobStatus}): number {
    return this.listIndex(query.client, query.status)?.size ?? 0
  }

  /** UTF-8 bytes of the prompts of all pending jobs. */
  get pendingPromptBytes(): number {
    return this.pendingBytes
  }

  runningJobs(): JobRecord[] {
    return [...this.running].map((id) => this.get(id)!)
  }

  private listIndex(client: string | undefined, status: JobStatus | undefined): SortedIds | undefined {
    if (client !== undefined && status !== undefined) return this.byClientStatus.get(statusId(client, status))
    if (client !== undefined) return this.byClient.get(client)
    if (status !== undefined) return this.byStatus.get(status)
    return this.all
  }

  private indexStatus(jobId: string, {order, status, client, model, promptBytes}: Entry): void {
    bucket(this.byStatus, status).insert(order, jobId)
    bucket(this.byClientStatus, statusId(client, status)).insert(order, jobId)
    if (status === 'pending') {
      bucket(this.pendingByModel, model).insert(order, jobId)
      this.pendingBytes += promptBytes
    }
    if (status === 'running') this.running.add(jobId)
  }

  private unindexStatus(jobId: string, {order, status, client, model, promptBytes}: Entry): void {
    this.byStatus.get(status)?.remove(order)
    this.byClientStatus.get(statusId(client, status))?.remove(order)
    if (status === 'pending') {
      this.pendingByModel.get(model)?.remove(order)
      this.pendingBytes -= promptBytes
    }
    if (status === 'running') this.running.delete(jobId)
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
